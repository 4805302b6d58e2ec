import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RESERVATION_THRESHOLD_ACTIONS } from '../budgets/reservation-budget.js';
import { PERIODS, type Period } from '../usage/period-keys.js';
import { DynamoDbEnforcementStore, markStateRestored } from './dynamodb-enforcement-store.js';
import { conditionalWrite, queryAll } from './dynamodb-toolkit.js';
import type { EnforcementKey } from './enforcement-store.js';
import type {
  ReservationActionRecord,
  ReservationEnforcementState,
  ReservationEnforcementStore,
  ReservationPeriod,
} from './reservation-enforcement-store.js';
import { reservationClaimSubject, TableKeys } from './table-keys.js';

const RETENTION_SECONDS = 400 * 86_400;

/**
 * Claims and action records through the workgroup enforcement store, under the reservation's
 * claim subject; snapshots as items of their own partition (`ENFORCEMENT#reservation`).
 */
export class DynamoDbReservationEnforcementStore implements ReservationEnforcementStore {
  private readonly claims: DynamoDbEnforcementStore;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.claims = new DynamoDbEnforcementStore(documents, tableName);
  }

  acquire(key: ReservationPeriod, owner: string, now: Date): Promise<boolean> {
    return this.claims.acquire(claimKeyOf(key), owner, now);
  }

  releaseExecution(key: ReservationPeriod, owner: string): Promise<void> {
    return this.claims.releaseExecution(claimKeyOf(key), owner);
  }

  complete(
    key: ReservationPeriod,
    record: Omit<ReservationActionRecord, 'claimedAt'>,
    now: Date,
  ): Promise<void> {
    return this.claims.complete(claimKeyOf(key), record, now);
  }

  async actions(key: ReservationPeriod): Promise<ReservationActionRecord[]> {
    const records = await this.claims.actionRecords(claimKeyOf(key));
    return records.flatMap((record) => {
      const action = RESERVATION_THRESHOLD_ACTIONS.find((known) => known === record.action);
      return action === undefined ? [] : [{ ...record, action }];
    });
  }

  async saveSnapshot(key: ReservationPeriod, targetDpus: number, periodEnd: Date): Promise<number> {
    const itemKey = TableKeys.reservationEnforcement(key.reservation, key.period, key.periodKey);
    const saved = await conditionalWrite(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...itemKey,
            type: 'reservation-enforcement',
            ...key,
            periodEnd: periodEnd.toISOString(),
            snapshotTargetDpus: targetDpus,
            status: 'active',
            expiresAt: Math.floor(periodEnd.getTime() / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (saved) return targetDpus;
    const existing = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
    );
    const kept = existing.Item?.snapshotTargetDpus;
    if (typeof kept !== 'number') {
      throw new Error(
        `the snapshot of ${key.reservation} ${key.period} ${key.periodKey} has no target`,
      );
    }
    return kept;
  }

  async recordApplied(key: ReservationPeriod, targetDpus: number, now: Date): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: TableKeys.reservationEnforcement(key.reservation, key.period, key.periodKey),
        UpdateExpression: 'SET productTargetDpus = :target, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':target': targetDpus, ':now': now.toISOString() },
      }),
    );
  }

  async activeStates(): Promise<ReservationEnforcementState[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pk': TableKeys.reservationEnforcement('', 'day', '').pk,
        ':active': 'active',
      },
      ConsistentRead: true,
    });
    return items.map(stateOf);
  }

  markRestored(key: ReservationPeriod, conflicts: readonly string[], now: Date): Promise<void> {
    return markStateRestored(
      this.documents,
      this.tableName,
      TableKeys.reservationEnforcement(key.reservation, key.period, key.periodKey),
      conflicts,
      now,
    );
  }
}

const claimKeyOf = (key: ReservationPeriod): EnforcementKey => ({
  workgroup: reservationClaimSubject(key.reservation),
  period: key.period,
  periodKey: key.periodKey,
});

/** Reads a snapshot item, refusing one whose fields are not what this store writes. */
function stateOf(item: Record<string, unknown>): ReservationEnforcementState {
  const text = (name: string): string => {
    const value = item[name];
    if (typeof value !== 'string') {
      throw new Error(`reservation enforcement state ${String(item.sk)} has no ${name}`);
    }
    return value;
  };
  const period = text('period');
  if (!(PERIODS as readonly string[]).includes(period)) {
    throw new Error(`reservation enforcement state ${String(item.sk)} has an unknown period`);
  }
  if (typeof item.snapshotTargetDpus !== 'number') {
    throw new Error(`reservation enforcement state ${String(item.sk)} has no snapshotTargetDpus`);
  }
  return {
    reservation: text('reservation'),
    period: period as Period,
    periodKey: text('periodKey'),
    periodEnd: text('periodEnd'),
    snapshotTargetDpus: item.snapshotTargetDpus,
    productTargetDpus:
      typeof item.productTargetDpus === 'number' ? item.productTargetDpus : undefined,
    status: item.status === 'restored' ? 'restored' : 'active',
    restoredAt: typeof item.restoredAt === 'string' ? item.restoredAt : undefined,
    restoreConflicts: Array.isArray(item.restoreConflicts)
      ? item.restoreConflicts.map(String)
      : undefined,
  };
}
