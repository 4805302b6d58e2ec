import { TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { THRESHOLD_ACTIONS } from '../budgets/budget.js';
import { namedBy, type SubjectPeriod } from '../budgets/budget-subject.js';
import { RESERVATION_THRESHOLD_ACTIONS } from '../budgets/reservation-budget.js';
import {
  type AppliedFields,
  settingsWithApplied,
  type WorkgroupSettings,
} from '../budgets/workgroup-settings.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import { PERIODS, type Period } from '../usage/period-keys.js';
import { outboxWrite } from './dynamodb-metrics-outbox.js';
import {
  conditionalWrite,
  countAll,
  type Item,
  number,
  queryAll,
  queryPartition,
} from './dynamodb-toolkit.js';
import type {
  ActionRecord,
  AttributionEnforcement,
  EnforcementKey,
  EnforcementStateOf,
  EnforcementStore,
  EnforcementTypes,
  ReservationEnforcement,
  SubjectEnforcementStore,
  WorkgroupEnforcement,
} from './enforcement-store.js';
import { periodKeyAttribute, reservationClaimSubject, TableKeys } from './table-keys.js';

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

type TableKey = { readonly pk: string; readonly sk: string };

/** How the enforcement records of one kind of budget sit in the table. */
export interface StoredEnforcementKind<E extends EnforcementTypes> {
  readonly subject: E['subject'];
  /** The actions its records may hold; a record of another action is not its kind's. */
  readonly actions: readonly E['action'][];
  /**
   * The name a subject's periods go by among the execution claims and action records, which all
   * kinds share (`CLAIM#<name>#<period>#<key>`): a workgroup's own name, `reservation#<name>`.
   */
  readonly claimSubject: (name: string) => string;
  /** The key of a period's enforcement state: each kind's in a partition of its own. */
  readonly stateKey: (name: string, period: Period, periodKey: string) => TableKey;
  /** The state item's `type`, and what errors call it. */
  readonly stateType: string;
  readonly stateName: string;
  /** The attributes a snapshot is kept in. */
  readonly snapshotAttributes: (snapshot: E['snapshot']) => Item;
  /** The snapshot kept in a state item. */
  readonly snapshotOf: (item: Item | undefined, describe: () => string) => E['snapshot'];
  /** How recording what an action sets updates the state item, besides its `updatedAt`. */
  readonly appliedUpdate: (applied: E['applied']) => AttributeUpdate;
  /** Reads the kind's own fields of a state item, refusing what this store does not write. */
  readonly stateFields: (item: Item, describe: () => string) => E['stateFields'];
}

/** SET clauses with the names and values they use. */
interface AttributeUpdate {
  readonly sets: readonly string[];
  readonly names?: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/**
 * Reads the actions recorded for one kind of budget's periods; apart from the store so that
 * readers (the daily digest) bundle no writes.
 */
export class DynamoDbSubjectEnforcementReader<E extends EnforcementTypes>
  implements Pick<SubjectEnforcementStore<E>, 'actions'>
{
  constructor(
    protected readonly documents: DynamoDBDocumentClient,
    protected readonly tableName: string,
    protected readonly kind: StoredEnforcementKind<E>,
  ) {}

  async actions(key: SubjectPeriod<E['subject']>): Promise<ActionRecord<E['action']>[]> {
    const { pk } = this.claimKeys(key).action('');
    const items = await queryPartition(this.documents, this.tableName, pk);
    return items.flatMap((item) => {
      const action = this.kind.actions.find((known) => known === item.action);
      if (item.type !== 'action' || action === undefined) return [];
      return [
        {
          thresholdId: String(item.thresholdId),
          action,
          status: item.status as ActionRecord['status'],
          claimedAt: String(item.claimedAt),
          completedAt: typeof item.completedAt === 'string' ? item.completedAt : undefined,
          usedPercent: typeof item.usedPercent === 'number' ? item.usedPercent : undefined,
          detail: typeof item.detail === 'string' ? item.detail : undefined,
        },
      ];
    });
  }

  /**
   * The period as the claims and action records name it (`workgroup` holds the claim subject),
   * and the keys of its execution claim and action records.
   */
  protected claimKeys(key: SubjectPeriod<E['subject']>) {
    const subject = this.kind.claimSubject(key[this.kind.subject]);
    const claim: EnforcementKey = {
      workgroup: subject,
      period: key.period,
      periodKey: key.periodKey,
    };
    return {
      claim,
      execution: TableKeys.executionClaim(subject, key.period, key.periodKey),
      action: (thresholdId: string) =>
        TableKeys.actionClaim(subject, key.period, key.periodKey, thresholdId),
    };
  }
}

/**
 * One kind of budget's enforcement records in the single table: execution claims and action
 * records (shared by all kinds, claimed with conditional writes), and its enforcement states.
 */
export class DynamoDbSubjectEnforcementStore<E extends EnforcementTypes>
  extends DynamoDbSubjectEnforcementReader<E>
  implements SubjectEnforcementStore<E>
{
  async acquire(key: SubjectPeriod<E['subject']>, owner: string, now: Date): Promise<boolean> {
    const keys = this.claimKeys(key);
    return conditionalWrite(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.execution,
            type: 'execution',
            ...keys.claim,
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

  async releaseExecution(key: SubjectPeriod<E['subject']>, owner: string): Promise<void> {
    // Gone already (a retried Delete) or taken over after the lease: not ours to release.
    await conditionalWrite(
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.claimKeys(key).execution,
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': owner },
        }),
      ),
    );
  }

  async complete(
    key: SubjectPeriod<E['subject']>,
    record: Omit<ActionRecord<E['action']>, 'claimedAt'>,
    now: Date,
  ): Promise<void> {
    const { claim, action } = this.claimKeys(key);
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: action(record.thresholdId),
        UpdateExpression:
          'SET #type = :type, workgroup = :workgroup, period = :period, periodKey = :periodKey, ' +
          'thresholdId = :thresholdId, #action = :action, #status = :status, ' +
          'claimedAt = if_not_exists(claimedAt, :now), completedAt = :now, ' +
          'usedPercent = :usedPercent, detail = :detail, expiresAt = :expiresAt REMOVE leaseUntil',
        ExpressionAttributeNames: { '#type': 'type', '#action': 'action', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'action',
          ':workgroup': claim.workgroup,
          ':period': claim.period,
          ':periodKey': claim.periodKey,
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
    key: SubjectPeriod<E['subject']>,
    record: Omit<ActionRecord<E['action']>, 'claimedAt'>,
    now: Date,
  ): Promise<boolean> {
    const { claim, action } = this.claimKeys(key);
    return this.putIfAbsent({
      ...action(record.thresholdId),
      type: 'action',
      ...claim,
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
  private putIfAbsent(item: Item): Promise<boolean> {
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

  async forget(key: SubjectPeriod<E['subject']>, thresholdId: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: this.claimKeys(key).action(thresholdId),
      }),
    );
  }

  async saveSnapshot(
    key: SubjectPeriod<E['subject']>,
    snapshot: E['snapshot'],
    periodEnd: Date,
  ): Promise<E['snapshot']> {
    const itemKey = this.stateKey(key);
    const saved = await this.putIfAbsent({
      ...itemKey,
      type: this.kind.stateType,
      ...namedBy(this.kind.subject, key[this.kind.subject]),
      period: key.period,
      periodKey: key.periodKey,
      periodEnd: periodEnd.toISOString(),
      ...this.kind.snapshotAttributes(snapshot),
      status: 'active',
      expiresAt: expiresAfter(periodEnd),
    });
    if (saved) return snapshot;
    const existing = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey, ConsistentRead: true }),
    );
    return this.kind.snapshotOf(
      existing.Item,
      () => `the snapshot of ${key[this.kind.subject]} ${key.period} ${key.periodKey}`,
    );
  }

  async recordApplied(
    key: SubjectPeriod<E['subject']>,
    applied: E['applied'],
    now: Date,
  ): Promise<void> {
    const update = this.kind.appliedUpdate(applied);
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.stateKey(key),
        UpdateExpression: `SET ${['updatedAt = :now', ...update.sets].join(', ')}`,
        ...(update.names === undefined ? {} : { ExpressionAttributeNames: update.names }),
        ExpressionAttributeValues: { ':now': now.toISOString(), ...update.values },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async activeStates(): Promise<EnforcementStateOf<E>[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':pk': this.kind.stateKey('', 'day', '').pk,
        ':active': 'active',
      },
      ConsistentRead: true,
    });
    return items.map((item) => this.stateOf(item));
  }

  async markRestored(
    key: SubjectPeriod<E['subject']>,
    conflicts: readonly string[],
    now: Date,
  ): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.stateKey(key),
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

  private stateKey(key: SubjectPeriod<E['subject']>): TableKey {
    return this.kind.stateKey(key[this.kind.subject], key.period, key.periodKey);
  }

  /** Reads a state item, refusing one whose fields are not what this store writes. */
  private stateOf(item: Item): EnforcementStateOf<E> {
    const describe = () => `${this.kind.stateName} ${String(item.sk)}`;
    const text = (name: string): string => {
      const value = item[name];
      if (typeof value !== 'string') throw new Error(`${describe()} has no ${name}`);
      return value;
    };
    const period = text('period');
    if (!(PERIODS as readonly string[]).includes(period)) {
      throw new Error(`${describe()} has an unknown period ${period}`);
    }
    return {
      ...namedBy(this.kind.subject, text(this.kind.subject)),
      period: period as Period,
      periodKey: text('periodKey'),
      periodEnd: text('periodEnd'),
      ...this.kind.stateFields(item, describe),
      status: item.status === 'restored' ? 'restored' : 'active',
      restoredAt: typeof item.restoredAt === 'string' ? item.restoredAt : undefined,
      restoreConflicts: Array.isArray(item.restoreConflicts)
        ? item.restoreConflicts.map(String)
        : undefined,
    } as EnforcementStateOf<E>;
  }
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

