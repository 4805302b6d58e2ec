import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MetricsOutbox, OutboxCount, OutboxEntry } from '../metrics/metrics-outbox.js';
import type { PrincipalDelta } from '../metrics/principal-metrics.js';
import type { StatisticSet, UsageDelta } from '../metrics/usage-metrics.js';
import { DELTA_COUNTS, DELTA_STATISTICS, DynamoDbOutboxMarker } from './dynamodb-metrics-outbox.js';
import { queryAll } from './dynamodb-toolkit.js';
import { OUTBOX_PARTITIONS, outboxPartition } from './table-keys.js';

/**
 * The metrics outbox as the sweep sees it: the entries of each outbox partition committed before
 * a time, one Query per partition (sort keys are commit times). Kept apart from the marker so
 * that the recording functions' bundles hold no Query of the outbox.
 */
export class DynamoDbMetricsOutbox implements MetricsOutbox {
  private readonly marker: DynamoDbOutboxMarker;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.marker = new DynamoDbOutboxMarker(documents, tableName);
  }

  async leftovers(committedBefore: Date): Promise<OutboxEntry[]> {
    const entries: OutboxEntry[] = [];
    for (let index = 0; index < OUTBOX_PARTITIONS; index++) {
      const items = await queryAll(this.documents, {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk < :before',
        ExpressionAttributeValues: {
          ':pk': outboxPartition(index),
          ':before': committedBefore.toISOString(),
        },
        ConsistentRead: true,
      });
      for (const item of items) {
        const entry = entryOf(item);
        if (entry !== undefined) entries.push(entry);
      }
    }
    return entries;
  }

  markPublished(entries: readonly OutboxEntry[]): Promise<void> {
    return this.marker.markPublished(entries);
  }
}

/** The outbox entry an item holds; an item that does not read as one is skipped. */
function entryOf(item: Record<string, unknown>): OutboxEntry | undefined {
  const { pk, sk, committedAt } = item;
  if (typeof pk !== 'string' || typeof sk !== 'string' || typeof committedAt !== 'number')
    return undefined;
  const deltas = Array.isArray(item.deltas) ? item.deltas.map(deltaOf) : [undefined];
  const counts = Array.isArray(item.counts) ? item.counts.map(countOf) : [];
  const principals = Array.isArray(item.principals) ? item.principals.map(principalOf) : [];
  if (
    deltas.some((delta) => delta === undefined) ||
    counts.some((count) => count === undefined) ||
    principals.some((delta) => delta === undefined)
  )
    return undefined;
  return {
    id: sk.slice(sk.lastIndexOf('#') + 1),
    committedAt: new Date(committedAt),
    deltas: deltas as UsageDelta[],
    counts: counts as OutboxCount[],
    ...(principals.length > 0 ? { principals: principals as PrincipalDelta[] } : {}),
    key: { pk, sk },
  };
}

function principalOf(value: unknown): PrincipalDelta | undefined {
  if (!isRecord(value)) return undefined;
  const { principal, dpuMillis, costNanoUsd } = value;
  return typeof principal === 'string' &&
    typeof dpuMillis === 'number' &&
    typeof costNanoUsd === 'number'
    ? { principal, dpuMillis, costNanoUsd }
    : undefined;
}

function countOf(value: unknown): OutboxCount | undefined {
  if (!isRecord(value)) return undefined;
  const { name, workgroup, value: count } = value;
  if (name !== 'ThrottleBypassedQueries' || typeof workgroup !== 'string') return undefined;
  return typeof count === 'number' ? { name, workgroup, value: count } : undefined;
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
