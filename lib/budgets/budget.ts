// zod/mini: budgets are parsed in the ingest function, whose bundle the full zod would triple.
import * as z from 'zod/mini';
import { formatBytesExact } from '../format/format-values.js';
import type { Period } from '../usage/period-keys.js';
import { BYTES_PER_MB, MILLIS_PER_HOUR, NANO_USD_PER_USD } from '../usage/pricing.js';

/** What the enforcer does when a threshold is crossed, from mildest to harshest. */
export const THRESHOLD_ACTIONS = ['notify', 'throttle', 'disable', 'disable-now'] as const;

export type ThresholdAction = (typeof THRESHOLD_ACTIONS)[number];

/** What the enforcer does when a query sidesteps a throttle: alert only, or also disable. */
export const BYPASS_ACTIONS = ['notify', 'disable'] as const;

export type BypassAction = (typeof BYPASS_ACTIONS)[number];

/**
 * A share of the budget (in percent, above 100 allowed) and what to do once usage reaches it:
 * one of the actions of its kind of budget (a workgroup budget's by default).
 */
export interface Threshold<Action extends string = ThresholdAction> {
  readonly percent: number;
  readonly action: Action;
}

/** What every kind of budget has, whatever its subject: a period, limits and thresholds. */
export interface BudgetBase<Action extends string> {
  readonly period: Period;
  /** At least one limit is set; usage is measured against each that is. */
  readonly limitDpuHours?: number | undefined;
  readonly limitUsd?: number | undefined;
  /** Ascending by percent, then from mildest to harshest action. */
  readonly thresholds: readonly Threshold<Action>[];
  /** Record and report what would be done, change nothing. */
  readonly dryRun: boolean;
  /** Never act on the subject: every threshold only notifies. */
  readonly protected: boolean;
  readonly updatedAt: string;
}

/** A usage budget for one Athena workgroup and period. */
export interface Budget extends BudgetBase<ThresholdAction> {
  readonly workgroup: string;
  /** Bytes scanned, for on-demand workgroups (the third limit). */
  readonly limitBytes?: number | undefined;
  /** The `max-dpu-count` a throttle sets on a capacity-reservation workgroup. */
  readonly throttleMaxDpu?: number | undefined;
  /** The per-query scan cutoff a throttle sets on an on-demand workgroup. */
  readonly throttleBytesScannedCutoff?: number | undefined;
  /**
   * The `MaxConcurrentDpus` a throttle sets on a Spark workgroup's engine configuration: what new
   * sessions take unless they ask for their own; running sessions keep theirs.
   */
  readonly throttleMaxConcurrentDpus?: number | undefined;
  /**
   * The throttle also sets `EnforceWorkGroupConfiguration`, so that no client's own DPU settings
   * win over the workgroup's. Only when the budget's owner asks: it also imposes the
   * workgroup's result location, encryption and ACL on every client.
   */
  readonly enforceWorkgroupConfiguration?: true | undefined;
  /** What a query that sidesteps the throttle (DpuCount above its ceiling) sets off; `notify` when unset. */
  readonly onBypass?: BypassAction | undefined;
  /** When the budget was last paused (kept after a resume: re-disables look at it). */
  readonly pausedAt?: string | undefined;
  /** When the pause ends by itself; unset: until `budget resume`. */
  readonly pausedUntil?: string | undefined;
  /** When the last pause was ended by `budget resume`. */
  readonly resumedAt?: string | undefined;
  /** An anomaly-detection alarm on the workgroup's hourly cost or DPU-hours, set by `budget set`. */
  readonly anomalyAlarm?: AnomalyAlarmMetric | undefined;
}

/** What an anomaly-detection alarm watches: the hourly `CostUsd` or `DpuHours` metric. */
export const ANOMALY_ALARM_METRICS = ['cost', 'dpu-hours'] as const;

export type AnomalyAlarmMetric = (typeof ANOMALY_ALARM_METRICS)[number];

/** Athena's own limits on workgroup names. */
export const WORKGROUP_NAME = /^[a-zA-Z0-9._-]{1,128}$/;
/** Athena rejects a smaller `BytesScannedCutoffPerQuery`. */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * BYTES_PER_MB;
/** Athena's `max-dpu-count` rule for capacity reservations: 4 to 124, a multiple of 4. */
export const MIN_THROTTLE_DPU = 4;
export const MAX_THROTTLE_DPU = 124;
export const THROTTLE_DPU_STEP = 4;
/** Athena's range of a Spark engine's `MaxConcurrentDpus` (API reference, EngineConfiguration). */
export const MIN_SPARK_CONCURRENT_DPUS = 2;
export const MAX_SPARK_CONCURRENT_DPUS = 5000;
/** What a throttle can set, one per kind of workgroup; a throttling budget sets at least one. */
export const THROTTLE_FIELDS = [
  'throttleMaxDpu',
  'throttleBytesScannedCutoff',
  'throttleMaxConcurrentDpus',
] as const;
export const MAX_THRESHOLD_PERCENT = 1000;
/**
 * A reservation's `TargetDpus` that a scale-down sets: at least 4 (the minimum since February
 * 2026; botocore 1.42.43) and in steps of 4 (the unit Athena allocates in).
 */
