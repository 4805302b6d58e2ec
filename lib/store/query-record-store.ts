import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import type { QueryCaller } from '../usage/query-principal.js';
import type { QueryUsage } from '../usage/query-usage.js';

/** What became of each query handed to the store. */
export interface RecordingOutcome {
  /** Recorded now and added to the usage counters. */
  readonly recorded: readonly QueryUsage[];
  /** Recorded by an earlier delivery: not counted again. */
  readonly alreadyRecorded: readonly QueryUsage[];
  /** Not recorded; the events that carried them must be redelivered. */
  readonly failed: readonly { readonly usage: QueryUsage; readonly reason: string }[];
  /** The usage deltas of what was recorded now, committed with it and owed to CloudWatch. */
  readonly outbox: readonly OutboxEntry[];
}

/** Keeps one record per query and the per-workgroup usage counters in step with them. */
export interface QueryRecordStore {
  /**
   * Records each query not yet recorded and, atomically with it, adds it to its workgroup's
   * day, week and month counters: a query is counted exactly once however often it arrives.
   * The usage deltas to publish are committed in the same transaction (the metrics outbox).
   * `callers`: the CloudTrail callers already known of some of them (records in the same
   * batch), under whom they are counted, as if the caller had been waiting on the item.
   */
  recordQueries(
    usages: readonly QueryUsage[],
    callers?: ReadonlyMap<string, QueryCaller>,
  ): Promise<RecordingOutcome>;
}
