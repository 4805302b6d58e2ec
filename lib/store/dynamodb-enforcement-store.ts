import { TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AppliedFields,
  settingsWithApplied,
  type WorkgroupSettings,
} from '../budgets/workgroup-settings.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import { outboxWrite } from './dynamodb-metrics-outbox.js';
import { conditionalWrite, number, queryAll } from './dynamodb-toolkit.js';
import type {
  ActionRecord,
  EnforcementKey,
  EnforcementState,
  EnforcementStore,
} from './enforcement-store.js';
import { TableKeys } from './table-keys.js';

/**
 * An execution claim older than this belongs to an invocation that died mid-action: another may
 * take it. Not shorter than the ingest (60 s) and reconcile (300 s) timeouts, so a live owner
 * keeps it; shorter than the ingest queue's visibility timeout (420 s), so the redelivery of a batch
 * that found it held can take over from a dead owner.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;
/** Enforcement records outlive their period long enough for reports, then expire. */
const RETENTION_SECONDS = 400 * 86_400;
/** The TTL (epoch seconds) of a record written at, or of a period ending at, `time`. */
const expiresAfter = (time: Date) => Math.floor(time.getTime() / 1000) + RETENTION_SECONDS;

/**
 * Reads the actions and bypasses recorded for a budget period; apart from the store so that
 * readers (the daily digest) bundle no writes.
 */
export class DynamoDbEnforcementReader
  implements Pick<EnforcementStore, 'actions' | 'bypassCount'>
{
  constructor(
    protected readonly documents: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async actions(key: EnforcementKey): Promise<ActionRecord[]> {
    // The records of a workgroup's period hold only the actions its enforcer writes.
    return (await this.actionRecords(key)) as ActionRecord[];
  }

  /** The action records of a period whatever their action: reservation budgets' too. */
  async actionRecords(key: EnforcementKey): Promise<ActionRecord<string>[]> {
    const { pk } = TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, '');
    const output = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    );
    return (output.Items ?? [])
      .filter((item) => item.type === 'action')
      .map((item) => ({
        thresholdId: String(item.thresholdId),
        action: String(item.action),
        status: item.status as ActionRecord['status'],
        claimedAt: String(item.claimedAt),
        completedAt: typeof item.completedAt === 'string' ? item.completedAt : undefined,
        usedPercent: typeof item.usedPercent === 'number' ? item.usedPercent : undefined,
        detail: typeof item.detail === 'string' ? item.detail : undefined,
      }));
  }

  async bypassCount(key: EnforcementKey): Promise<number> {
    const { pk } = TableKeys.bypass(key.workgroup, key.period, key.periodKey, '');
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      count += output.Count ?? 0;
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
}

