import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { SparkSessions } from '../athena/spark-sessions.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type {
  SparkSessionMetrics,
  SparkWorkgroupFigures,
} from '../metrics/spark-session-metrics.js';
import type { SessionStore } from '../store/session-store.js';
import {
  accountSession,
  isSessionEnded,
  type SessionRecord,
  type SparkIncrement,
} from './session-accounting.js';
import { sessionArnOf } from './session-arn.js';

/** Workgroups listed and sessions read at once: Athena's quotas for these calls are undocumented. */
const CONCURRENCY = 4;
/** Attempts per session when another sweep commits the same session in between. */
const MAX_COMMIT_ATTEMPTS = 3;

export interface RecordSparkSessionsDependencies {
  readonly sessions: SparkSessions;
  readonly store: SessionStore;
  /** The sweep's figures as CloudWatch metrics; none when absent. */
  readonly metrics?: SparkSessionMetrics;
  readonly pricePerSparkDpuHourUsd: number;
  /**
   * Runs after the sweep has committed (Spark budgets): given the Spark workgroups swept, returns
   * a failure message per workgroup it could not settle; the next sweep evaluates them again.
   */
  readonly afterSparkUsage?: (
    workgroups: readonly string[],
  ) => Promise<ReadonlyMap<string, string>>;
  readonly logger: Log;
  readonly clock?: () => Date;
}

export interface RecordSparkSessionsInput {
  /** `arn:<partition>:athena:<region>:<account>`: session ARNs are stored when given. */
  readonly athenaArnPrefix?: string;
}

/** What one sweep did with one session. */
export interface SparkSessionRun {
  readonly sessionId: string;
  readonly workgroup: string;
  readonly state: SessionRecord['state'] | 'UNKNOWN';
  /** Day-counter growth this sweep added (0 when another sweep had counted it). */
  readonly dpuMillis: number;
  readonly costNanoUsd: number;
  readonly error?: string;
}

export interface RecordSparkSessionsResult {
  readonly workgroups: readonly string[];
  readonly sessions: readonly SparkSessionRun[];
  /** Workgroups that could not be listed plus sessions that could not be counted. */
  readonly failed: number;
}

export type RecordSparkSessions = (
  input?: RecordSparkSessionsInput,
) => Promise<RecordSparkSessionsResult>;

/**
 * The Spark sweep: lists the Spark workgroups and their active sessions, adds the sessions it
 * remembers as not ended (so one that ended since the last sweep is read once more, by id, for
 * its final figure), reads each with GetSession and commits the growth of its DPU time since
 * its record to the workgroup's day, week and month counters together with the new record. A
 * retried or overlapping sweep finds the record moved on and adds only what grew since; a
 * missed sweep leaves the record where it was, so the next one adds the whole gap.
 */
export function createRecordSparkSessions(
  deps: RecordSparkSessionsDependencies,
): RecordSparkSessions {
  const clock = deps.clock ?? (() => new Date());
  return async (input = {}) => {
    const now = clock();
    let failed = 0;
    const [workgroups, remembered] = await Promise.all([
      deps.sessions.listSparkWorkgroups().catch((error: unknown) => {
        failed += 1;
        deps.logger.error('Spark workgroups could not be listed; remembered sessions only', {
          error: describeError(error),
        });
        return [];
      }),
      deps.store.loadActive(),
    ]);
    const listed = await mapWithConcurrency(workgroups, CONCURRENCY, async (workgroup) => {
      try {
        return await deps.sessions.listActiveSessionIds(workgroup.name);
      } catch (error) {
        failed += 1;
        deps.logger.error(
          `sessions of ${workgroup.name} could not be listed; the next run retries`,
          {
            error: describeError(error),
          },
        );
        return [];
      }
    });
    const ids = [...new Set([...listed.flat(), ...remembered.map((ref) => ref.sessionId)])].sort();
    const records = ids.length === 0 ? new Map() : await deps.store.load(ids);
    const workgroupOf = new Map(remembered.map((ref) => [ref.sessionId, ref.workgroup]));

    const runs = await mapWithConcurrency(ids, CONCURRENCY, async (sessionId) => {
      try {
        return await countSession(deps, sessionId, records.get(sessionId), now, input);
      } catch (error) {
        deps.logger.error(`session ${sessionId} could not be counted; the next run retries`, {
          error: describeError(error),
        });
        return {
          sessionId,
          workgroup: records.get(sessionId)?.workgroup ?? workgroupOf.get(sessionId) ?? '',
          state: 'UNKNOWN' as const,
          dpuMillis: 0,
          costNanoUsd: 0,
          error: describeError(error),
        };
      }
    });
    await publishMetrics(deps, runs, now);
    const swept = workgroups.map((workgroup) => workgroup.name);
    if (deps.afterSparkUsage !== undefined && swept.length > 0) {
      const failures = await deps.afterSparkUsage(swept);
      for (const [workgroup, reason] of failures)
        deps.logger.error(`Spark budget of ${workgroup} not settled; the next sweep retries`, {
          reason,
        });
      failed += failures.size;
    }
    return {
      workgroups: swept,
      sessions: runs,
      failed: failed + runs.filter((run) => run.error !== undefined).length,
    };
  };
}

