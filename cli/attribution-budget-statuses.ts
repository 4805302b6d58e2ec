import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadAttributionBudgetStatuses as loadStatuses } from '../lib/budgets/attribution-budget-status.js';
import { DynamoDbAttributionCounterReader } from '../lib/store/dynamodb-attribution-counter-reader.js';
import { DynamoDbAttributionBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { DynamoDbAttributionEnforcementStore } from '../lib/store/dynamodb-enforcement-store.js';

/** Every attribution budget's status at `at`, summed as the evaluation after each batch sums it. */
export function loadAttributionBudgetStatuses(
  documents: DynamoDBDocumentClient,
  tableName: string,
  at: Date,
) {
  const budgets = new DynamoDbAttributionBudgetStore(documents, tableName);
  const enforcement = new DynamoDbAttributionEnforcementStore(documents, tableName);
  return loadStatuses(
    {
      budgets: () => budgets.list(),
      counters: new DynamoDbAttributionCounterReader(documents, tableName),
      actions: (key) => enforcement.actions(key),
    },
    at,
  );
}
