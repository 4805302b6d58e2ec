import { jsonPercent, type LimitUnit } from '../format/format-values.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { UsageTotals } from '../usage/usage-totals.js';
import type { Budget } from './budget.js';

/** The limit a budget's used percent comes from. */
export type BindingLimit = LimitUnit;

/** The limits a budget may set, a budget or the part of it a report reads. */
export type BudgetLimits = Pick<Budget, 'limitDpuHours' | 'limitUsd' | 'limitBytes'>;

/** How much of a budget is used, in its own units and as a share of its tightest limit. */
export interface BudgetUsage {
  readonly dpuHours: number;
  readonly usd: number;
  readonly bytes: number;
  /** The highest used/limit x 100 over the limits the budget sets. */
  readonly usedPercent: number;
  /** The limit giving usedPercent; on a tie, the first of DPU-hours, USD, bytes that is set. */
  readonly bindingLimit: BindingLimit;
  /** The binding limit's value, in its unit. */
  readonly limit: number;
  /** Usage in the binding limit's unit. */
  readonly used: number;
}

/**
 * Float division leaves noise such as 0.29 x 100 = 28.999999999999996, which would miss a
 * threshold the usage has exactly reached; percentages are kept to this many decimals.
 */
const PERCENT_DECIMALS = 6;

/** Measures totals against every limit the budget sets. */
export function budgetUsageOf(budget: BudgetLimits, totals: UsageTotals): BudgetUsage {
  const dpuHours = dpuHoursFromMillis(totals.dpuMillis);
  const usd = usdFromNano(totals.costNanoUsd);
  const bytes = totals.dataScannedBytes;
  const candidates: [BindingLimit, number, number | undefined][] = [
    ['dpuHours', dpuHours, budget.limitDpuHours],
    ['usd', usd, budget.limitUsd],
    ['bytes', bytes, budget.limitBytes],
  ];
  let binding: { unit: BindingLimit; used: number; limit: number; percent: number } | undefined;
  for (const [unit, used, limit] of candidates) {
    if (limit === undefined) continue;
    const percent = percentOf(used, limit);
    if (binding === undefined || percent > binding.percent) {
      binding = { unit, used, limit, percent };
    }
  }
  // parseBudget refuses a budget without a limit; this guards hand-made ones.
  if (binding === undefined) throw new RangeError('a budget needs at least one limit');
  return {
    dpuHours,
    usd,
    bytes,
    usedPercent: binding.percent,
    bindingLimit: binding.unit,
    limit: binding.limit,
    used: binding.used,
  };
}

/** The share of a budget used, in percent, over its tightest limit. */
export function usedPercentOf(budget: BudgetLimits, totals: UsageTotals): number {
  return budgetUsageOf(budget, totals).usedPercent;
}

/** What every view shows of a budget against usage: its binding limit and the share used. */
export interface BudgetFigures {
  readonly bindingLimit: { readonly unit: BindingLimit; readonly value: number };
  /** Of the binding limit, in percent, to the hundredth. */
  readonly usedPercent: number;
}

/**
 * The binding limit and used percent that `status`, `report` (every format) and the HTML
 * report show: one function, so they cannot disagree.
 */
export function budgetFiguresOf(budget: BudgetLimits, totals: UsageTotals): BudgetFigures {
  return figuresOfUsage(budgetUsageOf(budget, totals));
}

/** {@link budgetFiguresOf} of usage already measured. */
export function figuresOfUsage(usage: BudgetUsage): BudgetFigures {
  return {
    bindingLimit: { unit: usage.bindingLimit, value: usage.limit },
    usedPercent: jsonPercent(usage.usedPercent),
  };
}

function percentOf(used: number, limit: number): number {
  const scale = 10 ** PERCENT_DECIMALS;
  return Math.round(((used * 100) / limit) * scale) / scale;
}
