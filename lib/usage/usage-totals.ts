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

const TOTAL_FIELDS = Object.keys(ZERO_TOTALS) as readonly (keyof UsageTotals)[];

/** The totals of one query. */
function totalsOfQuery(usage: QueryUsage): UsageTotals {
  return {
    queries: 1,
    failedQueries: usage.state === 'FAILED' ? 1 : 0,
    dpuMillis: usage.dpuMillis,
    dataScannedBytes: usage.dataScannedBytes,
    costNanoUsd: usage.costNanoUsd,
    engineExecutionMs: usage.engineExecutionMs,
  };
}

/** Sums the usage of queries. */
export function totalsOf(usages: readonly QueryUsage[]): UsageTotals {
  return usages.reduce<UsageTotals>(
    (sum, usage) => addTotals(sum, totalsOfQuery(usage)),
    ZERO_TOTALS,
  );
}

/** Adds two totals, field by field. */
export function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  const sum: Record<keyof UsageTotals, number> = { ...ZERO_TOTALS };
  for (const field of TOTAL_FIELDS) sum[field] = a[field] + b[field];
  return sum;
}
