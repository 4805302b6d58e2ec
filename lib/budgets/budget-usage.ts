import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { UsageTotals } from '../usage/usage-totals.js';
import type { Budget } from './budget.js';

/** The limit a budget's used percent comes from. */
export type BindingLimit = 'dpuHours' | 'usd' | 'bytes';

/** How much of a budget is used, in its own units and as a share of its tightest limit. */
export interface BudgetUsage {
  readonly dpuHours: number;
  readonly usd: number;
  readonly bytes: number;
  /** The highest used/limit x 100 over the limits the budget sets. */
  readonly usedPercent: number;
  /** The limit giving usedPercent; on a tie, the first of DPU-hours, USD, bytes. */
  readonly bindingLimit: BindingLimit;
}

/**
 * Float division leaves noise such as 0.29 x 100 = 28.999999999999996, which would miss a
 * threshold the usage has exactly reached; percentages are kept to this many decimals.
 */
const PERCENT_DECIMALS = 6;

/** Measures totals against every limit the budget sets. */
export function budgetUsageOf(budget: Budget, totals: UsageTotals): BudgetUsage {
  const dpuHours = dpuHoursFromMillis(totals.dpuMillis);
  const usd = usdFromNano(totals.costNanoUsd);
  const bytes = totals.dataScannedBytes;
  let bindingLimit: BindingLimit = 'dpuHours';
  let usedPercent = percentOf(dpuHours, budget.limitDpuHours);
  const consider = (limit: BindingLimit, percent: number) => {
    if (percent > usedPercent) [bindingLimit, usedPercent] = [limit, percent];
  };
  if (budget.limitUsd !== undefined) consider('usd', percentOf(usd, budget.limitUsd));
  if (budget.limitBytes !== undefined) consider('bytes', percentOf(bytes, budget.limitBytes));
  return { dpuHours, usd, bytes, usedPercent, bindingLimit };
}

/** The share of a budget used, in percent, over its tightest limit. */
export function usedPercentOf(budget: Budget, totals: UsageTotals): number {
  return budgetUsageOf(budget, totals).usedPercent;
}

function percentOf(used: number, limit: number): number {
  const scale = 10 ** PERCENT_DECIMALS;
  return Math.round(((used * 100) / limit) * scale) / scale;
}
