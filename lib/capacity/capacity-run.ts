import type {
  EnforceReservationBudgets,
  ReservationBudgetRun,
} from '../budgets/enforce-reservation-budgets.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type {
  RecordReservationUsage,
  RecordReservationUsageResult,
} from './record-reservation-usage.js';

export interface CapacityRunResult extends RecordReservationUsageResult {
  /** The reservation budgets evaluated against the counters this run committed. */
  readonly budgets: readonly ReservationBudgetRun[];
  /** Budgets whose evaluation or action failed (the next run tries again). */
  readonly failedBudgets: number;
}

export type CapacityRun = () => Promise<CapacityRunResult>;

/**
 * One capacity run: counts every reservation, then evaluates the budgets of the reservations it
 * counted. Budgets are evaluated here, right after the counters they read are committed, because
 * nothing else writes those counters: every 5 minutes, the same cadence as the figures. A
 * reservation whose counting failed is not evaluated this run.
 */
export function createCapacityRun(
  record: RecordReservationUsage,
  enforce: EnforceReservationBudgets,
  logger: Log,
): CapacityRun {
  return async () => {
    const recorded = await record();
    const seen = recorded.reservations
      .filter((run) => run.error === undefined)
      .map((run) => ({ reservation: run.reservation, lastSeenTargetDpus: run.lastSeenTargetDpus }));
    let budgets: readonly ReservationBudgetRun[];
    let failedBudgets: number;
    try {
      budgets = await enforce(seen);
      failedBudgets = budgets.filter((run) => run.error !== undefined).length;
    } catch (error) {
      logger.error('Reservation budgets could not be evaluated; the next run tries again', {
        error: describeError(error),
      });
      budgets = [];
      failedBudgets = 1;
    }
    return { ...recorded, budgets, failedBudgets };
  };
}
