import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type LoadedBudgetStatuses,
  loadBudgetStatuses as loadStatuses,
} from '../lib/budgets/load-budget-statuses.js';
import { DynamoDbBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbUsageCounterReader } from '../lib/store/dynamodb-usage-counter-reader.js';

export type BudgetStatuses = LoadedBudgetStatuses;

/**
 * Every budget's status at `at` (or one workgroup's) from the table: the one reading that
 * `status`, the HTML report's budgets section and the daily digest share, so all show the same
 * figures.
 */
export function loadBudgetStatuses(
  documents: DynamoDBDocumentClient,
  tableName: string,
  at: Date,
  workgroup?: string,
): Promise<BudgetStatuses> {
  return loadStatuses(
    {
      budgets: new DynamoDbBudgetStore(documents, tableName),
      counters: new DynamoDbUsageCounterReader(documents, tableName),
      enforcement: new DynamoDbEnforcementStore(documents, tableName),
    },
    at,
    workgroup,
  );
}
