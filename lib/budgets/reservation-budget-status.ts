import type { ReservationCounter } from '../capacity/billed-cost.js';
import { reservationRowFields } from '../reports/reservation-report.js';
import type { InvalidReservationBudget, StoredReservationBudgets } from '../store/budget-store.js';
import type { ReservationActionRecord, ReservationPeriod } from '../store/enforcement-store.js';
import { type Period, periodKeyFor } from '../usage/period-keys.js';
import type { BindingLimit } from './budget-usage.js';
import { figuresOfUsage } from './budget-usage.js';
import {
  type ReservationBudget,
  type ReservationThresholdAction,
  reservationBudgetUsageOf,
} from './reservation-budget.js';

/** A reservation budget's action recorded this period. */
export interface ReservationBudgetStatusAction {
  readonly threshold: number | null;
  readonly action: ReservationThresholdAction;
  readonly status: ReservationActionRecord['status'];
  readonly at: string;
  readonly detail: string | null;
}

/** Where one reservation budget stands in its current period. */
export interface ReservationBudgetStatus extends ReservationPeriod {
  /** The reservation's allocated DPU-hours and cost this period, as `report --by reservation` shows them. */
  readonly allocatedDpuHours: number;
  readonly costUsd: number;
  readonly limitDpuHours: number | null;
  readonly limitUsd: number | null;
  /** Of the binding limit, in percent, to the hundredth. */
  readonly usedPercent: number;
  readonly bindingLimit: BindingLimit;
  readonly thresholds: ReservationBudget['thresholds'];
  readonly scaleDownDpus: number | null;
  readonly overrideAutoscaler: boolean;
  readonly dryRun: boolean;
  readonly protected: boolean;
  readonly actions: readonly ReservationBudgetStatusAction[];
}

/** The period of the budget holding `at`. */
export const currentReservationPeriodOf = (
  budget: Pick<ReservationBudget, 'reservation' | 'period'>,
  at: Date,
): ReservationPeriod => ({
  reservation: budget.reservation,
  period: budget.period,
  periodKey: periodKeyFor(budget.period, at),
});

/**
 * A reservation budget's status from its period's counter: the allocated DPU-hours and cost
 * through the report's own row fields, the used percent through the enforcer's own measure.
 */
export function reservationBudgetStatusOf(input: {
  readonly budget: ReservationBudget;
  readonly counter: ReservationCounter | undefined;
  readonly actions: readonly ReservationActionRecord[];
  readonly at: Date;
}): ReservationBudgetStatus {
  const { budget } = input;
  const key = currentReservationPeriodOf(budget, input.at);
  const row = reservationRowFields(
    budget.reservation,
    key.periodKey,
    input.counter ?? emptyCounter(budget.reservation, key.period, key.periodKey),
  );
  const figures = figuresOfUsage(reservationBudgetUsageOf(budget, input.counter));
  return {
    ...key,
    allocatedDpuHours: row.allocatedDpuHours,
    costUsd: row.costUsd,
    limitDpuHours: budget.limitDpuHours ?? null,
    limitUsd: budget.limitUsd ?? null,
    usedPercent: figures.usedPercent,
    bindingLimit: figures.bindingLimit.unit,
    thresholds: budget.thresholds,
    scaleDownDpus: budget.scaleDownDpus ?? null,
    overrideAutoscaler: budget.overrideAutoscaler === true,
    dryRun: budget.dryRun,
    protected: budget.protected,
    // In the order they were taken: by time, then (one run takes several) by threshold.
    actions: input.actions
      .map((record) => {
        const percent = Number(record.thresholdId.split(':')[0]);
        return {
          threshold: Number.isFinite(percent) ? percent : null,
          action: record.action,
          status: record.status,
          at: record.completedAt ?? record.claimedAt,
          detail: record.detail ?? null,
        };
      })
      .sort((a, b) => a.at.localeCompare(b.at) || (a.threshold ?? 0) - (b.threshold ?? 0)),
  };
}

const emptyCounter = (reservation: string, period: Period, key: string): ReservationCounter => ({
  reservation,
  period,
  key,
  allocatedDpuMillis: 0,
  usedDpuMillis: 0,
  attributedDpuMillis: 0,
  attributedByWorkgroup: {},
  costNanoUsd: 0,
  minutes: 0,
});

export interface ReservationBudgetStatusSources {
  readonly budgets: () => Promise<StoredReservationBudgets>;
  /** The reading `report --by reservation` uses. */
  readonly counters: (
    period: Period,
    keys: readonly string[],
  ) => Promise<readonly ReservationCounter[]>;
  readonly actions: (key: ReservationPeriod) => Promise<readonly ReservationActionRecord[]>;
}

export interface LoadedReservationBudgetStatuses {
  readonly statuses: readonly ReservationBudgetStatus[];
  readonly invalid: readonly InvalidReservationBudget[];
}

/** Every reservation budget's status at `at` (or one reservation's). */
export async function loadReservationBudgetStatuses(
  sources: ReservationBudgetStatusSources,
  at: Date,
  reservation?: string,
): Promise<LoadedReservationBudgetStatuses> {
  const { budgets, invalid } = await sources.budgets();
  const mine = <T extends { readonly reservation: string }>(item: T) =>
    reservation === undefined || item.reservation === reservation;
  const statuses: ReservationBudgetStatus[] = [];
  for (const budget of budgets.filter(mine)) {
    const key = currentReservationPeriodOf(budget, at);
    const counters = await sources.counters(key.period, [key.periodKey]);
    statuses.push(
      reservationBudgetStatusOf({
        budget,
        counter: counters.find((counter) => counter.reservation === budget.reservation),
        actions: await sources.actions(key),
        at,
      }),
    );
  }
  return { statuses, invalid: invalid.filter(mine) };
}
