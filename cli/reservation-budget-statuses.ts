import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type LoadedReservationBudgetStatuses,
  loadReservationBudgetStatuses as loadStatuses,
} from '../lib/budgets/reservation-budget-status.js';
import { DynamoDbReservationBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { DynamoDbReservationEnforcementStore } from '../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbReservationCounterReader } from '../lib/store/dynamodb-reservation-counter-reader.js';

/**
 * Every reservation budget's status at `at` (or one reservation's), its figures read with the
 * counters reading of `report --by reservation`.
 */
export function loadReservationBudgetStatuses(
  documents: DynamoDBDocumentClient,
  tableName: string,
  at: Date,
  reservation?: string,
): Promise<LoadedReservationBudgetStatuses> {
  const budgets = new DynamoDbReservationBudgetStore(documents, tableName);
  const reservationCounters = new DynamoDbReservationCounterReader(documents, tableName, 4);
  const enforcement = new DynamoDbReservationEnforcementStore(documents, tableName);
  return loadStatuses(
    {
      budgets: () => budgets.list(),
      counters: (period, keys) => reservationCounters.read(period, keys),
      actions: (key) => enforcement.actions(key),
    },
    at,
    reservation,
  );
}
