import type { Period } from '../usage/period-keys.js';
import type { UsageTotals } from '../usage/usage-totals.js';

/** A workgroup's usage of one attribution value (a dbt model, a tag value) in one period. */
export interface AttributionCounter {
  readonly workgroup: string;
  /** `dbt.model` or `tag:<key>`. */
  readonly key: string;
  readonly value: string;
  readonly period: Period;
  /** The period's key without the period: `2026-11-25`, `2026-W48`, `2026-11`. */
  readonly periodKey: string;
  readonly totals: UsageTotals;
}

/** The reads an attribution report needs: one Query per period key, never a scan. */
export interface AttributionReportSource {
  /** Every workgroup's counters of `key` for the period keys; values without usage have none. */
  readAttributionCounters(
    key: string,
    period: Period,
    periodKeys: readonly string[],
  ): Promise<readonly AttributionCounter[]>;
  /** Whether any workgroup has a counter of `key` in the period key (one item read at most). */
  hasAttributionCounters(key: string, period: Period, periodKey: string): Promise<boolean>;
}
