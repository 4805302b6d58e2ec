import type { AttributionPeriod } from '../budgets/attribution-budget.js';
import type { ThresholdAction } from '../budgets/budget.js';
import type { BudgetUsageFigures } from '../budgets/budget-status.js';
import type { ReservationThresholdAction } from '../budgets/reservation-budget.js';
import type { ReservationPeriod } from '../store/enforcement-store.js';
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
  readonly throttleMaxConcurrentDpus?: number | undefined;
  /** What disable-now stops: a Spark workgroup's sessions; its queries when unset. */
  readonly stops?: 'sessions' | undefined;
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
  /** What disable-now stops: a Spark workgroup's sessions; its queries when unset. */
  readonly stops?: 'sessions' | undefined;
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

/** What every reservation alert names: the reservation, the budget period and when. */
interface ReservationAlertBase extends ReservationPeriod {
  /** ISO instant. */
  readonly at: string;
}

/** A reservation budget's notify threshold was crossed, or one of its actions failed. */
export interface ReservationBudgetAlert extends ReservationAlertBase {
  readonly kind: 'reservation-budget';
  /** The threshold's action (`notify` for every threshold of a protected budget). */
  readonly action: ReservationThresholdAction;
  readonly thresholdPercent: number;
  readonly usedPercent: number;
  /** Allocated DPU-hours and cost against the budget's limits. */
  readonly usage: BudgetUsageFigures;
  readonly outcome: 'notified' | 'failed';
  readonly detail: string;
}

/**
 * A reservation budget's scale-down (or, at the period end, its restore) and what became of
 * it: requested, described only (dry run), skipped on purpose (the target moved under the
 * product), not needed, or left alone because someone changed the target since.
 */
export interface ReservationScaledAlert extends ReservationAlertBase {
  readonly kind: 'reservation-scaled';
  readonly direction: 'down' | 'restore';
  readonly outcome: 'applied' | 'dry-run' | 'skipped' | 'no-change' | 'conflict';
  /** TargetDpus before, and the one requested (or that would have been). */
  readonly fromDpus?: number | undefined;
  readonly toDpus?: number | undefined;
  /** Set for a scale-down: the threshold and usage that set it off. */
  readonly thresholdPercent?: number | undefined;
  readonly usedPercent?: number | undefined;
  readonly usage?: BudgetUsageFigures | undefined;
  readonly detail: string;
}

/**
 * A notify threshold of a budget on an attribution value (a principal, a dbt model, a tag value)
 * was crossed: its usage summed over every workgroup. Notify only: nothing is acted on.
 */
export interface AttributionBudgetAlert extends AttributionPeriod {
  readonly kind: 'attribution-budget';
  /** ISO instant. */
  readonly at: string;
  readonly thresholdPercent: number;
  readonly usedPercent: number;
  readonly usage: BudgetUsageFigures;
}

export type WorkgroupAlert =
  | BudgetActionAlert
  | BudgetActionFailedAlert
  | ThrottleBypassAlert
  | RestoreAlert;

export type ReservationAlert = ReservationBudgetAlert | ReservationScaledAlert;

/**
 * A structured event for every budget action and restore: logged, and sent to the alerts topic.
 * Each kind has its renderer in `render-alert.ts`; the compiler asks for one when a kind is
 * added here.
 */
export type BudgetAlert = WorkgroupAlert | ReservationAlert | AttributionBudgetAlert;

/**
 * What an alert is about: a workgroup, a capacity reservation, or an attribution value
 * (`tag:team=finance`).
 */
export const alertSubjectOf = (
  alert: BudgetAlert,
): { readonly kind: 'workgroup' | 'reservation' | 'attribution'; readonly name: string } =>
  alert.kind === 'attribution-budget'
    ? { kind: 'attribution', name: alert.attribution }
    : 'reservation' in alert
      ? { kind: 'reservation', name: alert.reservation }
      : { kind: 'workgroup', name: alert.workgroup };

export type AlertKind = BudgetAlert['kind'];
