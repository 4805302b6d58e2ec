import type { UsageTotals } from '../usage/usage-totals.js';
import {
  type Budget,
  compareThresholds,
  crossedThresholds,
  type Threshold,
  type thresholdId,
} from './budget.js';
import { type BudgetUsage, budgetUsageOf } from './budget-usage.js';

export { thresholdId } from './budget.js';

/** Where a budget stands and which thresholds now need acting on. */
export interface BudgetEvaluation extends BudgetUsage {
  /**
   * Thresholds reached and not yet acted on this period, ascending by percent and, at equal
   * percent, from mildest to harshest action, so they can be applied in order.
   */
  readonly crossed: readonly Threshold[];
}

/**
 * Evaluates a budget against its period's totals. `alreadyApplied` holds the
 * {@link thresholdId}s acted on earlier in the period, so each threshold fires once per period.
 */
export function evaluateBudget(
  budget: Budget,
  totals: UsageTotals,
  alreadyApplied: ReadonlySet<string>,
): BudgetEvaluation {
  const usage = budgetUsageOf(budget, totals);
  const crossed = crossedThresholds(
    budget.thresholds,
    usage.usedPercent,
    alreadyApplied,
    compareThresholds,
  );
  return { ...usage, crossed };
}
