import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  loadReservationBudgetStatuses as loadStatuses,
  type ReservationBudgetStatus,
} from '../lib/budgets/reservation-budget-status.js';
import { DynamoDbReservationBudgetStore } from '../lib/store/dynamodb-reservation-budget-store.js';
import { DynamoDbReservationEnforcementStore } from '../lib/store/dynamodb-reservation-enforcement-store.js';
import { DynamoDbUsageReportSource } from '../lib/store/dynamodb-usage-report-source.js';
import type { InvalidReservationBudget } from '../lib/store/reservation-budget-store.js';

/**
 * Every reservation budget's status at `at` (or one reservation's), its figures read with the
 * counters reading of `report --by reservation`.
 */
export function loadReservationBudgetStatuses(
  documents: DynamoDBDocumentClient,
  tableName: string,
  at: Date,
  reservation?: string,
): Promise<{
  readonly statuses: readonly ReservationBudgetStatus[];
  readonly invalid: readonly InvalidReservationBudget[];
}> {
  const budgets = new DynamoDbReservationBudgetStore(documents, tableName);
  const report = new DynamoDbUsageReportSource(documents, tableName);
  const enforcement = new DynamoDbReservationEnforcementStore(documents, tableName);
  return loadStatuses(
    {
      budgets: () => budgets.list(),
      counters: (period, keys) => report.readReservationCounters(period, keys),
      actions: (key) => enforcement.actions(key),
    },
    at,
    reservation,
  );
}