export const MIN_RESERVATION_TARGET_DPUS = 4;
export const RESERVATION_DPU_STEP = 4;
/** The limits a budget can set, in the order a tie between them is settled. */
export const LIMIT_FIELDS = ['limitDpuHours', 'limitUsd', 'limitBytes'] as const;

/*
 * Bounds of a budget's numbers. Usage is counted in whole DPU-milliseconds, nano-USD and bytes,
 * exact up to Number.MAX_SAFE_INTEGER (2^53 - 1; DynamoDB's 38 digits hold more), so a limit must
 * be within that many units, and no finer than the counters (or, for percentages, the used
 * percent's 6 decimals) resolve. Without them 1e308 passes and the store refuses it later.
 */
export const MAX_LIMIT_DPU_HOURS = Math.floor(Number.MAX_SAFE_INTEGER / MILLIS_PER_HOUR);
export const LIMIT_DPU_HOURS_DECIMALS = 6;
export const MAX_LIMIT_USD = Math.floor(Number.MAX_SAFE_INTEGER / NANO_USD_PER_USD);
export const LIMIT_USD_DECIMALS = 9;
export const MAX_BYTES = Number.MAX_SAFE_INTEGER;
export const PERCENT_DECIMALS = 6;

/** A stable identity for a threshold, used to remember which ones were already acted on. */
export const thresholdId = (threshold: Threshold<string>): string =>
  `${threshold.percent}:${threshold.action}`;

/**
 * Orders thresholds ascending by percent, then from mildest to harshest action, `actions` being
 * the actions of their kind of budget from mildest to harshest.
 */
export const thresholdOrder =
  <Action extends string>(actions: readonly Action[]) =>
  (a: Threshold<Action>, b: Threshold<Action>): number =>
    a.percent - b.percent || actions.indexOf(a.action) - actions.indexOf(b.action);

/** Orders a workgroup budget's thresholds: see {@link thresholdOrder}. */
export const compareThresholds = thresholdOrder(THRESHOLD_ACTIONS);

/** The action a threshold really takes: a protected budget only ever notifies. */
export function effectiveAction<Action extends string>(
  budget: Pick<BudgetBase<Action>, 'protected'>,
  threshold: Threshold<Action>,
): Action | 'notify' {
  return budget.protected ? 'notify' : threshold.action;
}

/**
 * Thresholds reached at `usedPercent` and not yet settled this period (`settled` holds their
 * {@link thresholdId}s), in `order`, so they can be applied in order, each once per period.
 */
export function crossedThresholds<Action extends string>(
  thresholds: readonly Threshold<Action>[],
  usedPercent: number,
  settled: ReadonlySet<string>,
  order: (a: Threshold<Action>, b: Threshold<Action>) => number,
): Threshold<Action>[] {
  return (
    thresholds
      .filter(
        (threshold) => usedPercent >= threshold.percent && !settled.has(thresholdId(threshold)),
      )
      // Stored budgets are sorted when parsed, but a caller-built one may not be.
      .sort(order)
  );
}

/** A pause in force: since when, and until when (null: until `budget resume`). */
export interface BudgetPause {
  readonly since: string;
  readonly until: string | null;
}

/** The budget's pause in force at `at`, or null. */
export function pauseOf(
  budget: Pick<Budget, 'pausedAt' | 'pausedUntil' | 'resumedAt'>,
  at: Date,
): BudgetPause | null {
  if (!isPaused(budget, at) || budget.pausedAt === undefined) return null;
  return { since: budget.pausedAt, until: budget.pausedUntil ?? null };
}

/**
 * Whether the budget is paused at `at`: it records usage and notifies, but takes no action on
 * the workgroup. A pause ends at `pausedUntil` or with `budget resume`, whichever comes first.
 */
export function isPaused(
  budget: Pick<Budget, 'pausedAt' | 'pausedUntil' | 'resumedAt'>,
  at: Date,
): boolean {
  if (budget.pausedAt === undefined) return false;
  const pausedAt = Date.parse(budget.pausedAt);
  if (budget.resumedAt !== undefined && Date.parse(budget.resumedAt) >= pausedAt) return false;
  return budget.pausedUntil === undefined || at.getTime() < Date.parse(budget.pausedUntil);
}

