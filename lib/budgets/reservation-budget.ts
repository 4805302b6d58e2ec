import * as z from 'zod/mini';
import type { ReservationCounter } from '../capacity/billed-cost.js';
import { ZERO_TOTALS } from '../usage/usage-totals.js';
import {
  athenaResourceName,
  type BudgetBase,
  budgetLimitFields,
  budgetSwitchFields,
  crossedThresholds,
  instant,
  MIN_RESERVATION_TARGET_DPUS,
  type Parsed,
  parseWith,
  RESERVATION_DPU_STEP,
  type Threshold,
  thresholdOrder,
  thresholdsSchema,
  trueOrUnset,
} from './budget.js';
import { type BudgetUsage, budgetUsageOf } from './budget-usage.js';

/**
 * A budget on what a capacity reservation bills: its allocated DPU-hours and their cost per
 * period, whatever its workgroups used. Its harshest action gives capacity back
 * (`UpdateCapacityReservation` to a smaller `TargetDpus`), restored when the period ends.
 */

/** What a reservation budget does at a threshold, from mildest to harshest. */
export const RESERVATION_THRESHOLD_ACTIONS = ['notify', 'scale-down'] as const;

export type ReservationThresholdAction = (typeof RESERVATION_THRESHOLD_ACTIONS)[number];

export type ReservationThreshold = Threshold<ReservationThresholdAction>;

export interface ReservationBudget extends BudgetBase<ReservationThresholdAction> {
  /** Its limits: allocated (billed) DPU-hours per period, and their cost. */
  readonly reservation: string;
  /** The `TargetDpus` a scale-down requests: a multiple of 4, at least 4; never raises. */
  readonly scaleDownDpus?: number | undefined;
  /**
   * Scale down even when the reservation's target is not what the product last saw (an operator
   * or AWS's capacity auto-scaler changed it). Unset: such a scale-down is skipped and reported.
   */
  readonly overrideAutoscaler?: true | undefined;
}

/** Athena's rule for capacity reservation names (CreateCapacityReservation: 1 to 128 of these). */
export const RESERVATION_NAME = /^[a-zA-Z0-9._-]{1,128}$/;

/** Orders a reservation budget's thresholds: see {@link thresholdOrder}. */
export const compareReservationThresholds = thresholdOrder(RESERVATION_THRESHOLD_ACTIONS);

/** Whether `dpus` is a TargetDpus a scale-down may request. */
export const isReservationTargetDpus = (dpus: number): boolean =>
  Number.isSafeInteger(dpus) &&
  dpus >= MIN_RESERVATION_TARGET_DPUS &&
  dpus % RESERVATION_DPU_STEP === 0;

/** Validates a reservation budget from the CLI or from DynamoDB (stored budgets are untrusted). */
export const ReservationBudgetSchema = z
  .object(
    {
      reservation: athenaResourceName(RESERVATION_NAME),
      ...budgetLimitFields,
      thresholds: thresholdsSchema(RESERVATION_THRESHOLD_ACTIONS),
      scaleDownDpus: z.optional(
        z.number({ error: 'must be a number' }).check(
          z.refine(isReservationTargetDpus, {
            error: `must be a multiple of ${RESERVATION_DPU_STEP} of at least ${MIN_RESERVATION_TARGET_DPUS} (Athena's TargetDpus rule)`,
          }),
        ),
      ),
      overrideAutoscaler: trueOrUnset,
      ...budgetSwitchFields,
      updatedAt: instant,
    },
    { error: 'must be an object' },
  )
  .check(
    z.superRefine((budget, context) => {
      if (budget.limitDpuHours === undefined && budget.limitUsd === undefined) {
        context.addIssue({
          code: 'custom',
          path: [],
          message: 'needs at least one limit: limitDpuHours, limitUsd',
        });
      }
      const scalesDown = budget.thresholds.some((threshold) => threshold.action === 'scale-down');
      if (scalesDown && budget.scaleDownDpus === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['scaleDownDpus'],
          message: 'is required when a threshold scales down',
        });
      }
    }),
  );

export type ParsedReservationBudget = Parsed<ReservationBudget>;

/** Validates a reservation budget, or says which fields are wrong and why. */
export const parseReservationBudget = (input: unknown): ParsedReservationBudget =>
  parseWith<ReservationBudget>(ReservationBudgetSchema, input);

/**
 * The budget's usage from the reservation's counter of its period: allocated DPU-ms against
 * the DPU-hour limit, the billed nano-USD against the USD limit. The same counter and the same
 * measure as workgroup budgets, so `status` and `report --by reservation` show one figure.
 */
export function reservationBudgetUsageOf(
  budget: Pick<ReservationBudget, 'limitDpuHours' | 'limitUsd'>,
  counter: ReservationCounter | undefined,
): BudgetUsage {
  return budgetUsageOf(
    { limitDpuHours: budget.limitDpuHours, limitUsd: budget.limitUsd },
    {
      ...ZERO_TOTALS,
      dpuMillis: counter?.allocatedDpuMillis ?? 0,
      costNanoUsd: counter?.costNanoUsd ?? 0,
    },
  );
}

/** Thresholds reached and not yet settled this period: see {@link crossedThresholds}. */
export const crossedReservationThresholds = (
  budget: ReservationBudget,
  usedPercent: number,
  settled: ReadonlySet<string>,
): ReservationThreshold[] =>
  crossedThresholds(budget.thresholds, usedPercent, settled, compareReservationThresholds);
