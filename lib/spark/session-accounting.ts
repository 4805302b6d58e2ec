import { DAY_MS, type Period, periodKeysFor } from '../usage/period-keys.js';
import { MILLIS_PER_HOUR, NANO_USD_PER_USD } from '../usage/pricing.js';

/**
 * Delta accounting of Athena for Apache Spark sessions. `GetSession` gives a session's DPU time
 * so far (`Statistics.DpuExecutionInMillis`); each sweep adds only what grew since the figure
 * stored with the session, so a session is counted once however often it is read.
 */

/** `SessionStatus.State` (SDK `SessionState`). */
export type SessionState =
  | 'CREATING'
  | 'CREATED'
  | 'IDLE'
  | 'BUSY'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'DEGRADED'
  | 'FAILED';

export const SESSION_STATES: readonly SessionState[] = [
  'CREATING',
  'CREATED',
  'IDLE',
  'BUSY',
  'TERMINATING',
  'TERMINATED',
  'DEGRADED',
  'FAILED',
];

/**
 * States in which a session uses nothing more ("no longer running"). TERMINATING and DEGRADED
 * are still read again by id until they end.
 */
export const ENDED_SESSION_STATES: ReadonlySet<SessionState> = new Set(['TERMINATED', 'FAILED']);

/** A session that is gone from Athena altogether: GetSession no longer knows its id. */
export type RecordedSessionState = SessionState | 'GONE';

export const isSessionEnded = (state: RecordedSessionState): boolean =>
  state === 'GONE' || ENDED_SESSION_STATES.has(state);

/** A session's engine DPU settings as GetSession reports them. */
export interface SessionEngine {
  readonly coordinatorDpuSize?: number;
  readonly maxConcurrentDpus?: number;
  readonly defaultExecutorDpuSize?: number;
}

/** A session as one GetSession saw it. */
export interface ObservedSession {
  readonly sessionId: string;
  readonly workgroup: string;
  readonly state: SessionState;
  readonly dpuMillis: number;
  readonly startedAt?: Date;
  readonly endedAt?: Date;
  /** When it became idle; absent while it is not idle. */
  readonly idleSince?: Date;
  readonly engineVersion?: string;
  readonly engine: SessionEngine;
}

/** What is kept per session (the `SESSION#<id>` item). */
export interface SessionRecord {
  readonly sessionId: string;
  readonly workgroup: string;
  readonly state: RecordedSessionState;
  /** The session's DPU time when last seen: the figure the next delta is measured from. */
  readonly dpuMillis: number;
  /** When `dpuMillis` was read (ISO): the start of the next delta's time span. */
  readonly observedAt: string;
  /** Its DPU time at the Spark DPU-hour price, in nano-dollars. */
  readonly costNanoUsd: number;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly idleSince?: string;
  readonly engineVersion?: string;
  readonly engine: SessionEngine;
  /** `arn:...:workgroup/<name>/session/<id>`, what GetResourceDashboard takes. */
  readonly sessionArn?: string;
}

/** What a sweep adds to one of a workgroup's usage counters. */
export interface SparkIncrement {
  readonly workgroup: string;
  readonly period: Period;
  readonly key: string;
  readonly dpuMillis: number;
  readonly costNanoUsd: number;
  /** Sessions first seen whose start falls in this period. */
  readonly sessions: number;
}

export interface SessionAccounting {
  readonly next: SessionRecord;
  /** Day, week and month increments; empty when nothing grew and no session is new. */
  readonly increments: readonly SparkIncrement[];
  /** False when the record would not change: nothing to write. */
  readonly changed: boolean;
  /** Why the figure was not taken as it came, if it was not. */
  readonly notes: readonly string[];
}

/**
 * The longest span a sweep spreads a growth over: 31 days make at most 32 day, 6 week and
 * 2 month increments, under half of a transaction's 100 actions.
 */
export const MAX_SPREAD_DAYS = 31;

/** Spark DPU-milliseconds at the Spark DPU-hour price, in whole nano-dollars. */
export const sparkCostNanoUsd = (dpuMillis: number, pricePerSparkDpuHourUsd: number): number =>
  Math.round((dpuMillis * pricePerSparkDpuHourUsd * NANO_USD_PER_USD) / MILLIS_PER_HOUR);

/**
 * One session, one sweep: the growth of its DPU time since its record (all of it for a session
 * seen for the first time) becomes day, week and month increments of its workgroup. The growth
 * is spread evenly over the time since it was last read (since its start, for a new session) —
 * up to its end, if it ended — and split at UTC midnights: usage that spans midnight is divided
 * between the two days by the sweeps' times, not by when the work actually ran.
 */
