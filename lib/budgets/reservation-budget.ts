import * as z from 'zod/mini';
import type { ReservationCounter } from '../capacity/billed-cost.js';
import type { Period } from '../usage/period-keys.js';
import { ZERO_TOTALS } from '../usage/usage-totals.js';
import {
  athenaResourceName,
  budgetLimitFields,
  describePath,
  instant,
  MIN_RESERVATION_TARGET_DPUS,
  RESERVATION_DPU_STEP,
  required,
  thresholdPercent,
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

export interface ReservationThreshold {
  readonly percent: number;
  readonly action: ReservationThresholdAction;
}

export interface ReservationBudget {
  readonly reservation: string;
  readonly period: Period;
  /** Allocated (billed) DPU-hours per period. At least one of the two limits is set. */
  readonly limitDpuHours?: number | undefined;
  /** The allocated DPU-hours' cost per period. */
  readonly limitUsd?: number | undefined;
  /** Ascending by percent, then from mildest to harshest action. */
  readonly thresholds: readonly ReservationThreshold[];
  /** The `TargetDpus` a scale-down requests: a multiple of 4, at least 4; never raises. */
  readonly scaleDownDpus?: number | undefined;
  /**
   * Scale down even when the reservation's target is not what the product last saw (an operator
   * or AWS's capacity auto-scaler changed it). Unset: such a scale-down is skipped and reported.
   */
  readonly overrideAutoscaler?: true | undefined;
  readonly dryRun: boolean;
  /** Never change the reservation: every threshold only notifies. */
  readonly protected: boolean;
  readonly updatedAt: string;
}

/** Athena's rule for capacity reservation names (CreateCapacityReservation: 1 to 128 of these). */
export const RESERVATION_NAME = /^[a-zA-Z0-9._-]{1,128}$/;

export const reservationThresholdId = (threshold: ReservationThreshold): string =>
  `${threshold.percent}:${threshold.action}`;

export function compareReservationThresholds(
  a: ReservationThreshold,
  b: ReservationThreshold,
): number {
  return (
    a.percent - b.percent ||
    RESERVATION_THRESHOLD_ACTIONS.indexOf(a.action) -
      RESERVATION_THRESHOLD_ACTIONS.indexOf(b.action)
  );
}

/** The action a threshold really takes: a protected budget only ever notifies. */
export const effectiveReservationAction = (
  budget: ReservationBudget,
  threshold: ReservationThreshold,
): ReservationThresholdAction => (budget.protected ? 'notify' : threshold.action);

/** Whether `dpus` is a TargetDpus a scale-down may request. */
export const isReservationTargetDpus = (dpus: number): boolean =>
  Number.isSafeInteger(dpus) &&
  dpus >= MIN_RESERVATION_TARGET_DPUS &&
  dpus % RESERVATION_DPU_STEP === 0;

const ThresholdsSchema = z.pipe(
  z
    .array(
      z.object(
        {
          percent: thresholdPercent(),
          action: z.enum(RESERVATION_THRESHOLD_ACTIONS, {
            error: required(`must be one of ${RESERVATION_THRESHOLD_ACTIONS.join(', ')}`),
          }),
        },
        { error: 'must be an object' },
      ),
      { error: required('must be an array') },
    )
    .check(
      z.superRefine((thresholds, context) => {
        const ids = thresholds.map(reservationThresholdId);
        for (const id of new Set(ids.filter((id, index) => ids.indexOf(id) !== index))) {
          const [percent, action] = id.split(':');
          context.addIssue({
            code: 'custom',
            message: `must have at most one ${percent}% ${action} threshold`,
          });
        }
      }),
    ),
  z.transform((thresholds) => [...thresholds].sort(compareReservationThresholds)),
);

/** Validates a reservation budget from the CLI or from DynamoDB (stored budgets are untrusted). */
export const ReservationBudgetSchema = z
  .object(
    {
      reservation: athenaResourceName(RESERVATION_NAME),
      ...budgetLimitFields,
      thresholds: ThresholdsSchema,
      scaleDownDpus: z.optional(
        z.number({ error: 'must be a number' }).check(
          z.refine(isReservationTargetDpus, {
            error: `must be a multiple of ${RESERVATION_DPU_STEP} of at least ${MIN_RESERVATION_TARGET_DPUS} (Athena's TargetDpus rule)`,
          }),
        ),
      ),
      overrideAutoscaler: z.pipe(
        z.optional(z.boolean({ error: 'must be true or false' })),
        z.transform((value): true | undefined => (value === true ? true : undefined)),
      ),
      dryRun: z._default(z.boolean({ error: 'must be true or false' }), false),
      protected: z._default(z.boolean({ error: 'must be true or false' }), false),
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

export type ParsedReservationBudget =
  | { readonly ok: true; readonly budget: ReservationBudget }
  | { readonly ok: false; readonly reason: string };

/** Validates a reservation budget, or says which fields are wrong and why. */
export function parseReservationBudget(input: unknown): ParsedReservationBudget {
  const parsed = ReservationBudgetSchema.safeParse(input);
  if (parsed.success) return { ok: true, budget: parsed.data };
  return {
    ok: false,
    reason: parsed.error.issues
      .map((issue) => `${describePath(issue.path)} ${issue.message}`)
      .join('; '),
  };
}

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

/**
 * Thresholds reached and not yet settled this period (`settled` holds their ids), ascending,
 * so they can be applied in order, each once per period.
 */
export function crossedReservationThresholds(
  budget: ReservationBudget,
  usedPercent: number,
  settled: ReadonlySet<string>,
): ReservationThreshold[] {
  return budget.thresholds
    .filter(
      (threshold) =>
        usedPercent >= threshold.percent && !settled.has(reservationThresholdId(threshold)),
    )
    .sort(compareReservationThresholds);
}