const settingsIn = (item: Item, name: string): WorkgroupSettings | undefined =>
  typeof item[name] === 'object' && item[name] !== null
    ? (item[name] as WorkgroupSettings)
    : undefined;

/**
 * Workgroup budgets: claims under the workgroup's name, states in partition `ENFORCEMENT` with
 * the settings snapshot and each field the enforcer set.
 */
export const WORKGROUP_ENFORCEMENT: StoredEnforcementKind<WorkgroupEnforcement> = {
  subject: 'workgroup',
  actions: THRESHOLD_ACTIONS,
  claimSubject: (workgroup) => workgroup,
  stateKey: TableKeys.enforcement,
  stateType: 'enforcement',
  stateName: 'enforcement state',
  snapshotAttributes: (snapshot) => ({ snapshot }),
  snapshotOf: (item) => item?.snapshot as WorkgroupSettings,
  appliedUpdate: (fields) => {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':active': 'active' };
    const sets = ['#status = :active'];
    for (const [field, attribute] of APPLIED_ATTRIBUTES) {
      const value = fields[field];
      if (value === undefined) continue;
      names[`#${field}`] = attribute;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    return { sets, names, values };
  },
  stateFields: (item) => {
    const snapshot = settingsIn(item, 'snapshot');
    const applied: Record<string, unknown> = {};
    for (const [field, attribute] of APPLIED_ATTRIBUTES) {
      if (item[attribute] !== undefined) applied[field] = item[attribute];
    }
    // Items written before fields were recorded one by one hold the whole settings instead.
    const productSettings =
      Object.keys(applied).length === 0 || snapshot === undefined
        ? settingsIn(item, 'productSettings')
        : settingsWithApplied(snapshot, applied as AppliedFields);
    return { snapshot, productSettings };
  },
};