/** Enforcement state and action claims in the single table, claimed with conditional writes. */
export class DynamoDbEnforcementStore
  extends DynamoDbEnforcementReader
  implements EnforcementStore
{
  async acquire(key: EnforcementKey, owner: string, now: Date): Promise<boolean> {
    return conditionalWrite(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...TableKeys.executionClaim(key.workgroup, key.period, key.periodKey),
            type: 'execution',
            ...key,
            owner,
            claimedAt: now.toISOString(),
            leaseUntil: now.getTime() + CLAIM_LEASE_MS,
            expiresAt: expiresAfter(now),
          },
          // `owner = :me`: the SDK's retry of a Put whose answer was lost finds its own claim.
          ConditionExpression: 'attribute_not_exists(pk) OR #owner = :me OR leaseUntil < :now',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': owner, ':now': now.getTime() },
        }),
      ),
    );
  }

  async releaseExecution(key: EnforcementKey, owner: string): Promise<void> {
    // Gone already (a retried Delete) or taken over after the lease: not ours to release.
    await conditionalWrite(
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: TableKeys.executionClaim(key.workgroup, key.period, key.periodKey),
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': owner },
        }),
      ),
    );
  }

  async complete(
    key: EnforcementKey,
    record: Omit<ActionRecord<string>, 'claimedAt'>,
    now: Date,
  ): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, record.thresholdId),
        UpdateExpression:
          'SET #type = :type, workgroup = :workgroup, period = :period, periodKey = :periodKey, ' +
          'thresholdId = :thresholdId, #action = :action, #status = :status, ' +
          'claimedAt = if_not_exists(claimedAt, :now), completedAt = :now, ' +
          'usedPercent = :usedPercent, detail = :detail, expiresAt = :expiresAt REMOVE leaseUntil',
        ExpressionAttributeNames: { '#type': 'type', '#action': 'action', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'action',
          ':workgroup': key.workgroup,
          ':period': key.period,
          ':periodKey': key.periodKey,
          ':thresholdId': record.thresholdId,
          ':action': record.action,
          ':status': record.status,
          ':now': now.toISOString(),
          ':usedPercent': record.usedPercent ?? null,
          ':detail': record.detail ?? null,
          ':expiresAt': expiresAfter(now),
        },
      }),
    );
  }

  async recordOnce(
    key: EnforcementKey,
    record: Omit<ActionRecord, 'claimedAt'>,
    now: Date,
  ): Promise<boolean> {
    return this.putIfAbsent({
      ...TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, record.thresholdId),
      type: 'action',
      ...key,
      thresholdId: record.thresholdId,
      action: record.action,
      status: record.status,
      claimedAt: now.toISOString(),
      completedAt: now.toISOString(),
      usedPercent: record.usedPercent ?? null,
      detail: record.detail ?? null,
      expiresAt: expiresAfter(now),
    });
  }

  /** Writes an item unless its key is taken; false when it was. */
  private putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    return conditionalWrite(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async forget(key: EnforcementKey, thresholdId: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: TableKeys.actionClaim(key.workgroup, key.period, key.periodKey, thresholdId),
      }),
    );
  }

  async markBypass(
    key: EnforcementKey,
    bypass: { readonly queryExecutionId: string; readonly dpuCount: number },
    now: Date,
  ): Promise<OutboxEntry | undefined> {
    const marker = TableKeys.bypass(
      key.workgroup,
      key.period,
      key.periodKey,
      bypass.queryExecutionId,
    );
    // The count is owed to CloudWatch from the moment the marker exists: both in one transaction.
    const outbox = outboxWrite(
      now,
      [],
      [{ name: 'ThrottleBypassedQueries', workgroup: key.workgroup, value: 1 }],
    );
    try {
      await this.documents.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: { S: marker.pk },
                  sk: { S: marker.sk },
                  type: { S: 'bypass' },
                  workgroup: { S: key.workgroup },
                  period: { S: key.period },
                  periodKey: { S: key.periodKey },
                  queryExecutionId: { S: bypass.queryExecutionId },
                  dpuCount: number(bypass.dpuCount),
                  recordedAt: { S: now.toISOString() },
                  expiresAt: number(expiresAfter(now)),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: this.tableName, Item: outbox.item } },
          ],
        }),
      );
      return outbox.entry;
    } catch (error) {
      const counted =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (counted) return undefined;
      throw error;
    }
  }

  async saveSnapshot(
    key: EnforcementKey,
    snapshot: WorkgroupSettings,
    periodEnd: Date,
  ): Promise<WorkgroupSettings> {
    const itemKey = TableKeys.enforcement(key.workgroup, key.period, key.periodKey);
    const saved = await this.putIfAbsent({
      ...itemKey,
      type: 'enforcement',
      ...key,
      periodEnd: periodEnd.toISOString(),
      snapshot,
      status: 'active',
      expiresAt: expiresAfter(periodEnd),
    });
    if (saved) return snapshot;
    const existing = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
    );
    return existing.Item?.snapshot as WorkgroupSettings;
  }

  async recordApplied(key: EnforcementKey, fields: AppliedFields, now: Date): Promise<void> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':now': now.toISOString(), ':active': 'active' };
    const sets = ['updatedAt = :now', '#status = :active'];
    for (const [field, attribute] of APPLIED_ATTRIBUTES) {
      const value = fields[field];
      if (value === undefined) continue;
      names[`#${field}`] = attribute;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: TableKeys.enforcement(key.workgroup, key.period, key.periodKey),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async activeStates(): Promise<EnforcementState[]> {
    const items = await queryAll(this.documents, {
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
    await markStateRestored(
      this.documents,
      this.tableName,
      TableKeys.enforcement(key.workgroup, key.period, key.periodKey),
      conflicts,
      now,
    );
  }
}

/** Marks an enforcement state (a workgroup's or a reservation's) given back, with its conflicts. */
export async function markStateRestored(
  documents: DynamoDBDocumentClient,
  tableName: string,
  key: { readonly pk: string; readonly sk: string },
  conflicts: readonly string[],
  now: Date,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET #status = :restored, restoredAt = :now, restoreConflicts = :conflicts',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':restored': 'restored',
        ':now': now.toISOString(),
        ':conflicts': conflicts,
      },
    }),
  );
}

/** Each field the enforcer sets is an attribute of its own, so one action never overwrites another's. */
const APPLIED_ATTRIBUTES: readonly [keyof AppliedFields, string][] = [
  ['state', 'appliedState'],
  ['bytesScannedCutoffPerQuery', 'appliedBytesScannedCutoffPerQuery'],
  ['maxDpuCount', 'appliedMaxDpuCount'],
  ['minDpuCount', 'appliedMinDpuCount'],
  ['enforceWorkgroupConfiguration', 'appliedEnforceWorkgroupConfiguration'],
  ['maxConcurrentDpus', 'appliedMaxConcurrentDpus'],
];

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
  const snapshot = settings('snapshot');
  const applied: Record<string, unknown> = {};
  for (const [field, attribute] of APPLIED_ATTRIBUTES) {
    if (item[attribute] !== undefined) applied[field] = item[attribute];
  }
  // Items written before fields were recorded one by one hold the whole settings instead.
  const productSettings =
    Object.keys(applied).length === 0 || snapshot === undefined
      ? settings('productSettings')
      : settingsWithApplied(snapshot, applied as AppliedFields);
  return {
    workgroup: text('workgroup'),
    period: period as EnforcementState['period'],
    periodKey: text('periodKey'),
    periodEnd: text('periodEnd'),
    snapshot,
    productSettings,
    status: item.status === 'restored' ? 'restored' : 'active',
    restoredAt: typeof item.restoredAt === 'string' ? item.restoredAt : undefined,
    restoreConflicts: Array.isArray(item.restoreConflicts)
      ? item.restoreConflicts.map(String)
      : undefined,
  };
}
