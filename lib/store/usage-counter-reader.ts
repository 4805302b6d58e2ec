import type { WorkgroupPeriod } from '../usage/period-keys.js';
import type { UsageTotals } from '../usage/usage-totals.js';

/** One workgroup's counter for one period. */
export type CounterKey = WorkgroupPeriod;

export const counterId = (key: CounterKey): string =>
  `${key.workgroup}#${key.period}#${key.periodKey}`;

/** Reads usage counters; an absent counter reads as zero usage. */
export interface UsageCounterReader {
  totalsFor(keys: readonly CounterKey[]): Promise<ReadonlyMap<string, UsageTotals>>;
}