/**
 * Reservation budgets: claims under `reservation#<name>`, states in partition
 * `ENFORCEMENT#reservation` with the `TargetDpus` before the scale-down and the one it set.
 */
export const RESERVATION_ENFORCEMENT: StoredEnforcementKind<ReservationEnforcement> = {
  subject: 'reservation',
  actions: RESERVATION_THRESHOLD_ACTIONS,
  claimSubject: reservationClaimSubject,
  stateKey: TableKeys.reservationEnforcement,
  stateType: 'reservation-enforcement',
  stateName: 'reservation enforcement state',
  snapshotAttributes: (targetDpus) => ({ snapshotTargetDpus: targetDpus }),
  snapshotOf: (item, describe) => {
    const kept = item?.snapshotTargetDpus;
    if (typeof kept !== 'number') throw new Error(`${describe()} has no target`);
    return kept;
  },
  appliedUpdate: (targetDpus) => ({
    sets: ['productTargetDpus = :target'],
    values: { ':target': targetDpus },
  }),
  stateFields: (item, describe) => {
    if (typeof item.snapshotTargetDpus !== 'number') {
      throw new Error(`${describe()} has no snapshotTargetDpus`);
    }
    return {
      snapshotTargetDpus: item.snapshotTargetDpus,
      productTargetDpus:
        typeof item.productTargetDpus === 'number' ? item.productTargetDpus : undefined,
    };
  },
};

