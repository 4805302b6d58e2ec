import type { QueryUsage } from './query-usage.js';

/** Additive usage of a set of queries, in integer units so any grouping sums exactly. */
export interface UsageTotals {
  readonly queries: number;
  readonly failedQueries: number;
  readonly dpuMillis: number;
  readonly dataScannedBytes: number;
  readonly costNanoUsd: number;
  readonly engineExecutionMs: number;
}

export const ZERO_TOTALS: UsageTotals = {
  queries: 0,
  failedQueries: 0,
  dpuMillis: 0,
  dataScannedBytes: 0,
  costNanoUsd: 0,
  engineExecutionMs: 0,
};

/** Sums the usage of queries. */
export function totalsOf(usages: readonly QueryUsage[]): UsageTotals {
  return usages.reduce<UsageTotals>(
    (sum, usage) => ({
      queries: sum.queries + 1,
      failedQueries: sum.failedQueries + (usage.state === 'FAILED' ? 1 : 0),
      dpuMillis: sum.dpuMillis + usage.dpuMillis,
      dataScannedBytes: sum.dataScannedBytes + usage.dataScannedBytes,
      costNanoUsd: sum.costNanoUsd + usage.costNanoUsd,
      engineExecutionMs: sum.engineExecutionMs + usage.engineExecutionMs,
    }),
    ZERO_TOTALS,
  );
}

/** Adds two totals. */
export function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    queries: a.queries + b.queries,
    failedQueries: a.failedQueries + b.failedQueries,
    dpuMillis: a.dpuMillis + b.dpuMillis,
    dataScannedBytes: a.dataScannedBytes + b.dataScannedBytes,
    costNanoUsd: a.costNanoUsd + b.costNanoUsd,
    engineExecutionMs: a.engineExecutionMs + b.engineExecutionMs,
  };
}
