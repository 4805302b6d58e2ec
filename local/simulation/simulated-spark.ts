import type { SimulatedSparkSessions } from '../stand-ins/athena-sessions.js';
import type { SimulatedAthenaAccount } from '../stand-ins/athena-stand-in.js';

/**
 * The simulated account's Spark workgroup and its sessions through the day: notebooks that
 * compute a while and then sit idle for hours (billing their coordinator until the idle timeout
 * ends them), short ones, and one huge backfill. A plan of timed steps, applied to the Athena
 * stand-in's sessions as the simulated clock passes them; the stand-in's DPU time grows with
 * the clock at the DPUs a session uses, as `GetSession` reports it.
 */

export const SPARK_WORKGROUP = 'spark-notebooks';
export const SPARK_ENGINE_VERSION = 'PySpark engine version 3';
/** The workgroup's own default for new sessions (what a Spark throttle would lower). */
export const SPARK_MAX_CONCURRENT_DPUS = 20;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One change of a session, at a time of the day. */
export type SparkStep =
  | { readonly kind: 'start'; readonly dpus: number; readonly state: 'BUSY' | 'IDLE' }
  | { readonly kind: 'activity'; readonly dpus: number; readonly state: 'BUSY' | 'IDLE' }
  | { readonly kind: 'end'; readonly reason: string };

export interface PlannedSparkStep {
  /** Milliseconds after the day's start. */
  readonly offsetMs: number;
  readonly sessionId: string;
  readonly step: SparkStep;
}

interface SessionPlan {
  readonly id: string;
  readonly description: string;
  readonly startsAt: number;
  /** [offset from the session's start, DPUs, state], in order. */
  readonly activity: readonly (readonly [number, number, 'BUSY' | 'IDLE'])[];
  /** Offset from the session's start at which it ends (idle timeout), if it does that day. */
  readonly endsAfter?: number;
}

/**
 * The day's sessions: idle for hours, short, and one huge (60 DPUs from 13:00 on). Their steps
 * fall on the sweep's 5-minute marks, or just before one: a step is played at the next mark,
 * at its own time (nothing observed the session in between, so the stand-in may count from it).
 */
const SESSIONS: readonly SessionPlan[] = [
  {
    id: 'nb-morning-etl',
    description: 'morning ETL notebook, left open',
    startsAt: 7 * HOUR,
    activity: [
      [0, 8, 'BUSY'],
      [45 * MINUTE, 1, 'IDLE'],
    ],
    endsAfter: 45 * MINUTE + 8 * HOUR, // the 480-minute idle timeout
  },
  {
    id: 'nb-forgotten',
    description: 'exploration notebook, forgotten after lunch',
    startsAt: 9 * HOUR + 30 * MINUTE,
    activity: [
      [0, 4, 'BUSY'],
      [20 * MINUTE, 1, 'IDLE'],
    ],
  },
  ...[10, 11, 12].map((hour, index) => ({
    id: `nb-short-${index + 1}`,
    description: 'short analysis',
    startsAt: hour * HOUR + 15 * MINUTE,
    activity: [[0, 2 + 2 * index, 'BUSY']] as const,
    endsAfter: (10 + 10 * index) * MINUTE,
  })),
  {
    id: 'nb-huge-backfill',
    description: 'backfill of a year of events',
    startsAt: 13 * HOUR,
    activity: [[0, 60, 'BUSY']],
    endsAfter: 7 * HOUR,
  },
  {
    // Opened while the budget's disable-now holds: the next sweep terminates it.
    id: 'nb-late-start',
    description: 'notebook opened in the late afternoon',
    startsAt: 16 * HOUR + 57 * MINUTE,
    activity: [
      [0, 6, 'BUSY'],
      [30 * MINUTE, 1, 'IDLE'],
    ],
  },
];

/** Every step of the day's sessions, in time order. */
export function sparkDayPlan(): PlannedSparkStep[] {
  const steps: PlannedSparkStep[] = [];
  for (const session of SESSIONS) {
    for (const [index, [offset, dpus, state]] of session.activity.entries()) {
      steps.push({
        offsetMs: session.startsAt + offset,
        sessionId: session.id,
        step: index === 0 ? { kind: 'start', dpus, state } : { kind: 'activity', dpus, state },
      });
    }
    if (session.endsAfter !== undefined) {
      steps.push({
        offsetMs: session.startsAt + session.endsAfter,
        sessionId: session.id,
        step: { kind: 'end', reason: 'Session was terminated after its idle timeout' },
      });
    }
  }
  return steps.sort((a, b) => a.offsetMs - b.offsetMs);
}

/** Adds the Spark workgroup to the simulated account, as an operator would have created it. */
export function addSparkWorkgroupTo(account: SimulatedAthenaAccount): void {
  account.addWorkGroup({
    Name: SPARK_WORKGROUP,
    Description: 'Notebooks (Athena for Apache Spark)',
    Configuration: {
      EngineVersion: {
        SelectedEngineVersion: SPARK_ENGINE_VERSION,
        EffectiveEngineVersion: SPARK_ENGINE_VERSION,
      },
      EngineConfiguration: {
        CoordinatorDpuSize: 1,
        DefaultExecutorDpuSize: 1,
        MaxConcurrentDpus: SPARK_MAX_CONCURRENT_DPUS,
      },
    },
  });
}

/**
 * Plays the plan's steps up to `nowMs` on the stand-in's sessions, each once. A session starts
 * at its planned time (the stand-in counts from it); a change or end is made at the clock's
 * time, and leaves a session the enforcer ended as it is. Athena does not document whether a
 * disabled workgroup refuses StartSession: the simulation lets the session start.
 */
export function createSparkDay(dayStart: Date, sessions: SimulatedSparkSessions) {
  const steps = sparkDayPlan();
  const descriptions = new Map(SESSIONS.map((session) => [session.id, session.description]));
  let next = 0;
  return {
    steps,
    sessionCount: SESSIONS.length,
    playUntil(nowMs: number): void {
      while (next < steps.length) {
        const planned = steps[next];
        if (planned === undefined || dayStart.getTime() + planned.offsetMs > nowMs) return;
        next++;
        const { sessionId, step } = planned;
        if (step.kind === 'start') {
          sessions.startSession({
            SessionId: sessionId,
            WorkGroup: SPARK_WORKGROUP,
            Description: descriptions.get(sessionId) ?? sessionId,
            startedAt: new Date(dayStart.getTime() + planned.offsetMs),
            dpus: step.dpus,
            state: step.state,
          });
        } else if (step.kind === 'activity') {
          sessions.setActivity(sessionId, { dpus: step.dpus, state: step.state });
        } else {
          sessions.endSession(sessionId, 'TERMINATED', step.reason);
        }
      }
    },
  };
}