/**
 * Attribution budgets: action records under `attribution#<key>=<value>` (a `#` occurs in no
 * workgroup name, so they never meet a workgroup's). They only notify: no state is ever written.
 */
export const ATTRIBUTION_ENFORCEMENT: StoredEnforcementKind<AttributionEnforcement> = {
  subject: 'attribution',
  actions: ['notify'],
  claimSubject: (attribution) => `attribution#${attribution}`,
  stateKey: (attribution, period, periodKey) => ({
    pk: 'ENFORCEMENT#attribution',
    sk: `${attribution}#${periodKeyAttribute(period, periodKey)}`,
  }),
  stateType: 'attribution-enforcement',
  stateName: 'attribution enforcement state',
  snapshotAttributes: () => ({}),
  snapshotOf: (_item, describe) => {
    throw new Error(`${describe()}: an attribution budget keeps no snapshot`);
  },
  appliedUpdate: () => ({ sets: [], values: {} }),
  stateFields: () => ({}),
};

/** Attribution budgets' notification records. */
export class DynamoDbAttributionEnforcementStore extends DynamoDbSubjectEnforcementStore<AttributionEnforcement> {
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, ATTRIBUTION_ENFORCEMENT);
  }
}

/** How many queries sidestepped the throttle of a workgroup's period: one counting Query. */
const countBypasses = (
  documents: DynamoDBDocumentClient,
  tableName: string,
  key: EnforcementKey,
): Promise<number> =>
  countAll(documents, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: {
      ':pk': TableKeys.bypass(key.workgroup, key.period, key.periodKey, '').pk,
    },
    ConsistentRead: true,
  });

/** Reads a workgroup's recorded actions and throttle bypasses (the daily digest). */
export class DynamoDbEnforcementReader
  extends DynamoDbSubjectEnforcementReader<WorkgroupEnforcement>
  implements Pick<EnforcementStore, 'actions' | 'bypassCount'>
{
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, WORKGROUP_ENFORCEMENT);
  }

  bypassCount(key: EnforcementKey): Promise<number> {
    return countBypasses(this.documents, this.tableName, key);
  }
}

/** Reservation budgets' enforcement records. */
export class DynamoDbReservationEnforcementStore extends DynamoDbSubjectEnforcementStore<ReservationEnforcement> {
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, RESERVATION_ENFORCEMENT);
  }
}

/** Workgroup budgets' enforcement records, with the queries that sidestepped a throttle. */
export class DynamoDbEnforcementStore
  extends DynamoDbSubjectEnforcementStore<WorkgroupEnforcement>
  implements EnforcementStore
{
  constructor(documents: DynamoDBDocumentClient, tableName: string) {
    super(documents, tableName, WORKGROUP_ENFORCEMENT);
  }

  bypassCount(key: EnforcementKey): Promise<number> {
    return countBypasses(this.documents, this.tableName, key);
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
}
