import {
  type AttributeValue,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { backoffMs, type Sleep, sleep } from '../async/backoff.js';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import { describeError } from '../errors/describe-error.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import { usageDeltasOf } from '../metrics/usage-metrics.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { totalsOf, type UsageTotals } from '../usage/usage-totals.js';
import {
  type AttributionPlan,
  AttributionValueCap,
  DEFAULT_ATTRIBUTION_VALUES_PER_DAY,
  type RegistryAddition,
} from './attribution-cap.js';
import { outboxWrite } from './dynamodb-metrics-outbox.js';
import { number } from './dynamodb-toolkit.js';
import type { QueryRecordStore, RecordingOutcome } from './query-record-store.js';
import { RecentlyRecorded } from './recently-recorded.js';
import {
  ATTRIBUTION_COUNTER_UPDATE,
  ATTRIBUTION_VALUES_UPDATE,
  periodKeyAttribute,
  TableKeys,
  USAGE_COUNTER_UPDATE,
  workgroupDayAttribute,
} from './table-keys.js';
import {
  attributionCountersOf,
  countersOf,
  packTransactions,
  sequencesOf,
} from './transaction-packing.js';

/** Attempts per transaction when other writers hold the same counter items. */
const MAX_TRANSACTION_ATTEMPTS = 6;
/** Independent transactions (no counter in common) written in parallel. */
const PARALLEL_TRANSACTIONS = 4;
const DAY_SECONDS = 86_400;
/** A day's registry of attribution values is kept this long (a month's counters are done by then). */
const ATTRIBUTION_VALUES_TTL_DAYS = 40;

export interface DynamoDbQueryRecordStoreOptions {
  readonly tableName: string;
  readonly queryRecordTtlDays: number;
  /** Distinct values per attribution key, workgroup and day; more go to `(other)`. */
  readonly attributionValuesPerDay?: number;
  readonly now?: () => Date;
  readonly sleep?: Sleep;
}

/**
 * Records queries with as few transactions as DynamoDB's 100 actions allow: a conditional put
 * per new query record plus one ADD per counter item the transaction's queries fall in (their
 * workgroup's day, week and month), with those queries' totals. Queries of several workgroups
 * share a transaction, so a batch of 100 costs two TransactWriteItems calls whatever the number
 * of workgroups. A put whose record exists cancels the transaction; it is retried without the
 * records the cancellation reasons name, so a redelivered query is never counted twice. Ids this
 * instance has already seen recorded skip the transaction altogether.
 */
export class DynamoDbQueryRecordStore implements QueryRecordStore {
  private readonly now: () => Date;
  private readonly sleep: Sleep;
  /** Ids seen recorded by this instance: their duplicates skip the table (see RecentlyRecorded). */
  private readonly recent = new RecentlyRecorded();
  private readonly attributionCap: AttributionValueCap;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbQueryRecordStoreOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleep;
    this.attributionCap = new AttributionValueCap(
      options.attributionValuesPerDay ?? DEFAULT_ATTRIBUTION_VALUES_PER_DAY,
    );
  }

  async recordQueries(usages: readonly QueryUsage[]): Promise<RecordingOutcome> {
    const known = usages.filter((usage) => this.recent.has(usage.queryExecutionId));
    const unknown = usages.filter((usage) => !this.recent.has(usage.queryExecutionId));
    // Transactions sharing a counter item would conflict with each other: they go in sequence.
    const outcomes = await mapWithConcurrency(
      sequencesOf(packTransactions(unknown)),
      PARALLEL_TRANSACTIONS,
      async (sequence) => {
        const results: RecordingOutcome[] = [];
        for (const transaction of sequence) results.push(await this.recordGroup(transaction));
        return results;
      },
    );
    const flat = outcomes.flat();
    const recorded = flat.flatMap((outcome) => outcome.recorded);
    const alreadyRecorded = [...known, ...flat.flatMap((outcome) => outcome.alreadyRecorded)];
    this.recent.add([...recorded, ...alreadyRecorded].map((usage) => usage.queryExecutionId));
    return {
      recorded,
      alreadyRecorded,
      failed: flat.flatMap((outcome) => outcome.failed),
      outbox: flat.flatMap((outcome) => outcome.outbox),
    };
  }

  /** Records queries in one transaction (at most 100 actions, counters included). */
  private async recordGroup(group: readonly QueryUsage[]): Promise<RecordingOutcome> {
    let pending = [...group];
    const alreadyRecorded: QueryUsage[] = [];
    let lastError = '';
    for (let attempt = 1; attempt <= MAX_TRANSACTION_ATTEMPTS && pending.length > 0; attempt++) {
      const plan = this.attributionCap.plan(pending);
      const { items, additionsFrom, outbox } = this.transactionFor(pending, plan);
      try {
        await this.documents.send(new TransactWriteItemsCommand({ TransactItems: items }));
        this.attributionCap.committed(plan);
        return { recorded: pending, alreadyRecorded, failed: [], outbox: [outbox] };
      } catch (error) {
        lastError = describeError(error);
        if (!(error instanceof TransactionCanceledException)) break;
        const reasons = error.CancellationReasons ?? [];
        const fullRegistries = plan.additions.filter(
          (_, index) => reasons[additionsFrom + index]?.Code === 'ConditionalCheckFailed',
        );
        // Another writer filled a registry: learn its values, then count past the cap as (other).
        if (fullRegistries.length > 0) await this.learnRegistries(fullRegistries);
        const existing = pending.filter(
          (_, index) => reasons[index]?.Code === 'ConditionalCheckFailed',
        );
        const onlyConditions = reasons.every(
          (reason) => reason.Code === 'None' || reason.Code === 'ConditionalCheckFailed',
        );
        if (existing.length > 0) {
          alreadyRecorded.push(...existing);
          pending = pending.filter((usage) => !existing.includes(usage));
          // Only the duplicates spoiled this attempt: go again at once without them.
          if (onlyConditions) {
            attempt--;
            continue;
          }
        }
        // A full registry, now learnt: go again at once (an attempt spent, so this ends).
        if (fullRegistries.length > 0 && onlyConditions) continue;
        // Conflicts with another writer of the same counters, or throttling: back off and retry.
        await this.sleep(backoffMs(attempt));
      }
    }
    if (pending.length === 0) return { recorded: [], alreadyRecorded, failed: [], outbox: [] };
    return {
      recorded: [],
      alreadyRecorded,
      failed: pending.map((usage) => ({
        usage,
        reason: `DynamoDB transaction failed: ${lastError}`,
      })),
      outbox: [],
    };
  }

  /** Reads registries whose condition failed, so the next plan sees what they hold. */
  private async learnRegistries(additions: readonly RegistryAddition[]): Promise<void> {
    for (const addition of additions) {
      try {
        const output = await this.documents.send(
          new GetCommand({
            TableName: this.options.tableName,
            Key: TableKeys.attributionValues(addition.workgroup, addition.key, addition.day),
            ConsistentRead: true,
          }),
        );
        const values: unknown = output.Item?.values;
        if (values instanceof Set)
          this.attributionCap.learn(
            addition.id,
            [...values].filter((value): value is string => typeof value === 'string'),
          );
      } catch {
        // The retry's backoff and the next attempt's cancellation cover a failed read.
      }
    }
  }

  /**
   * The transaction's actions, marshalled here rather than by the document client: for 100
   * queries the generic marshalling (object spreads, then convertToAttr) cost more CPU than
   * everything else the batch does with them. The transaction's usage deltas (its outbox entry)
   * ride on its latest month counter, so they commit with the counters at no extra action.
   */
  private transactionFor(
    group: readonly QueryUsage[],
    plan: AttributionPlan,
  ): {
    readonly items: TransactWriteItem[];
    readonly additionsFrom: number;
    readonly outbox: OutboxEntry;
  } {
    if (group.length === 0) throw new Error('transactionFor: empty group');
    const now = this.now();
    const nowIso = string(now.toISOString());
    const expiresAt = number(
      Math.floor(now.getTime() / 1000) + this.options.queryRecordTtlDays * DAY_SECONDS,
    );
    const tableName = this.options.tableName;
    const puts = group.map(
      (usage): TransactWriteItem => ({
        Put: {
          TableName: tableName,
          Item: queryRecordItem(usage, nowIso, expiresAt),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      }),
    );
    const update = updateIn(tableName);
    const shares = [...countersOf(group).values()];
    // The transaction's usage deltas (its outbox entry) ride on its latest month counter: they
    // commit with the counters at no extra action. That update also ADDs the entry's id and
    // SETs the entry.
    const holder = shares
      .filter((share) => share.period === 'month')
      .reduce((latest, share) => (share.key > latest.key ? share : latest));
    const write = outboxWrite(usageDeltasOf(group), now);
    const carrying = {
      UpdateExpression: `${USAGE_COUNTER_UPDATE.UpdateExpression.replace(' SET ', `, ${write.add} SET `)}, ${write.set}`,
      ExpressionAttributeNames: {
        ...USAGE_COUNTER_UPDATE.ExpressionAttributeNames,
        ...write.names,
      },
    };
    const counters = shares.map((share) =>
      update(
        TableKeys.usage(share.workgroup, share.period, share.key),
        share === holder ? carrying : USAGE_COUNTER_UPDATE,
        {
          ...(share === holder ? write.values : {}),
          ...totalValues(totalsOf(share.usages)),
          ':type': string('usage'),
          ':workgroup': string(share.workgroup),
          ':period': string(share.period),
          ':periodKey': string(periodKeyAttribute(share.period, share.key)),
          ':now': nowIso,
        },
      ),
    );
    const attributionCounters = [...attributionCountersOf(group, plan.countedValue).values()].map(
      ({ workgroup, key, value, period, periodKey, usages }) =>
        update(
          TableKeys.attribution(key, period, periodKey, workgroup, value),
          ATTRIBUTION_COUNTER_UPDATE,
          {
            ...totalValues(totalsOf(usages)),
            ':type': string('attribution'),
            ':workgroup': string(workgroup),
            ':key': string(key),
            ':value': string(value),
            ':period': string(period),
            ':now': nowIso,
          },
        ),
    );
    const registryExpiresAt = number(
      Math.floor(now.getTime() / 1000) + ATTRIBUTION_VALUES_TTL_DAYS * DAY_SECONDS,
    );
    const additions = plan.additions.map((addition) =>
      update(
        TableKeys.attributionValues(addition.workgroup, addition.key, addition.day),
        ATTRIBUTION_VALUES_UPDATE,
        {
          ':values': { SS: [...addition.values] },
          ':maxBefore': number(addition.maxSizeBefore),
          ':expiresAt': registryExpiresAt,
        },
      ),
    );
    const items = [...puts, ...counters, ...attributionCounters];
    return {
      items: [...items, ...additions],
      additionsFrom: items.length,
      outbox: {
        id: write.id,
        committedAt: now,
        deltas: write.deltas,
        holder: TableKeys.usage(holder.workgroup, holder.period, holder.key),
      },
    };
  }
}

const string = (value: string): AttributeValue => ({ S: value });

/** An Update action on one item of the table, with one of the table-keys expressions. */
const updateIn =
  (tableName: string) =>
  (
    key: { readonly pk: string; readonly sk: string },
    expression: {
      readonly UpdateExpression: string;
      readonly ExpressionAttributeNames: Record<string, string>;
      readonly ConditionExpression?: string;
    },
    values: Record<string, AttributeValue>,
  ): TransactWriteItem => ({
    Update: {
      TableName: tableName,
      Key: { pk: string(key.pk), sk: string(key.sk) },
      ...expression,
      ExpressionAttributeValues: values,
    },
  });

/** The ADD values of a counter update (usage or attribution). */
const totalValues = (totals: UsageTotals): Record<string, AttributeValue> => ({
  ':queries': number(totals.queries),
  ':failed': number(totals.failedQueries),
  ':dpuMillis': number(totals.dpuMillis),
  ':bytes': number(totals.dataScannedBytes),
  ':cost': number(totals.costNanoUsd),
  ':engineMs': number(totals.engineExecutionMs),
});

/**
 * How each usage field is stored on the query record. Typed against QueryUsage, so a field added
 * there cannot be forgotten here (`periods` is stored as `day` and `workgroupDay`).
 */
const RECORD_FIELDS = {
  queryExecutionId: 'S',
  workgroup: 'S',
  state: 'S',
  statementType: 'S',
  submittedAt: 'S',
  completedAt: 'S',
  dpuCount: 'N',
  engineExecutionMs: 'N',
  queueMs: 'N',
  planningMs: 'N',
  totalExecutionMs: 'N',
  dataScannedBytes: 'N',
  dpuMillis: 'N',
  dpuHours: 'N',
  costNanoUsd: 'N',
  costUsd: 'N',
  errorType: 'S',
} as const satisfies Record<Exclude<keyof QueryUsage, 'periods' | 'attribution'>, 'S' | 'N'>;
const RECORD_FIELD_ENTRIES = Object.entries(RECORD_FIELDS) as [
  keyof typeof RECORD_FIELDS,
  'S' | 'N',
][];

/** The query record: keys, every usage field (null as NULL, undefined left out), day and TTL. */
function queryRecordItem(
  usage: QueryUsage,
  recordedAt: AttributeValue,
  expiresAt: AttributeValue,
): Record<string, AttributeValue> {
  const keys = TableKeys.query(usage.queryExecutionId);
  const item: Record<string, AttributeValue> = {
    pk: string(keys.pk),
    sk: string(keys.sk),
    type: string('query'),
  };
  for (const [field, type] of RECORD_FIELD_ENTRIES) {
    const value = usage[field];
    if (value === undefined) continue;
    if (value === null) item[field] = { NULL: true };
    else item[field] = type === 'S' ? string(String(value)) : number(Number(value));
  }
  // What the query is attributed to, never its SQL text.
  const { tags, ...named } = usage.attribution;
  for (const [field, value] of Object.entries(named))
    if (value !== undefined) item[field] = string(value);
  if (Object.keys(tags).length > 0)
    item.tags = {
      M: Object.fromEntries(Object.entries(tags).map(([key, value]) => [key, string(value)])),
    };
  item.day = string(usage.periods.day);
  item.workgroupDay = string(workgroupDayAttribute(usage.workgroup, usage.periods.day));
  item.recordedAt = recordedAt;
  item.expiresAt = expiresAt;
  return item;
}
