import type { AttributionCounterReader } from '../store/attribution-counter-reader.js';
import type { StoredAttributionBudgets } from '../store/budget-store.js';
import type { ActionRecord, AttributionNotifications } from '../store/enforcement-store.js';
import type { AttributionBudget, AttributionPeriod } from './attribution-budget.js';
import { type BudgetUsageFigures, usageFiguresOf } from './budget-status.js';
import {
  attributionEnforcementKey,
  measureAttributionBudgets,
} from './notify-attribution-budgets.js';

/** A notification an attribution budget sent this period. */
export interface AttributionBudgetStatusAction {
  readonly threshold: number | null;
  readonly action: 'notify';
  readonly status: ActionRecord['status'];
  readonly at: string;
  readonly detail: string | null;
}

/** Where one attribution budget stands in its current period, over every workgroup. */
export interface AttributionBudgetStatus extends AttributionPeriod, BudgetUsageFigures {
  readonly thresholds: AttributionBudget['thresholds'];
  /** The workgroups whose counters were summed: those with usage this period. */
  readonly workgroups: number;
  readonly actions: readonly AttributionBudgetStatusAction[];
}

export interface AttributionBudgetStatusSources {
  readonly budgets: () => Promise<StoredAttributionBudgets>;
  /** The reader the evaluation after each batch uses: the same sums. */
  readonly counters: AttributionCounterReader;
  readonly actions: AttributionNotifications['actions'];
}

/**
 * Every attribution budget's status at `at`: measured as the evaluation after each batch
 * measures it (measureAttributionBudgets), with the notifications recorded.
 */
export async function loadAttributionBudgetStatuses(
  sources: AttributionBudgetStatusSources,
  at: Date,
): Promise<{
  readonly statuses: readonly AttributionBudgetStatus[];
  readonly invalid: StoredAttributionBudgets['invalid'];
}> {
  const { budgets, invalid } = await sources.budgets();
  const measured = await measureAttributionBudgets(budgets, at, {
    counters: sources.counters,
    workgroupsWithUsage: (period, periodKey) =>
      sources.counters.workgroupsWithUsage(period, periodKey),
  });
  const statuses: AttributionBudgetStatus[] = [];
  for (const { budget, period, usage, workgroups } of measured) {
    const records = await sources.actions(attributionEnforcementKey(period));
    statuses.push({
      ...period,
      ...usageFiguresOf(budget, usage),
      thresholds: budget.thresholds,
      workgroups: workgroups.length,
      actions: records
        .map((record) => {
          const percent = Number(record.thresholdId.split(':')[0]);
          return {
            threshold: Number.isFinite(percent) ? percent : null,
            action: 'notify' as const,
            status: record.status,
            at: record.completedAt ?? record.claimedAt,
            detail: record.detail ?? null,
          };
        })
        .sort((a, b) => a.at.localeCompare(b.at) || (a.threshold ?? 0) - (b.threshold ?? 0)),
    });
  }
  return { statuses, invalid };
}
