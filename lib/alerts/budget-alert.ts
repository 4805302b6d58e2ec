import type { ThresholdAction } from '../budgets/budget.js';
import type { BudgetUsageFigures } from '../budgets/budget-status.js';
import type { WorkgroupPeriod } from '../usage/period-keys.js';

/** What every alert names: the workgroup, the budget period and when it happened. */
interface AlertBase extends WorkgroupPeriod {
  /** ISO instant. */
  readonly at: string;
}

/** A threshold was crossed and its action carried out (or, in dry run, only described). */
export interface BudgetActionAlert extends AlertBase {
  readonly kind: 'budget-action';
  readonly action: ThresholdAction;
  readonly thresholdPercent: number;
  readonly usedPercent: number;
  /** Usage against each limit the budget sets, at the moment of the action. */
  readonly usage: BudgetUsageFigures;
  /** The throttle's target, so the alert can say how to lift it. */
  readonly throttleMaxDpu?: number | undefined;
  readonly throttleBytesScannedCutoff?: number | undefined;
  readonly dryRun: boolean;
  readonly outcome: 'applied' | 'dry-run' | 'no-change';
  readonly detail: string;
  /**
   * Why it was taken: a threshold crossed (when unset), the action undone by hand while still
   * over budget and so applied again, or a query that sidestepped the throttle (onBypass).
   */
  readonly cause?: 'threshold' | 'undone-by-hand' | 'throttle-bypass' | undefined;
}

/** A threshold's action could not be carried out; the batch is redelivered to try again. */
export interface BudgetActionFailedAlert extends AlertBase {
  readonly kind: 'budget-action-failed';
  readonly action: ThresholdAction;
  readonly thresholdPercent: number;
  readonly usedPercent: number;
  readonly usage: BudgetUsageFigures;
  readonly error: string;
}

/**
 * Queries ran above a DPU throttle's ceiling with DPU settings of their own (the workgroup does
 * not enforce its configuration): sent once per workgroup and period, at the first ones seen.
 */
export interface ThrottleBypassAlert extends AlertBase {
  readonly kind: 'throttle-bypass';
  /** The throttled `max-dpu-count` they exceeded. */
  readonly ceiling: number;
  /** A few of them, with their peak DPUs. */
  readonly queries: readonly { readonly queryExecutionId: string; readonly dpuCount: number }[];
  /** How many were seen in the batch that raised the alert; `status` has the period's count. */
  readonly bypassedQueries: number;
  readonly usage: BudgetUsageFigures;
  readonly detail: string;
}

/** Restore looked at a workgroup whose budget period ended. */
export interface RestoreAlert extends AlertBase {
  readonly kind: 'restore';
  readonly restored: boolean;
  /** Fields left alone because an operator changed them after the enforcer. */
  readonly conflicts: readonly string[];
  readonly detail: string;
}

/**
 * A structured event for every budget action and restore: logged, and sent to the alerts topic.
 * Each kind has its renderer in `render-alert.ts`; the compiler asks for one when a kind is
 * added here. (Capacity reservations, once the product manages them, add `reservation-scaled`.)
 */
export type BudgetAlert =
  | BudgetActionAlert
  | BudgetActionFailedAlert
  | ThrottleBypassAlert
  | RestoreAlert;

export type AlertKind = BudgetAlert['kind'];
