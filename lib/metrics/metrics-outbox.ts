import { type PrincipalDelta, principalMetricsOfDelta } from './principal-metrics.js';
import { type MetricPoint, type UsageDelta, usageMetricsOfDelta } from './usage-metrics.js';

/**
 * A count owed to CloudWatch besides the usage deltas: queries that ran above a throttle in
 * force, counted once each when their bypass marker was written.
 */
export interface OutboxCount {
  readonly name: 'ThrottleBypassedQueries';
  readonly workgroup: string;
  readonly value: number;
}

/**
 * Metrics committed in DynamoDB with what they count (the usage counters of a recording
 * transaction, or a query's bypass marker) and not yet published: the metrics owed to CloudWatch.
 * Each entry is an item of its own, written in the same transaction as what it counts.
 */
export interface OutboxEntry {
  readonly id: string;
  /** When the transaction committed: the timestamp the points are published with. */
  readonly committedAt: Date;
  readonly deltas: readonly UsageDelta[];
  readonly counts: readonly OutboxCount[];
  /** Per-principal DpuHours and CostUsd (with `attributePrincipals`; a move's are +/-). */
  readonly principals?: readonly PrincipalDelta[] | undefined;
  /** The entry's item. */
  readonly key: { readonly pk: string; readonly sk: string };
}

/** Marks outbox entries published once CloudWatch has them. */
export interface OutboxMarker {
  /** Idempotent. */
  markPublished(entries: readonly OutboxEntry[]): Promise<void>;
}

/** Where committed metrics wait until CloudWatch has them. */
export interface MetricsOutbox extends OutboxMarker {
  /** Entries committed before `committedBefore` and still unpublished. */
  leftovers(committedBefore: Date): Promise<OutboxEntry[]>;
}

/**
 * Entries committed during a batch outside the recording transactions (the bypass markers of
 * budget enforcement), taken by the recording step to go in the batch's one PutMetricData and
 * be marked with its own entries.
 */
export class HeldOutboxEntries {
  private held: OutboxEntry[] = [];

  add(entries: readonly OutboxEntry[]): void {
    this.held.push(...entries);
  }

  /** The entries held so far; they are no longer held. */
  take(): OutboxEntry[] {
    const entries = this.held;
    this.held = [];
    return entries;
  }
}

/** The metric points of outbox entries, each with the timestamp of its commit. */
export const metricPointsOfEntries = (entries: readonly OutboxEntry[]): MetricPoint[] =>
  entries.flatMap((entry) => [
    ...entry.deltas.flatMap((delta) => usageMetricsOfDelta(delta, entry.committedAt)),
    ...entry.counts.map(
      (count): MetricPoint => ({
        name: count.name,
        workgroup: count.workgroup,
        unit: 'Count',
        timestamp: entry.committedAt,
        value: { kind: 'value', value: count.value },
      }),
    ),
    ...(entry.principals ?? []).flatMap((delta) =>
      principalMetricsOfDelta(delta, entry.committedAt),
    ),
  ]);
