import {
  idleCostNanoUsdOf,
  type ReservationCounter,
  utilizationPercentOf,
} from '../capacity/billed-cost.js';
import type { ReservationState } from '../capacity/reservation-accounting.js';
import { rightSizingOf } from '../capacity/right-sizing.js';
import { jsonPercent, jsonUsd } from '../format/format-values.js';
import { usdFromNano } from '../usage/pricing.js';
import { type RightSizingFields, rightSizingFields } from './reservation-report.js';

/** One reservation as `athena-cost reservations` shows it. */
export interface ReservationStatusRow {
  readonly reservation: string;
  /** As the capacity function last saw it. */
  readonly status: string;
  readonly targetDpus: number;
  readonly allocatedDpus: number;
  readonly workgroups: readonly string[];
  readonly utilizationTodayPercent: number | null;
  readonly utilizationMonthPercent: number | null;
  readonly costMonthUsd: number;
  readonly idleCostMonthUsd: number;
  /** Until when the figures are counted (the capacity function's watermark). */
  readonly countedUntil: string;
  /** The size that would have covered the p95 minute of this month so far. */
  readonly rightSizing: RightSizingFields;
}

/**
 * Builds the rows from the capacity function's states, today's and this month's counters, and
 * this month's day counters (for the right-sizing hint).
 */
export function reservationStatusRows(
  states: readonly ReservationState[],
  today: readonly ReservationCounter[],
  month: readonly ReservationCounter[],
  monthDays: readonly ReservationCounter[],
): ReservationStatusRow[] {
  const of = (counters: readonly ReservationCounter[], name: string) =>
    counters.find((counter) => counter.reservation === name);
  return [...states]
    .sort((a, b) => (a.reservation < b.reservation ? -1 : 1))
    .map((state) => {
      const day = of(today, state.reservation);
      const monthCounter = of(month, state.reservation);
      const percent = (counter: ReservationCounter | undefined) => {
        const value = counter === undefined ? null : utilizationPercentOf(counter);
        return value === null ? null : jsonPercent(value);
      };
      return {
        reservation: state.reservation,
        status: state.status,
        targetDpus: state.targetDpus,
        allocatedDpus: state.allocations.at(-1)?.dpus ?? 0,
        workgroups: state.workgroups,
        utilizationTodayPercent: percent(day),
        utilizationMonthPercent: percent(monthCounter),
        costMonthUsd: jsonUsd(usdFromNano(monthCounter?.costNanoUsd ?? 0)),
        idleCostMonthUsd: jsonUsd(
          usdFromNano(monthCounter === undefined ? 0 : idleCostNanoUsdOf(monthCounter)),
        ),
        countedUntil: state.watermark,
        rightSizing: rightSizingFields(rightSizingOf(state.reservation, monthDays)),
      };
    });
}