export function accountSession(input: {
  readonly record: SessionRecord | undefined;
  readonly observed: ObservedSession;
  readonly now: Date;
  readonly pricePerSparkDpuHourUsd: number;
  readonly sessionArn?: string;
}): SessionAccounting {
  const { record, observed, now } = input;
  const notes: string[] = [];
  const previous = record?.dpuMillis ?? 0;
  let seen = Math.max(0, Math.round(observed.dpuMillis));
  if (seen < previous) {
    notes.push(
      `session ${observed.sessionId}: DPU time ${seen} ms is below the ${previous} ms already counted; kept ${previous}`,
    );
    seen = previous;
  }
  const growth = seen - previous;
  const end = Math.min(now.getTime(), observed.endedAt?.getTime() ?? now.getTime());
  // At most MAX_SPREAD_DAYS of days, so one session's transaction stays far below DynamoDB's 100
  // actions (a session first seen weeks after it started puts its older use on the first day).
  const start = Math.max(
    record === undefined
      ? (observed.startedAt?.getTime() ?? end)
      : Math.min(Date.parse(record.observedAt), end),
    end - MAX_SPREAD_DAYS * DAY_MS,
  );
  const byDay = spreadOverDays(growth, start, end);
  const firstSeen = record === undefined;
  const startDay = periodKeysFor(observed.startedAt ?? now).day;
  if (firstSeen && !byDay.has(startDay)) byDay.set(startDay, 0);

  const increments = new Map<string, SparkIncrement>();
  for (const [day, dpuMillis] of byDay) {
    const keys = periodKeysFor(new Date(`${day}T00:00:00Z`));
    const sessions = firstSeen && day === startDay ? 1 : 0;
    if (dpuMillis === 0 && sessions === 0) continue;
    for (const period of ['day', 'week', 'month'] as const) {
      const id = `${period}#${keys[period]}`;
      const sum = increments.get(id);
      const addedMillis = (sum?.dpuMillis ?? 0) + dpuMillis;
      increments.set(id, {
        workgroup: observed.workgroup,
        period,
        key: keys[period],
        dpuMillis: addedMillis,
        costNanoUsd: 0,
        sessions: (sum?.sessions ?? 0) + sessions,
      });
    }
  }
  const priced = [...increments.values()].map((increment) => ({
    ...increment,
    costNanoUsd: sparkCostNanoUsd(increment.dpuMillis, input.pricePerSparkDpuHourUsd),
  }));

  const state: RecordedSessionState =
    record !== undefined && isSessionEnded(record.state) ? record.state : observed.state;
  const next: SessionRecord = {
    sessionId: observed.sessionId,
    workgroup: observed.workgroup,
    state,
    dpuMillis: seen,
    observedAt: growth > 0 || record === undefined ? now.toISOString() : record.observedAt,
    costNanoUsd: sparkCostNanoUsd(seen, input.pricePerSparkDpuHourUsd),
    ...optionalIso('startedAt', observed.startedAt),
    ...optionalIso('endedAt', observed.endedAt),
    ...(isSessionEnded(state) ? {} : optionalIso('idleSince', observed.idleSince)),
    ...(observed.engineVersion === undefined ? {} : { engineVersion: observed.engineVersion }),
    engine: observed.engine,
    ...optionalText('sessionArn', input.sessionArn ?? record?.sessionArn),
  };
  return { next, increments: priced, changed: !sameRecord(record, next), notes };
}

/**
 * Spreads `amount` evenly over [start, end) by UTC day, in whole units: each day gets its share
 * rounded down and the last day the remainder, so the parts sum to `amount` exactly. An empty
 * span puts everything on the day of `end`.
 */
export function spreadOverDays(amount: number, start: number, end: number): Map<string, number> {
  const days = new Map<string, number>();
  if (amount <= 0) return days;
  const lastDay = periodKeysFor(new Date(end > start ? end - 1 : end)).day;
  if (end <= start) {
    days.set(lastDay, amount);
    return days;
  }
  let given = 0;
  for (let dayStart = start - (start % DAY_MS); dayStart < end; dayStart += DAY_MS) {
    const day = periodKeysFor(new Date(dayStart)).day;
    const overlap = Math.min(end, dayStart + DAY_MS) - Math.max(start, dayStart);
    const share = day === lastDay ? amount - given : Math.floor((amount * overlap) / (end - start));
    given += share;
    days.set(day, (days.get(day) ?? 0) + share);
  }
  return days;
}

function optionalIso<Name extends string>(
  name: Name,
  value: Date | undefined,
): Partial<Record<Name, string>> {
  return value === undefined ? {} : ({ [name]: value.toISOString() } as Record<Name, string>);
}

function optionalText<Name extends string>(
  name: Name,
  value: string | undefined,
): Partial<Record<Name, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<Name, string>);
}

function sameRecord(a: SessionRecord | undefined, b: SessionRecord): boolean {
  return a !== undefined && JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Keys sorted at every level and undefined members dropped: equal records compare equal. */
function canonical(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, member]) => [key, canonical(member)]),
  );
}
