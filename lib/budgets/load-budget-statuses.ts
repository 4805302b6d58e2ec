import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { BudgetStore, InvalidStoredBudget } from '../store/budget-store.js';
import type { EnforcementStore } from '../store/enforcement-store.js';
import { counterId, type UsageCounterReader } from '../store/usage-counter-reader.js';
import { ZERO_TOTALS } from '../usage/usage-totals.js';
import { type BudgetStatus, budgetStatusOf, currentPeriodOf } from './budget-status.js';

/** Enforcement records are read one workgroup at a time, this many at once. */
const PARALLEL_READS = 4;

export interface BudgetStatusSources {
  readonly budgets: Pick<BudgetStore, 'list'>;
  readonly counters: UsageCounterReader;
  readonly enforcement: Pick<EnforcementStore, 'actions' | 'bypassCount'>;
}

export interface LoadedBudgetStatuses {
  /** The budgets asked for, in stored order. */
  readonly statuses: readonly BudgetStatus[];
  /** Stored budgets that no longer validate (of the workgroup asked for, if one was). */
  readonly invalid: readonly InvalidStoredBudget[];
}

/**
 * Where every budget (or one workgroup's) stands in its period holding `at`: what `status`
 * shows and the daily digest summarises. One BatchGetItem for the counters, then the actions of
 * each budget's period.
 */
export async function loadBudgetStatuses(
  sources: BudgetStatusSources,
  at: Date,
  workgroup?: string,
): Promise<LoadedBudgetStatuses> {
  const { budgets, invalid } = await sources.budgets.list();
  const mine = <T extends { readonly workgroup: string }>(item: T) =>
    workgroup === undefined || item.workgroup === workgroup;
  const selected = budgets.filter(mine);
  const keys = selected.map((budget) => currentPeriodOf(budget, at));
  const totals = await sources.counters.totalsFor(keys);
  const periods = await mapWithConcurrency(keys, PARALLEL_READS, async (key) => ({
    actions: await sources.enforcement.actions(key),
    bypassedQueries: await sources.enforcement.bypassCount(key),
  }));
  const statuses = selected.map((budget, index) =>
    budgetStatusOf({
      budget,
      totals: totals.get(counterId(currentPeriodOf(budget, at))) ?? ZERO_TOTALS,
      actions: periods[index]?.actions ?? [],
      bypassedQueries: periods[index]?.bypassedQueries ?? 0,
      at,
    }),
  );
  return { statuses, invalid: invalid.filter(mine) };
}
