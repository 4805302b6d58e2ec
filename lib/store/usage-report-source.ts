import type { BudgetLimits } from '../budgets/budget-usage.js';
import type { ReservationCounter } from '../capacity/billed-cost.js';
import type { Period } from '../usage/period-keys.js';
import type { TerminalState } from '../usage/query-usage.js';
import type { UsageTotals } from '../usage/usage-totals.js';

/** One workgroup's usage counter for one period, e.g. `analytics`, `week`, `2026-W48`. */
export interface UsageCounter {
  readonly workgroup: string;
  readonly period: Period;
  /** The period's key without the period: `2026-11-25`, `2026-W48`, `2026-11`. */
  readonly key: string;
  readonly totals: UsageTotals;
}

/** The part of a workgroup's budget a report shows: its limits, at least one of them set. */
export interface BudgetLimit extends BudgetLimits {
  readonly workgroup: string;
  readonly period: Period;
}

/** A recorded query, as the top-queries list shows it. */
export interface TopQuery {
  readonly queryExecutionId: string;
  readonly workgroup: string;
  readonly state: TerminalState;
  readonly dpuCount: number | null;
  readonly dpuHours: number;
  readonly engineExecutionMs: number;
  readonly dataScannedBytes: number;
  readonly costUsd: number;
  readonly completedAt: string;
  /** The redacted copy of its SQL text, when the monitor keeps them (`redactedSqlChars`). */
  readonly sqlRedacted?: string | undefined;
}

export interface WorkgroupDay {
  readonly workgroup: string;
  readonly day: string;
}

/**
 * The reads a usage report needs. Every read is bounded by the range (a Query per key or per
 * workgroup and day); none scans the table.
 */
export interface UsageReportSource {
  /**
   * The counters of `period` for `keys` (ascending and contiguous), of one workgroup or of all.
   * Periods without usage have no counter.
   */
  readCounters(
    period: Period,
    keys: readonly string[],
    workgroup?: string,
  ): Promise<readonly UsageCounter[]>;
  /** The budgets of every workgroup, or of one. */
  readBudgets(workgroup?: string): Promise<readonly BudgetLimit[]>;
  /**
   * Every capacity reservation's counters of `period` for `keys` (ascending and contiguous).
   * Optional: a source without reservations has none.
   */
  readReservationCounters?(
    period: Period,
    keys: readonly string[],
  ): Promise<readonly ReservationCounter[]>;
  /** Up to `limit` of the most expensive queries of each workgroup and day, in no set order. */
  readTopQueries(days: readonly WorkgroupDay[], limit: number): Promise<readonly TopQuery[]>;
  /**
   * The redacted SQL copies of these query records, by id; records without one are left out.
   * Optional: a source without them shows none.
   */
  readRedactedSql?(queryExecutionIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}
