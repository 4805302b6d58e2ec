import { jsonDpuHours, jsonPercent, jsonUsd } from '../format/format-values.js';
import type { ActionRecord, ActionStatus, EnforcementKey } from '../store/enforcement-store.js';
import type { Period } from '../usage/period-keys.js';
import { MILLIS_PER_HOUR } from '../usage/pricing.js';
import type { UsageTotals } from '../usage/usage-totals.js';
import {
  type Budget,
  type BudgetPause,
  pauseOf,
  THRESHOLD_ACTIONS,
  type ThresholdAction,
} from './budget.js';
import { subjectPeriodAt } from './budget-subject.js';
import {
  type BindingLimit,
  type BudgetLimits,
  type BudgetUsage,
  budgetUsageOf,
  figuresOfUsage,
} from './budget-usage.js';
import { forecastUsage } from './forecast.js';

/** A threshold action recorded this period, for people and scripts (of any kind of budget). */
export interface BudgetStatusAction<Action extends string = ThresholdAction> {
  /** The threshold's percent; null for a record whose threshold id cannot be read. */
  readonly threshold: number | null;
  /** The action taken (`notify` for every threshold of a protected budget). */
  readonly action: Action;
  readonly status: ActionStatus;
  /** When it completed, or when it was claimed if still in progress. */
  readonly at: string;
  readonly detail: string | null;
}

export interface BudgetStatusForecast {
  /** DPU-hours at the period end if the average rate since its start holds. */
  readonly projectedDpuHours: number;
  /** Usage of the binding limit at the period end, in its unit. */
  readonly projected: { readonly unit: BindingLimit; readonly value: number };
  /** The projection as a share of the binding limit, in percent. */
  readonly projectedPercent: number;
  /** Usage has reached the binding limit. */
  readonly limitCrossed: boolean;
  /**
   * Crossed: when it was, from the enforcement records (null when none says). Not crossed: when
   * the binding limit is reached at the rate so far; null if not within the period.
   */
  readonly limitReachedAt: string | null;
  readonly burnRateDpuHoursPerHour: number;
  /** False in the first minute of a period, and once the enforcer disabled the workgroup. */
  readonly extrapolated: boolean;
  readonly periodEnd: string;
}

/** A budget's usage against each limit it sets, as status, alerts and the digest show it. */
export interface BudgetUsageFigures {
  /** Null when the budget sets no DPU-hour limit. */
  readonly limitDpuHours: number | null;
  readonly usedDpuHours: number;
  /** Null when the budget sets no USD limit. */
  readonly limitUsd: number | null;
  readonly usedUsd: number | null;
  /** Null when the budget sets no bytes limit. */
  readonly limitBytes: number | null;
  readonly usedBytes: number | null;
  /** The share of the binding limit used, in percent, to the hundredth. */
  readonly usedPercent: number;
  readonly bindingLimit: BindingLimit;
  /** The binding limit's value, in its unit. */
  readonly bindingLimitValue: number;
}

/** Where one budget stands in its current period. */
export interface BudgetStatus extends BudgetUsageFigures {
  readonly workgroup: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly dryRun: boolean;
  readonly protected: boolean;
  /** The pause in force: the budget records and notifies but takes no action. */
  readonly pause: BudgetPause | null;
  /** Ascending by threshold, then from mildest to harshest action. */
  readonly actions: readonly BudgetStatusAction[];
  /** Queries this period that ran above the throttled max-dpu-count with DPU settings of their own. */
  readonly bypassedQueries: number;
  readonly forecast: BudgetStatusForecast;
}

/** The counter and enforcement key of a budget's period holding `at`. */
export const currentPeriodOf = (budget: Budget, at: Date): EnforcementKey =>
  subjectPeriodAt('workgroup', budget, at);

export interface BudgetStatusInput {
  readonly budget: Budget;
  /** Usage of the budget's current period. */
  readonly totals: UsageTotals;
  /** Actions recorded for the budget's current period. */
  readonly actions: readonly ActionRecord[];
  /** Throttle bypasses counted in the budget's current period (0 when not given). */
  readonly bypassedQueries?: number;
  readonly at: Date;
}

