import type { AttributionCounterReader } from '../store/attribution-counter-reader.js';
import type { StoredAttributionBudgets } from '../store/budget-store.js';
import type { AttributionNotifications } from '../store/enforcement-store.js';
import {
  type AttributionBudget,
  type AttributionPeriod,
  attributionBudgetUsageOf,
} from './attribution-budget.js';
import {
  type BudgetStatusAction,
  type BudgetUsageFigures,
  statusActionOf,
  usageFiguresOf,
} from './budget-status.js';
import {
  type LoadedStatuses,
  loadSubjectBudgetStatuses,
  readEachPeriod,
} from './load-budget-statuses.js';
import { readAttributionUsage } from './notify-attribution-budgets.js';

/** Where one attribution budget stands in its current period, over every workgroup. */
export interface AttributionBudgetStatus extends AttributionPeriod, BudgetUsageFigures {
  readonly thresholds: AttributionBudget['thresholds'];
  /** The workgroups whose counters were summed: those with usage this period. */
  readonly workgroups: number;
  /** The notifications sent this period, in the order they were. */
  readonly actions: readonly BudgetStatusAction<'notify'>[];
}

export interface AttributionBudgetStatusSources {
  readonly budgets: () => Promise<StoredAttributionBudgets>;
  /** The reader the evaluation after each batch uses: the same sums. */
  readonly counters: AttributionCounterReader;
  readonly actions: AttributionNotifications['actions'];
}

/**
 * Every attribution budget's status at `at`, through the loader of every kind of budget: its
 * value's usage read as the evaluation after each batch reads it (readAttributionUsage), with the
 * notifications recorded.
 */
export function loadAttributionBudgetStatuses(
  sources: AttributionBudgetStatusSources,
  at: Date,
): Promise<LoadedStatuses<AttributionBudgetStatus, 'attribution'>> {
  return loadSubjectBudgetStatuses(
    {
      subject: 'attribution',
      budgets: sources.budgets,
      periods: async (keys) =>
        readEachPeriod(
          await readAttributionUsage(keys, {
            counters: sources.counters,
            workgroupsWithUsage: (period, periodKey) =>
              sources.counters.workgroupsWithUsage(period, periodKey),
          }),
          async (read) => ({ ...read, actions: await sources.actions(read.period) }),
        ),
      statusOf: (budget: AttributionBudget, read): AttributionBudgetStatus => ({
        ...read.period,
        ...usageFiguresOf(budget, attributionBudgetUsageOf(budget, read.totals)),
        thresholds: budget.thresholds,
        workgroups: read.workgroups.length,
        actions: read.actions
          .map(statusActionOf)
          .sort((a, b) => a.at.localeCompare(b.at) || (a.threshold ?? 0) - (b.threshold ?? 0)),
      }),
    },
    at,
  );
}
