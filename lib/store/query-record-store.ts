import type { QueryUsage } from '../usage/query-usage.js';

/** What became of each query handed to the store. */
export interface RecordingOutcome {
  /** Recorded now and added to the usage counters. */
  readonly recorded: readonly QueryUsage[];
  /** Recorded by an earlier delivery: not counted again. */
  readonly alreadyRecorded: readonly QueryUsage[];
  /** Not recorded; the events that carried them must be redelivered. */
  readonly failed: readonly { readonly usage: QueryUsage; readonly reason: string }[];
}

/** Keeps one record per query and the per-workgroup usage counters in step with them. */
export interface QueryRecordStore {
  /**
   * Records each query not yet recorded and, atomically with it, adds it to its workgroup's
   * day, week and month counters: a query is counted exactly once however often it arrives.
   */
  recordQueries(usages: readonly QueryUsage[]): Promise<RecordingOutcome>;
}
