import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseReservationBudget, type ReservationBudget } from '../budgets/reservation-budget.js';
import { queryPartition } from './dynamodb-toolkit.js';
import type {
  InvalidReservationBudget,
  ReservationBudgetStore,
  StoredReservationBudgets,
} from './reservation-budget-store.js';
import { TableKeys } from './table-keys.js';

/**
 * Reservation budgets in one partition of the table (`BUDGET#reservation`): listed with one
 * Query, validated on the way out like workgroup budgets.
 */
export class DynamoDbReservationBudgetStore implements ReservationBudgetStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(): Promise<StoredReservationBudgets> {
    const budgets: ReservationBudget[] = [];
    const invalid: InvalidReservationBudget[] = [];
    const items = await queryPartition(
      this.documents,
      this.tableName,
      TableKeys.reservationBudget('').pk,
    );
    for (const item of items) {
      const parsed = parseReservationBudget(item);
      if (parsed.ok) budgets.push(parsed.budget);
      else invalid.push({ reservation: String(item.sk), reason: parsed.reason });
    }
    return { budgets, invalid };
  }

  async put(budget: ReservationBudget): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...TableKeys.reservationBudget(budget.reservation),
          type: 'reservation-budget',
          ...budget,
        },
      }),
    );
  }

  async remove(reservation: string): Promise<boolean> {
    const output = await this.documents.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: TableKeys.reservationBudget(reservation),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return output.Attributes !== undefined;
  }
}
