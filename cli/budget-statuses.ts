import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../lib/async/map-with-concurrency.js';
import {
  type BudgetStatus,
  budgetStatusOf,
  currentPeriodOf,
} from '../lib/budgets/budget-status.js';
import type { InvalidStoredBudget } from '../lib/store/budget-store.js';
import { DynamoDbBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbUsageCounterReader } from '../lib/store/dynamodb-usage-counter-reader.js';
import { counterId } from '../lib/store/usage-counter-reader.js';
import { ZERO_TOTALS } from '../lib/usage/usage-totals.js';

/** Enforcement records are read one workgroup at a time, this many at once. */
const PARALLEL_READS = 4;

export interface BudgetStatuses {
  readonly statuses: readonly BudgetStatus[];
  /** Stored budgets that no longer validate (of the workgroup asked for, if any). */
  readonly invalid: readonly InvalidStoredBudget[];
}

/**
 * Every budget's status at `at` (or one workgroup's): the one reading that `status` and the HTML
 * report's budgets section share, so both show the same figures.
 */
export async function loadBudgetStatuses(
  documents: DynamoDBDocumentClient,
  tableName: string,
  at: Date,
  workgroup?: string,
): Promise<BudgetStatuses> {
  const { budgets, invalid } = await new DynamoDbBudgetStore(documents, tableName).list();
  const selected =
    workgroup === undefined ? budgets : budgets.filter((budget) => budget.workgroup === workgroup);
  const keys = selected.map((budget) => currentPeriodOf(budget, at));
  const totals = await new DynamoDbUsageCounterReader(documents, tableName).totalsFor(keys);
  const enforcement = new DynamoDbEnforcementStore(documents, tableName);
  const periods = await mapWithConcurrency(keys, PARALLEL_READS, async (key) => ({
    actions: await enforcement.actions(key),
    bypassedQueries: await enforcement.bypassCount(key),
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
  return {
    statuses,
    invalid: invalid.filter((entry) => workgroup === undefined || entry.workgroup === workgroup),
  };
}
