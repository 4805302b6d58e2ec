import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ThresholdAction } from '../budgets/budget.js';
import type { WorkgroupSettings } from '../budgets/workgroup-settings.js';
import { queryAllItems } from './dynamodb-toolkit.js';
import type {
  ActionRecord,
  EnforcementKey,
  EnforcementState,
  EnforcementStore,
} from './enforcement-store.js';
import { TableKeys } from './table-keys.js';

/** A claim older than this belongs to an invocation that died mid-action: another may take it. */
const CLAIM_LEASE_MS = 5 * 60_000;
/** Enforcement records outlive their period long enough for reports, then expire. */
const RETENTION_SECONDS = 400 * 86_400;

/** Enforcement state and action claims in the single table, claimed with conditional writes. */
export class DynamoDbEnforcementStore implements EnforcementStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    key: EnforcementKey,
    thresholdId: string,
    action: ThresholdAction,
    now: Date,
  ): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, thresholdId),
            type: 'action',
            ...key,
            thresholdId,
            action,
            status: 'claimed',
            claimedAt: now.toISOString(),
            leaseUntil: now.getTime() + CLAIM_LEASE_MS,
            expiresAt: Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :claimed AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':now': now.getTime() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async complete(
    key: EnforcementKey,
    record: Omit<ActionRecord, 'claimedAt'>,
    now: Date,
  ): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, record.thresholdId),
        UpdateExpression:
          'SET #status = :status, completedAt = :now, usedPercent = :usedPercent, detail = :detail REMOVE leaseUntil',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': record.status,
          ':now': now.toISOString(),
          ':usedPercent': record.usedPercent ?? null,
          ':detail': record.detail ?? null,
        },
      }),
    );
  }

  async release(key: EnforcementKey, thresholdId: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, thresholdId),
        ConditionExpression: '#status = :claimed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':claimed': 'claimed' },
      }),
    );
  }

  async actions(key: EnforcementKey): Promise<ActionRecord[]> {
    const { pk } = TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, '');
    const output = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    );
    return (output.Items ?? []).map((item) => ({
      thresholdId: String(item.thresholdId),
      action: item.action as ThresholdAction,
      status: item.status as ActionRecord['status'],
      claimedAt: String(item.claimedAt),
      completedAt: typeof item.completedAt === 'string' ? item.completedAt : undefined,
      usedPercent: typeof item.usedPercent === 'number' ? item.usedPercent : undefined,
      detail: typeof item.detail === 'string' ? item.detail : undefined,
    }));
  }

  async saveSnapshot(
    key: EnforcementKey,
    snapshot: WorkgroupSettings,
    periodEnd: Date,
  ): Promise<WorkgroupSettings> {
    const itemKey = TableKeys.enforcement(key.workgroup, key.period, key.periodKey);
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...itemKey,
            type: 'enforcement',
            ...key,
            periodEnd: periodEnd.toISOString(),
            snapshot,
            status: 'active',
            expiresAt: Math.floor(periodEnd.getTime() / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return snapshot;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException'))
        throw error;
      const existing = await this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
      );
      return existing.Item?.snapshot as WorkgroupSettings;
    }
  }

  async recordProductSettings(
    key: EnforcementKey,
    settings: WorkgroupSettings,
    now: Date,
  ): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: TableKeys.enforcement(key.workgroup, key.period, key.periodKey),
        UpdateExpression: 'SET productSettings = :settings, updatedAt = :now, #status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':settings': settings,
          ':now': now.toISOString(),
          ':active': 'active',
        },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async activeStates(): Promise<EnforcementState[]> {
    const items = await queryAllItems(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': 'ENFORCEMENT', ':active': 'active' },
      ConsistentRead: true,
    });
    return items.map(enforcementStateOf);
  }

  async markRestored(key: EnforcementKey, conflicts: readonly string[], now: Date): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: TableKeys.enforcement(key.workgroup, key.period, key.periodKey),
        UpdateExpression:
          'SET #status = :restored, restoredAt = :now, restoreConflicts = :conflicts',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':restored': 'restored',
          ':now': now.toISOString(),
          ':conflicts': conflicts,
        },
      }),
    );
  }
}

const PERIOD_NAMES: readonly string[] = ['day', 'week', 'month'];

/** Reads an enforcement state item, refusing one whose keys are not what this store writes. */
function enforcementStateOf(item: Record<string, unknown>): EnforcementState {
  const text = (name: string): string => {
    const value = item[name];
    if (typeof value !== 'string') {
      throw new Error(`enforcement state ${String(item.sk)} has no ${name}`);
    }
    return value;
  };
  const period = text('period');
  if (!PERIOD_NAMES.includes(period)) {
    throw new Error(`enforcement state ${String(item.sk)} has an unknown period ${period}`);
  }
  const settings = (name: string) =>
    typeof item[name] === 'object' && item[name] !== null
      ? (item[name] as WorkgroupSettings)
      : undefined;
  return {
    workgroup: text('workgroup'),
    period: period as EnforcementState['period'],
    periodKey: text('periodKey'),
    periodEnd: text('periodEnd'),
    snapshot: settings('snapshot'),
    productSettings: settings('productSettings'),
    status: item.status === 'restored' ? 'restored' : 'active',
    restoredAt: typeof item.restoredAt === 'string' ? item.restoredAt : undefined,
    restoreConflicts: Array.isArray(item.restoreConflicts)
      ? item.restoreConflicts.map(String)
      : undefined,
  };
}
