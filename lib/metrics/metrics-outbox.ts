import { type MetricPoint, type UsageDelta, usageMetricsOfDelta } from './usage-metrics.js';

/**
 * Usage deltas committed with the counters in one transaction and not yet published: the
 * metrics owed to CloudWatch. Its holder is the counter item it rides on.
 */
export interface OutboxEntry {
  readonly id: string;
  /** When the transaction committed: the timestamp the points are published with. */
  readonly committedAt: Date;
  readonly deltas: readonly UsageDelta[];
  readonly holder: { readonly pk: string; readonly sk: string };
}

/** Marks outbox entries published once CloudWatch has them. */
export interface OutboxMarker {
  /** Idempotent. */
  markPublished(entries: readonly OutboxEntry[]): Promise<void>;
}

/** Where committed usage deltas wait until CloudWatch has them. */
export interface MetricsOutbox extends OutboxMarker {
  /** Entries committed before `committedBefore` and still unpublished. */
  leftovers(committedBefore: Date): Promise<OutboxEntry[]>;
}

/** The metric points of outbox entries, each with the timestamp of its commit. */
export const metricPointsOfEntries = (entries: readonly OutboxEntry[]): MetricPoint[] =>
  entries.flatMap((entry) =>
    entry.deltas.flatMap((delta) => usageMetricsOfDelta(delta, entry.committedAt)),
  );