/**
 * Assembles a budget's status from its period's usage and actions, with a forecast of its
 * binding limit. A workgroup the enforcer disabled projects no further use, and a limit already
 * crossed is dated by the first action at or above 100 %, not projected.
 */
export function budgetStatusOf(input: BudgetStatusInput): BudgetStatus {
  const { budget, totals, at } = input;
  const { periodKey } = currentPeriodOf(budget, at);
  const usage = budgetUsageOf(budget, totals);
  const actions = input.actions.map(statusActionOf).sort(compareActions);
  const forecast = forecastUsage({
    period: budget.period,
    periodKey,
    used: usage.used,
    limit: usage.limit,
    now: at,
    stopped: actions.some(stopsTheWorkgroup),
    crossedAt: crossingOf(actions),
  });
  return {
    workgroup: budget.workgroup,
    period: budget.period,
    periodKey,
    ...usageFiguresOf(budget, usage),
    dryRun: budget.dryRun,
    protected: budget.protected,
    pause: pauseOf(budget, at),
    actions,
    bypassedQueries: input.bypassedQueries ?? 0,
    forecast: {
      projectedDpuHours: jsonDpuHours(usage.dpuHours * forecast.projectionFactor),
      projected: {
        unit: usage.bindingLimit,
        value: jsonValue(usage.bindingLimit, forecast.projectedAtPeriodEnd),
      },
      projectedPercent: jsonPercent(forecast.projectedPercent),
      limitCrossed: forecast.limitCrossed,
      limitReachedAt: forecast.limitReachedAt?.toISOString() ?? null,
      burnRateDpuHoursPerHour: jsonDpuHours(
        forecast.extrapolated ? (usage.dpuHours * MILLIS_PER_HOUR) / forecast.elapsedMs : 0,
      ),
      extrapolated: forecast.extrapolated,
      periodEnd: forecast.periodEnd.toISOString(),
    },
  };
}

/**
 * Usage against each limit the budget sets (null for the limits it does not set), with the
 * binding limit and used percent of {@link figuresOfUsage}: status, alerts and the digest
 * show these.
 */
export function usageFiguresOf(budget: BudgetLimits, usage: BudgetUsage): BudgetUsageFigures {
  const figures = figuresOfUsage(usage);
  return {
    limitDpuHours: budget.limitDpuHours ?? null,
    usedDpuHours: jsonDpuHours(usage.dpuHours),
    limitUsd: budget.limitUsd ?? null,
    usedUsd: budget.limitUsd === undefined ? null : jsonUsd(usage.usd),
    limitBytes: budget.limitBytes ?? null,
    usedBytes: budget.limitBytes === undefined ? null : usage.bytes,
    usedPercent: figures.usedPercent,
    bindingLimit: figures.bindingLimit.unit,
    bindingLimitValue: figures.bindingLimit.value,
  };
}

/** A disable the enforcer made (or found already made): the workgroup runs nothing more. */
const stopsTheWorkgroup = (action: BudgetStatusAction): boolean =>
  (action.action === 'disable' || action.action === 'disable-now') &&
  (action.status === 'applied' || action.status === 'no-change');

/**
 * When usage crossed 100 %: the earliest action of a threshold at or above it, which ran in the
 * evaluation right after the batch that crossed it (exact for a 100 % threshold, an upper bound
 * for higher ones).
 */
function crossingOf(actions: readonly BudgetStatusAction[]): Date | null {
  const times = actions
    .filter((action) => action.threshold !== null && action.threshold >= 100)
    .map((action) => Date.parse(action.at))
    .filter((time) => Number.isFinite(time));
  return times.length === 0 ? null : new Date(Math.min(...times));
}

/** A quantity in JSON: whole bytes, dollars and DPU-hours to the millionth. */
function jsonValue(unit: BindingLimit, value: number): number {
  switch (unit) {
    case 'bytes':
      return Math.round(value);
    case 'usd':
      return jsonUsd(value);
    case 'dpuHours':
      return jsonDpuHours(value);
  }
}

/** An action record as a status shows it. */
export function statusActionOf<Action extends string>(
  record: ActionRecord<Action>,
): BudgetStatusAction<Action> {
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
