import * as z from 'zod/mini';
import {
  DBT_FIELD_PATTERN,
  DBT_MODEL_KEY,
  OTHER_VALUE,
  TAG_KEY_PATTERN,
  TAG_VALUE_PATTERN,
} from '../usage/query-attribution.js';
import { PRINCIPAL_KEY, PRINCIPAL_PATTERN } from '../usage/query-principal.js';
import type { UsageTotals } from '../usage/usage-totals.js';
import {
  type BudgetBase,
  budgetLimitFields,
  instant,
  type Parsed,
  parseWith,
  required,
  type Threshold,
  thresholdsSchema,
} from './budget.js';
import type { SubjectPeriod } from './budget-subject.js';
import { type BudgetUsage, budgetUsageOf } from './budget-usage.js';

/**
 * A notify-only budget on one attribution value: a principal, a dbt model or a tag value, over
 * every workgroup. Athena has no lever per principal or per tag (a throttle or a disable acts on
 * a whole workgroup, so on everyone in it), hence its thresholds only notify; a budget that must
 * act is a workgroup budget.
 */

/** A notify threshold: the only action an attribution budget has. */
export type AttributionThreshold = Threshold<'notify'>;

/** Period, limits and thresholds as every budget has them; no dry run or protection: it never acts. */
export interface AttributionBudget extends Omit<BudgetBase<'notify'>, 'dryRun' | 'protected'> {
  /** The budget's subject, `<key>=<value>` (`tag:team=finance`): its name among budgets. */
  readonly attribution: string;
  /** The attribution key the counters use: `principal`, `dbt.model` or `tag:<key>`. */
  readonly key: string;
  /** The value counted under it: `role/dbt-runner`, `model.shop.orders`, `finance`. */
  readonly value: string;
}

/** One attribution budget's period: where its notifications are recorded, once each. */
export interface AttributionPeriod extends SubjectPeriod<'attribution'> {
  readonly key: string;
  readonly value: string;
}

/** Whether a key is one usage is counted under: `principal`, `dbt.model` or `tag:<key>`. */
export function isAttributionKey(key: string): boolean {
  if (key === PRINCIPAL_KEY || key === DBT_MODEL_KEY) return true;
  return key.startsWith('tag:') && TAG_KEY_PATTERN.test(key.slice('tag:'.length));
}

/** Why a value cannot be counted under the key (so no budget on it could ever be reached), or undefined. */
export function attributionValueProblem(key: string, value: string): string | undefined {
  if (value === OTHER_VALUE) {
    return `is where usage past the cap of distinct values goes, not a value of its own`;
  }
  const pattern =
    key === PRINCIPAL_KEY
      ? PRINCIPAL_PATTERN
      : key === DBT_MODEL_KEY
        ? DBT_FIELD_PATTERN
        : TAG_VALUE_PATTERN;
  return pattern.test(value) ? undefined : `is not a value the ${key} counters can hold`;
}

/** `tag:team=finance`, `principal=role/dbt-runner`: one name for a budget's subject. */
export const attributionLabel = (budget: Pick<AttributionBudget, 'key' | 'value'>): string =>
  `${budget.key}=${budget.value}`;

/** The key and value a subject name (`tag:team=finance`) stands for: no key holds a `=`. */
export function attributionOfLabel(label: string): {
  readonly key: string;
  readonly value: string;
} {
  const equals = label.indexOf('=');
  return { key: label.slice(0, equals), value: label.slice(equals + 1) };
}

/** `report --by` of an attribution key: `principal`, `dbt-model`, `tag:team`. */
export const reportByOf = (key: string): string => (key === DBT_MODEL_KEY ? 'dbt-model' : key);

export const attributionThresholdId = (threshold: AttributionThreshold): string =>
  `${threshold.percent}:${threshold.action}`;

/** The subject as `budget set` takes it: `--tag team=finance`. */
export function attributionFlagOf(budget: Pick<AttributionBudget, 'key' | 'value'>): string {
  if (budget.key === PRINCIPAL_KEY) return `--principal ${budget.value}`;
  if (budget.key === DBT_MODEL_KEY) return `--dbt-model ${budget.value}`;
  return `--tag ${budget.key.slice('tag:'.length)}=${budget.value}`;
}

const AttributionBudgetFieldsSchema = z
  .object(
    {
      key: z.string({ error: required('must be a string') }).check(
        z.refine(isAttributionKey, {
          error:
            'must be principal, dbt.model or tag:<key> (a tag key as the tag convention has it)',
        }),
      ),
      value: z.string({ error: required('must be a string') }),
      ...budgetLimitFields,
      // Notify only: Athena has no per-principal or per-tag lever.
      thresholds: thresholdsSchema(['notify']),
      updatedAt: instant,
    },
    { error: 'must be an object' },
  )
  .check(
    z.superRefine((budget, context) => {
      const problem = isAttributionKey(budget.key)
        ? attributionValueProblem(budget.key, budget.value)
        : undefined;
      if (problem !== undefined)
        context.addIssue({ code: 'custom', path: ['value'], message: problem });
      if (budget.limitDpuHours === undefined && budget.limitUsd === undefined) {
        context.addIssue({
          code: 'custom',
          path: [],
          message: 'needs at least one limit: limitDpuHours, limitUsd',
        });
      }
    }),
  );

/**
 * Validates an attribution budget from the CLI or from DynamoDB (stored budgets are untrusted),
 * naming its subject `<key>=<value>` whatever a stored item says.
 */
export const AttributionBudgetSchema = z.pipe(
  AttributionBudgetFieldsSchema,
  z.transform(
    (budget): AttributionBudget => ({ attribution: attributionLabel(budget), ...budget }),
  ),
);

/** Validates an attribution budget, or says which fields are wrong and why. */
export const parseAttributionBudget = (input: unknown): Parsed<AttributionBudget> =>
  parseWith<AttributionBudget>(AttributionBudgetSchema, input);

/** Measures a value's totals (summed over workgroups) against the budget's limits. */
export const attributionBudgetUsageOf = (
  budget: Pick<AttributionBudget, 'limitDpuHours' | 'limitUsd'>,
  totals: UsageTotals,
): BudgetUsage =>
  budgetUsageOf({ limitDpuHours: budget.limitDpuHours, limitUsd: budget.limitUsd }, totals);

/** Thresholds reached and not yet notified this period (`notified` holds their ids), ascending. */
export function crossedAttributionThresholds(
  budget: AttributionBudget,
  usedPercent: number,
  notified: ReadonlySet<string>,
): AttributionThreshold[] {
  return budget.thresholds
    .filter(
      (threshold) =>
        usedPercent >= threshold.percent && !notified.has(attributionThresholdId(threshold)),
    )
    .sort((a, b) => a.percent - b.percent);
}