// Messages omit the field name: parseBudget prefixes each with the path of the field it concerns.
export const required = (problem: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : problem;

/** True when `value` has at most `decimals` digits after the point (1e-300 has 300). */
const hasAtMostDecimals = (decimals: number) => (value: number) =>
  Number(value.toFixed(decimals)) === value;

/** A number greater than 0, at most `max` and with at most `decimals` decimals. */
export const boundedNumber = (max: number, decimals: number, countedIn: string) =>
  z.number({ error: required('must be a number') }).check(
    z.positive({ error: 'must be greater than 0', abort: true }),
    z.lte(max, {
      error: `must be at most ${max}: usage is counted in ${countedIn}, exact up to 2^53`,
      abort: true,
    }),
    z.refine(hasAtMostDecimals(decimals), { error: `must have at most ${decimals} decimals` }),
  );

/** Whole bytes from `min` up to {@link MAX_BYTES}. */
const bytesAtLeast = (min: number, tooSmall: string) =>
  z.number({ error: required('must be a number') }).check(
    z.refine(Number.isInteger, { error: 'must be an integer', abort: true }),
    z.gte(min, { error: tooSmall, abort: true }),
    z.lte(MAX_BYTES, {
      error: `must be at most ${MAX_BYTES} bytes: usage is counted exactly up to 2^53 - 1`,
    }),
  );

export const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** A threshold's percent: greater than 0, at most {@link MAX_THRESHOLD_PERCENT}. */
export const thresholdPercent = () =>
  z.number({ error: required('must be a number') }).check(
    z.refine((percent) => percent > 0 && percent <= MAX_THRESHOLD_PERCENT, {
      error: `must be greater than 0 and at most ${MAX_THRESHOLD_PERCENT}`,
      abort: true,
    }),
    z.refine(hasAtMostDecimals(PERCENT_DECIMALS), {
      error: `must have at most ${PERCENT_DECIMALS} decimals`,
    }),
  );

/**
 * A budget's thresholds, `actions` being its kind's from mildest to harshest: each at most once,
 * sorted by {@link thresholdOrder}.
 */
export function thresholdsSchema<const Actions extends readonly [string, ...string[]]>(
  actions: Actions,
) {
  const threshold = z.object(
    {
      percent: thresholdPercent(),
      action: z.enum(actions, { error: required(`must be one of ${actions.join(', ')}`) }),
    },
    { error: 'must be an object' },
  );
  return z.pipe(
    z.array(threshold, { error: required('must be an array') }).check(
      z.superRefine((thresholds, context) => {
        const seen = new Set<string>();
        const repeated = new Set<string>();
        for (const threshold of thresholds) {
          const id = thresholdId(threshold);
          if (seen.has(id) && !repeated.has(id)) {
            repeated.add(id);
            context.addIssue({
              code: 'custom',
              message: `must have at most one ${threshold.percent}% ${threshold.action} threshold`,
            });
          }
          seen.add(id);
        }
      }),
    ),
    z.transform((thresholds) => [...thresholds].sort(thresholdOrder<Actions[number]>(actions))),
  );
}

/** A workgroup's or reservation's name as a budget names it (Athena allows the same characters). */
export function athenaResourceName(pattern: RegExp) {
  return z
    .string({ error: required('must be a string') })
    .check(z.regex(pattern, 'must be 1 to 128 characters among a-z, A-Z, 0-9, ".", "_" and "-"'));
}

/** The period and money/DPU limits every kind of budget has, bounded as the counters hold them. */
export const budgetLimitFields = {
  period: z.enum(['day', 'week', 'month'], {
    error: required('must be one of day, week, month'),
  }),
  limitDpuHours: z.optional(boundedNumber(MAX_LIMIT_DPU_HOURS, LIMIT_DPU_HOURS_DECIMALS, 'DPU-ms')),
  limitUsd: z.optional(boundedNumber(MAX_LIMIT_USD, LIMIT_USD_DECIMALS, 'nano-USD')),
};

/** Whether a budget only describes its actions, and whether it never acts: every kind has both. */
export const budgetSwitchFields = {
  dryRun: z._default(z.boolean({ error: 'must be true or false' }), false),
  protected: z._default(z.boolean({ error: 'must be true or false' }), false),
};

/** A switch stored only when true: `false` and unset mean the same. */
export const trueOrUnset = z.pipe(
  z.optional(z.boolean({ error: 'must be true or false' })),
  z.transform((value): true | undefined => (value === true ? true : undefined)),
);

/** A DPU setting Athena takes: a whole number from `min` to `max`, a multiple of `step`. */
const dpusInSteps = (
  range: { readonly min: number; readonly max: number; readonly step: number },
  error: string,
) =>
  z
    .number({ error: 'must be a number' })
    .check(
      z.refine(
        (dpu) =>
          Number.isInteger(dpu) && dpu >= range.min && dpu <= range.max && dpu % range.step === 0,
        { error },
      ),
    );

/**
 * Validates a budget from the CLI or from DynamoDB (stored budgets are untrusted). Unknown
 * fields, such as table keys, are dropped.
 */
export const BudgetSchema = z
  .object(
    {
      workgroup: athenaResourceName(WORKGROUP_NAME),
      ...budgetLimitFields,
      limitBytes: z.optional(bytesAtLeast(1, 'must be greater than 0')),
      thresholds: thresholdsSchema(THRESHOLD_ACTIONS),
      throttleMaxDpu: z.optional(
        dpusInSteps(
          { min: MIN_THROTTLE_DPU, max: MAX_THROTTLE_DPU, step: THROTTLE_DPU_STEP },
          `must be between ${MIN_THROTTLE_DPU} and ${MAX_THROTTLE_DPU} in steps of ${THROTTLE_DPU_STEP}`,
        ),
      ),
      throttleBytesScannedCutoff: z.optional(
        bytesAtLeast(
          MIN_BYTES_SCANNED_CUTOFF,
          `must be at least ${formatBytesExact(MIN_BYTES_SCANNED_CUTOFF)}, the Athena minimum`,
        ),
      ),
      throttleMaxConcurrentDpus: z.optional(
        dpusInSteps(
          { min: MIN_SPARK_CONCURRENT_DPUS, max: MAX_SPARK_CONCURRENT_DPUS, step: 1 },
          `must be a whole number from ${MIN_SPARK_CONCURRENT_DPUS} to ${MAX_SPARK_CONCURRENT_DPUS}`,
        ),
      ),
      ...budgetSwitchFields,
      // Stored only when true: `false` and unset mean the same, the workgroup's own setting.
      enforceWorkgroupConfiguration: trueOrUnset,
      onBypass: z._default(
        z.enum(BYPASS_ACTIONS, { error: `must be one of ${BYPASS_ACTIONS.join(', ')}` }),
        'notify',
      ),
      pausedAt: z.optional(instant),
      pausedUntil: z.optional(instant),
      resumedAt: z.optional(instant),
      anomalyAlarm: z.optional(
        z.enum(ANOMALY_ALARM_METRICS, {
          error: `must be one of ${ANOMALY_ALARM_METRICS.join(', ')}`,
        }),
      ),
      updatedAt: z.iso.datetime({
        offset: true,
        error: required('must be an ISO 8601 date-time'),
      }),
    },
    { error: 'must be an object' },
  )
  .check(
    z.superRefine((budget, context) => {
      // Stored budgets of the first shape always had limitDpuHours, so they still read.
      if (
        budget.limitDpuHours === undefined &&
        budget.limitUsd === undefined &&
        budget.limitBytes === undefined
      ) {
        context.addIssue({
          code: 'custom',
          path: [],
          message: `needs at least one limit: ${LIMIT_FIELDS.join(', ')}`,
        });
      }
      const throttles = budget.thresholds.some((threshold) => threshold.action === 'throttle');
      if (throttles && THROTTLE_FIELDS.every((field) => budget[field] === undefined)) {
        context.addIssue({
          code: 'custom',
          path: ['throttleMaxDpu'],
          message:
            'is required when a threshold throttles (or throttleBytesScannedCutoff, for an on-demand workgroup, or throttleMaxConcurrentDpus, for a Spark one)',
        });
      }
      if (budget.pausedUntil !== undefined && budget.pausedAt === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['pausedUntil'],
          message: 'needs pausedAt',
        });
      }
    }),
  );

/** A budget of type `B` that validated, or why it did not. */
export type Parsed<B> =
  | { readonly ok: true; readonly budget: B }
  | { readonly ok: false; readonly reason: string };

export type ParsedBudget = Parsed<Budget>;

/**
 * Validates a budget of any kind with its schema, or says which fields are wrong and why (all of
 * them, `; `-separated).
 */
export function parseWith<B>(schema: z.ZodMiniType<B>, input: unknown): Parsed<B> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, budget: parsed.data };
  const reason = parsed.error.issues
    .map((issue) => `${describePath(issue.path)} ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}

/** Validates a workgroup budget: see {@link parseWith}. */
export const parseBudget = (input: unknown): ParsedBudget => parseWith<Budget>(BudgetSchema, input);

/** `thresholds[1].percent`, or `budget` for the whole input. */
export function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'budget';
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}
