import type { ReservationCounter } from '../capacity/billed-cost.js';
import { reservationRowFields } from '../reports/reservation-report.js';
import type { StoredReservationBudgets } from '../store/budget-store.js';
import type { ReservationActionRecord, ReservationPeriod } from '../store/enforcement-store.js';
import type { Period } from '../usage/period-keys.js';
import { type BudgetStatusAction, statusActionOf } from './budget-status.js';
import { subjectPeriodAt } from './budget-subject.js';
import type { BindingLimit } from './budget-usage.js';
import { figuresOfUsage } from './budget-usage.js';
import {
  type LoadedStatuses,
  loadSubjectBudgetStatuses,
  readEachPeriod,
} from './load-budget-statuses.js';
import {
  type ReservationBudget,
  type ReservationThresholdAction,
  reservationBudgetUsageOf,
} from './reservation-budget.js';

/** A reservation budget's action recorded this period. */
export type ReservationBudgetStatusAction = BudgetStatusAction<ReservationThresholdAction>;

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
): ReservationPeriod => subjectPeriodAt('reservation', budget, at);

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
      .map(statusActionOf)
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

/** Where reservation budgets and their usage are read: the enforcer's reads, and status's. */
export interface ReservationBudgetReads {
  readonly budgets: () => Promise<StoredReservationBudgets>;
  /** The reservations' counters of a period: the reading `report --by reservation` uses. */
  readonly counters: (
    period: Period,
    keys: readonly string[],
  ) => Promise<readonly ReservationCounter[]>;
}

export interface ReservationBudgetStatusSources extends ReservationBudgetReads {
  readonly actions: (key: ReservationPeriod) => Promise<readonly ReservationActionRecord[]>;
}

export type LoadedReservationBudgetStatuses = LoadedStatuses<
  ReservationBudgetStatus,
  'reservation'
>;

/** Every reservation budget's status at `at` (or one reservation's). */
export function loadReservationBudgetStatuses(
  sources: ReservationBudgetStatusSources,
  at: Date,
  reservation?: string,
): Promise<LoadedReservationBudgetStatuses> {
  return loadSubjectBudgetStatuses(
    {
      subject: 'reservation',
      budgets: sources.budgets,
      periods: (keys) =>
        readEachPeriod(keys, async (key) => ({
          counter: (await sources.counters(key.period, [key.periodKey])).find(
            (counter) => counter.reservation === key.reservation,
          ),
          actions: await sources.actions(key),
        })),
      statusOf: (budget, period, at) => reservationBudgetStatusOf({ budget, ...period, at }),
    },
    at,
    reservation,
  );
}
