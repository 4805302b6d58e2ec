import type { ActionRecord, ActionStatus, EnforcementKey } from '../store/enforcement-store.js';
import { type Period, periodKeyFor } from '../usage/period-keys.js';
import type { UsageTotals } from '../usage/usage-totals.js';
import { type Budget, THRESHOLD_ACTIONS, type ThresholdAction } from './budget.js';
import { type BindingLimit, type BudgetUsage, budgetUsageOf } from './budget-usage.js';
import { forecastUsage } from './forecast.js';

/** A threshold action recorded this period, for people and scripts. */
export interface BudgetStatusAction {
  /** The threshold's percent; null for a record whose threshold id cannot be read. */
  readonly threshold: number | null;
  /** The action taken (`notify` for every threshold of a protected budget). */
  readonly action: ThresholdAction;
  readonly status: ActionStatus;
  /** When it completed, or when it was claimed if still in progress. */
  readonly at: string;
  readonly detail: string | null;
}

export interface BudgetStatusForecast {
  /** DPU-hours at the period end if the average rate since its start holds. */
  readonly projectedDpuHours: number;
  /** projectedDpuHours as a share of the DPU-hour limit, in percent. */
  readonly projectedPercent: number;
  /** When the DPU-hour limit is reached at that rate; null if not within the period. */
  readonly limitReachedAt: string | null;
  readonly burnRateDpuHoursPerHour: number;
  /** False in the first minute of a period, when the projection is only what is used. */
  readonly extrapolated: boolean;
  readonly periodEnd: string;
}

/** A budget's usage against each limit it sets, as status, alerts and the digest show it. */
export interface BudgetUsageFigures {
  readonly limitDpuHours: number;
  readonly usedDpuHours: number;
  /** Null when the budget sets no USD limit. */
  readonly limitUsd: number | null;
  readonly usedUsd: number | null;
  /** Null when the budget sets no bytes limit. */
  readonly limitBytes: number | null;
  readonly usedBytes: number | null;
  /** The share of the tightest limit used, in percent, to the hundredth. */
  readonly usedPercent: number;
  readonly bindingLimit: BindingLimit;
}

/** Where one budget stands in its current period. */
export interface BudgetStatus extends BudgetUsageFigures {
  readonly workgroup: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly dryRun: boolean;
  readonly protected: boolean;
  /** Ascending by threshold, then from mildest to harshest action. */
  readonly actions: readonly BudgetStatusAction[];
  readonly forecast: BudgetStatusForecast;
}

/** The counter and enforcement key of a budget's period holding `at`. */
export const currentPeriodOf = (budget: Budget, at: Date): EnforcementKey => ({
  workgroup: budget.workgroup,
  period: budget.period,
  periodKey: periodKeyFor(budget.period, at),
});

export interface BudgetStatusInput {
  readonly budget: Budget;
  /** Usage of the budget's current period. */
  readonly totals: UsageTotals;
  /** Actions recorded for the budget's current period. */
  readonly actions: readonly ActionRecord[];
  readonly at: Date;
}

/** Assembles a budget's status from its period's usage and actions, with a DPU forecast. */
export function budgetStatusOf(input: BudgetStatusInput): BudgetStatus {
  const { budget, totals, at } = input;
  const { periodKey } = currentPeriodOf(budget, at);
  const usage = budgetUsageOf(budget, totals);
  const forecast = forecastUsage({
    period: budget.period,
    periodKey,
    usedDpuHours: usage.dpuHours,
    limitDpuHours: budget.limitDpuHours,
    now: at,
  });
  return {
    workgroup: budget.workgroup,
    period: budget.period,
    periodKey,
    ...usageFiguresOf(budget, usage),
    dryRun: budget.dryRun,
    protected: budget.protected,
    actions: input.actions.map(statusActionOf).sort(compareActions),
    forecast: {
      projectedDpuHours: roundTo(forecast.projectedAtPeriodEnd, 6),
      projectedPercent: roundTo(forecast.projectedPercent, 2),
      limitReachedAt: forecast.limitReachedAt?.toISOString() ?? null,
      burnRateDpuHoursPerHour: roundTo(forecast.burnRateDpuHoursPerHour, 6),
      extrapolated: forecast.extrapolated,
      periodEnd: forecast.periodEnd.toISOString(),
    },
  };
}

/** Usage against each limit the budget sets; null for the limits it does not set. */
export function usageFiguresOf(budget: Budget, usage: BudgetUsage): BudgetUsageFigures {
  return {
    limitDpuHours: budget.limitDpuHours,
    usedDpuHours: usage.dpuHours,
    limitUsd: budget.limitUsd ?? null,
    usedUsd: budget.limitUsd === undefined ? null : usage.usd,
    limitBytes: budget.limitBytes ?? null,
    usedBytes: budget.limitBytes === undefined ? null : usage.bytes,
    usedPercent: roundTo(usage.usedPercent, 2),
    bindingLimit: usage.bindingLimit,
  };
}

function statusActionOf(record: ActionRecord): BudgetStatusAction {
  return {
    threshold: thresholdPercentOf(record.thresholdId),
    action: record.action,
    status: record.status,
    at: record.completedAt ?? record.claimedAt,
    detail: record.detail ?? null,
  };
}

/** The percent of a threshold id such as `80:throttle`. */
export function thresholdPercentOf(thresholdId: string): number | null {
  const [percent = ''] = thresholdId.split(':');
  const value = Number(percent);
  return percent !== '' && Number.isFinite(value) ? value : null;
}

function compareActions(a: BudgetStatusAction, b: BudgetStatusAction): number {
  return (
    (a.threshold ?? Number.POSITIVE_INFINITY) - (b.threshold ?? Number.POSITIVE_INFINITY) ||
    THRESHOLD_ACTIONS.indexOf(a.action) - THRESHOLD_ACTIONS.indexOf(b.action)
  );
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
