import type { Log } from '../log.js';

/** A store of budgets of any subject, as listed: the valid ones and why the others are not. */
interface ListedBudgets<B> {
  list(): Promise<{
    readonly budgets: readonly B[];
    readonly invalid: readonly { readonly reason: string }[];
  }>;
}

/**
 * Budgets read at most once per `ttlMs` per Lambda instance: they change by hand, rarely, and
 * reading them per batch would double the reads of a busy stream. A budget edit takes effect
 * within `ttlMs`.
 */
export function cachedBudgets<B>(
  store: ListedBudgets<B>,
  logger: Log,
  ttlMs = 30_000,
  now: () => number = Date.now,
): () => Promise<readonly B[]> {
  let cached: { readonly budgets: readonly B[]; readonly until: number } | undefined;
  return async () => {
    if (cached !== undefined && now() < cached.until) return cached.budgets;
    const { budgets, invalid } = await store.list();
    // Each entry names its subject (workgroup, or attribution subject) and the reason.
    for (const entry of invalid)
      logger.error('Stored budget is invalid and is not enforced', entry);
    cached = { budgets, until: now() + ttlMs };
    return budgets;
  };
}