/** Reads one session and commits its change, reading its record again after a lost race. */
async function countSession(
  deps: RecordSparkSessionsDependencies,
  sessionId: string,
  stored: SessionRecord | undefined,
  now: Date,
  input: RecordSparkSessionsInput,
): Promise<SparkSessionRun & { readonly firstSeen: boolean }> {
  const observed = await deps.sessions.getSession(sessionId);
  let record = stored;
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
    if (observed === undefined) {
      // Athena no longer knows the id: its last figure stands; stop reading it.
      if (record === undefined || isSessionEnded(record.state))
        return idle(sessionId, record, 'UNKNOWN');
      deps.logger.warn(`session ${sessionId} is no longer known to Athena; its last figure stands`);
      const next: SessionRecord = { ...record, state: 'GONE' };
      if (await deps.store.commit({ previous: record, next, increments: [] }, now))
        return idle(sessionId, next, 'GONE');
    } else {
      const accounting = accountSession({
        record,
        observed,
        now,
        pricePerSparkDpuHourUsd: deps.pricePerSparkDpuHourUsd,
        ...(input.athenaArnPrefix === undefined
          ? {}
          : { sessionArn: sessionArnOf(input.athenaArnPrefix, observed.workgroup, sessionId) }),
      });
      for (const note of accounting.notes) deps.logger.warn(note);
      if (!accounting.changed) return idle(sessionId, record, accounting.next.state);
      const change = { previous: record, next: accounting.next, increments: accounting.increments };
      if (await deps.store.commit(change, now)) {
        const day = dayIncrements(accounting.increments);
        return {
          sessionId,
          workgroup: observed.workgroup,
          state: accounting.next.state,
          dpuMillis: sum(day.map((increment) => increment.dpuMillis)),
          costNanoUsd: sum(day.map((increment) => increment.costNanoUsd)),
          firstSeen: record === undefined,
        };
      }
    }
    deps.logger.info(`session ${sessionId}: another sweep committed first; reading it again`);
    record = (await deps.store.load([sessionId])).get(sessionId);
  }
  throw new Error(`session ${sessionId}: still contended after ${MAX_COMMIT_ATTEMPTS} attempts`);
}

const idle = (
  sessionId: string,
  record: SessionRecord | undefined,
  state: SparkSessionRun['state'],
) => ({
  sessionId,
  workgroup: record?.workgroup ?? '',
  state,
  dpuMillis: 0,
  costNanoUsd: 0,
  firstSeen: false,
});

const dayIncrements = (increments: readonly SparkIncrement[]) =>
  increments.filter((increment) => increment.period === 'day');

/**
 * The sweep's counts per workgroup as metrics. The counters are the truth: a failure to publish
 * is logged, not thrown, and the dashboard misses that sweep's figures.
 */
async function publishMetrics(
  deps: RecordSparkSessionsDependencies,
  runs: readonly (SparkSessionRun & { readonly firstSeen?: boolean })[],
  at: Date,
): Promise<void> {
  if (deps.metrics === undefined) return;
  const byWorkgroup = new Map<string, SparkWorkgroupFigures>();
  for (const run of runs) {
    if (run.error !== undefined || (run.dpuMillis === 0 && run.firstSeen !== true)) continue;
    const figures = byWorkgroup.get(run.workgroup);
    byWorkgroup.set(run.workgroup, {
      workgroup: run.workgroup,
      sessions: (figures?.sessions ?? 0) + (run.firstSeen === true ? 1 : 0),
      dpuMillis: (figures?.dpuMillis ?? 0) + run.dpuMillis,
      costNanoUsd: (figures?.costNanoUsd ?? 0) + run.costNanoUsd,
    });
  }
  if (byWorkgroup.size === 0) return;
  try {
    await deps.metrics.publish([...byWorkgroup.values()], at);
  } catch (error) {
    deps.logger.warn('Spark session metrics could not be published', {
      error: describeError(error),
    });
  }
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
