import type { Log } from '../log.js';
import type { BudgetStore } from '../store/budget-store.js';
import type { Budget } from './budget.js';

/**
 * Budgets read at most once per `ttlMs` per Lambda instance: they change by hand, rarely, and
 * reading them per batch would double the reads of a busy stream. A budget edit takes effect
 * within `ttlMs`.
 */
export function cachedBudgets(
  store: BudgetStore,
  logger: Log,
  ttlMs = 30_000,
  now: () => number = Date.now,
): () => Promise<readonly Budget[]> {
  let cached: { readonly budgets: readonly Budget[]; readonly until: number } | undefined;
  return async () => {
    if (cached !== undefined && now() < cached.until) return cached.budgets;
    const { budgets, invalid } = await store.list();
    for (const { workgroup, reason } of invalid) {
      logger.error('Stored budget is invalid and is not enforced', { workgroup, reason });
    }
    cached = { budgets, until: now() + ttlMs };
    return budgets;
  };
}
