import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { MetricsOutbox, OutboxEntry } from '../metrics/metrics-outbox.js';
import type { StatisticSet, UsageDelta } from '../metrics/usage-metrics.js';
import { periodKeyFor } from '../usage/period-keys.js';
import { batchGetAll, conditionalWrite, number, queryAll } from './dynamodb-toolkit.js';
import { INDEX_BY_PERIOD, periodKeyAttribute } from './table-keys.js';

/**
 * The metrics outbox kept on the usage counters: each recording transaction writes its usage
 * deltas as one attribute `outbox_<id>` of one of its month counters, and adds `<id>` to that
 * item's `outboxIds` set, in the same transaction as the counters (no extra action, no extra
 * call). Publishing removes both. The sweep finds leftovers through the `byPeriod` index (which
 * projects `outboxIds`): the month counters of the current and previous month that still have
 * `outboxIds`, whose entries it then reads from the table.
 */
export class DynamoDbMetricsOutbox implements MetricsOutbox {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async leftovers(committedBefore: Date): Promise<OutboxEntry[]> {
    const thisMonth = periodKeyFor('month', committedBefore);
    const previousMonth = periodKeyFor(
      'month',
      new Date(Date.parse(`${thisMonth}-01T00:00:00Z`) - 1),
    );
    const entries: OutboxEntry[] = [];
    for (const month of [previousMonth, thisMonth]) {
      const items = await queryAll(this.documents, {
        TableName: this.tableName,
        IndexName: INDEX_BY_PERIOD,
        KeyConditionExpression: 'periodKey = :periodKey',
        FilterExpression: 'attribute_exists(outboxIds)',
        ExpressionAttributeValues: { ':periodKey': periodKeyAttribute('month', month) },
      });
      // The index holds which counters have entries; the entries are read from the table.
      const holders = await batchGetAll(
        this.documents,
        this.tableName,
        items.map((item) => ({ pk: item.pk, sk: item.sk })),
        { what: 'outbox holders', consistentRead: true },
      );
      for (const item of holders) {
        for (const entry of entriesOf(item)) {
          if (entry.committedAt.getTime() < committedBefore.getTime()) entries.push(entry);
        }
      }
    }
    return entries;
  }

  async markPublished(entries: readonly OutboxEntry[]): Promise<void> {
    const byHolder = new Map<string, OutboxEntry[]>();
    for (const entry of entries) {
      const id = `${entry.holder.pk}\u0000${entry.holder.sk}`;
      byHolder.set(id, [...(byHolder.get(id) ?? []), entry]);
    }
    await mapWithConcurrency([...byHolder.values()], PARALLEL_UPDATES, async (held) => {
      const holder = held[0]?.holder;
      if (holder === undefined) return;
      const names = Object.fromEntries(
        held.map((entry, index) => [`#entry${index}`, attributeOf(entry.id)]),
      );
      // A counter that is gone (condition failed) has nothing left to publish.
      await conditionalWrite(
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: holder.pk, sk: holder.sk },
            UpdateExpression: `REMOVE ${Object.keys(names).join(', ')} DELETE outboxIds :ids`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':ids': new Set(held.map((entry) => entry.id)) },
          }),
        ),
      );
    });
  }
}

const PARALLEL_UPDATES = 4;
const ATTRIBUTE_PREFIX = 'outbox_';
const attributeOf = (id: string): string => `${ATTRIBUTE_PREFIX}${id}`;

/** What a recording transaction adds to the counter update that carries its outbox entry. */
export interface OutboxWrite {
  readonly id: string;
  readonly deltas: readonly UsageDelta[];
  /** Appended to the update's ADD clause. */
  readonly add: string;
  /** Appended to the update's SET clause. */
  readonly set: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** The outbox entry of a transaction, marshalled for its counter update. */
export function outboxWrite(deltas: readonly UsageDelta[], committedAt: Date): OutboxWrite {
  const id = randomUUID().replaceAll('-', '');
  return {
    id,
    deltas,
    add: 'outboxIds :outboxIds',
    set: '#outboxEntry = :outboxEntry',
    names: { '#outboxEntry': attributeOf(id) },
    values: {
      ':outboxIds': { SS: [id] },
      ':outboxEntry': {
        M: {
          committedAt: number(committedAt.getTime()),
          deltas: { L: deltas.map((delta) => ({ M: deltaAttributes(delta) })) },
        },
      },
    },
  };
}

const DELTA_COUNTS = [
  'queries',
  'failedQueries',
  'dpuMillis',
  'dataScannedBytes',
  'costNanoUsd',
] as const satisfies readonly (keyof UsageDelta)[];
const DELTA_STATISTICS = [
  'engineExecutionMs',
  'queueMs',
] as const satisfies readonly (keyof UsageDelta)[];

function deltaAttributes(delta: UsageDelta): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = { workgroup: { S: delta.workgroup } };
  for (const name of DELTA_COUNTS) attributes[name] = number(delta[name]);
  for (const name of DELTA_STATISTICS) {
    const set = delta[name];
    attributes[name] = { L: [set.sampleCount, set.sum, set.minimum, set.maximum].map(number) };
  }
  return attributes;
}

/** The outbox entries an item holds; an entry that does not read as one is skipped. */
function entriesOf(item: Record<string, unknown>): OutboxEntry[] {
  const holder = { pk: String(item.pk), sk: String(item.sk) };
  const entries: OutboxEntry[] = [];
  for (const [attribute, value] of Object.entries(item)) {
    if (!attribute.startsWith(ATTRIBUTE_PREFIX) || !isRecord(value)) continue;
    const committedAt = value.committedAt;
    const deltas = Array.isArray(value.deltas) ? value.deltas.map(deltaOf) : [];
    if (typeof committedAt !== 'number' || deltas.some((delta) => delta === undefined)) continue;
    entries.push({
      id: attribute.slice(ATTRIBUTE_PREFIX.length),
      committedAt: new Date(committedAt),
      deltas: deltas as UsageDelta[],
      holder,
    });
  }
  return entries;
}

function deltaOf(value: unknown): UsageDelta | undefined {
  if (!isRecord(value) || typeof value.workgroup !== 'string') return undefined;
  const counts: Record<string, number> = {};
  for (const name of DELTA_COUNTS) {
    const count = value[name];
    if (typeof count !== 'number') return undefined;
    counts[name] = count;
  }
  const statistics: Record<string, StatisticSet> = {};
  for (const name of DELTA_STATISTICS) {
    const list = value[name];
    if (!Array.isArray(list) || list.length !== 4 || !list.every((n) => typeof n === 'number'))
      return undefined;
    const [sampleCount, sum, minimum, maximum] = list as number[];
    statistics[name] = {
      sampleCount: sampleCount ?? 0,
      sum: sum ?? 0,
      minimum: minimum ?? 0,
      maximum: maximum ?? 0,
    };
  }
  return { workgroup: value.workgroup, ...counts, ...statistics } as unknown as UsageDelta;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
