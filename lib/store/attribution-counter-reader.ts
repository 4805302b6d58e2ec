import type { AttributionPeriod } from '../budgets/attribution-budget.js';
import type { Period } from '../usage/period-keys.js';
import type { UsageTotals } from '../usage/usage-totals.js';

/** `<key>#<value>#<period>#<periodKey>`: one attribution value's period, as a map key. */
export const attributionPeriodId = (key: AttributionPeriod): string =>
  `${key.key}#${key.value}#${key.period}#${key.periodKey}`;

/** One value's period and the workgroups to sum its counters over. */
export interface AttributionRead extends AttributionPeriod {
  readonly workgroups: readonly string[];
}

/**
 * Reads attribution values' usage over every workgroup. Counters are kept per workgroup
 * (`ATTR#<key>#<period>#<periodKey>` / `<workgroup>#<value>`), so a value's total is the sum of
 * its counters in the workgroups that had usage in the period.
 */
export interface AttributionCounterReader {
  /**
   * Each period's totals summed over its `workgroups` (strongly consistent, so a batch sees its
   * own additions); a value without usage reads as zero. Keyed by {@link attributionPeriodId}.
   */
  totalsFor(reads: readonly AttributionRead[]): Promise<ReadonlyMap<string, UsageTotals>>;
  /** The workgroups with usage in the period: every workgroup an attribution counter can be in. */
  workgroupsWithUsage(period: Period, periodKey: string): Promise<string[]>;
}
