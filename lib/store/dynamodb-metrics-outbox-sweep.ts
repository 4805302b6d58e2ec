import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MetricsOutbox, OutboxEntry } from '../metrics/metrics-outbox.js';
import type { StatisticSet, UsageDelta } from '../metrics/usage-metrics.js';
import { periodKeyFor } from '../usage/period-keys.js';
import {
  DELTA_COUNTS,
  DELTA_STATISTICS,
  DynamoDbOutboxMarker,
  OUTBOX_ATTRIBUTE_PREFIX,
} from './dynamodb-metrics-outbox.js';
import { batchGetAll, queryAll } from './dynamodb-toolkit.js';
import { INDEX_BY_PERIOD, periodKeyAttribute } from './table-keys.js';

/**
 * The metrics outbox as the sweep sees it: finds leftovers through the `byPeriod` index (which
 * projects `outboxIds`) — the month counters of the current and previous month that still have
 * `outboxIds` — and reads their entries from the table.
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

  markPublished(entries: readonly OutboxEntry[]): Promise<void> {
    return this.marker.markPublished(entries);
  }
}

/** The outbox entries an item holds; an entry that does not read as one is skipped. */
function entriesOf(item: Record<string, unknown>): OutboxEntry[] {
  const holder = { pk: String(item.pk), sk: String(item.sk) };
  const entries: OutboxEntry[] = [];
  for (const [attribute, value] of Object.entries(item)) {
    if (!attribute.startsWith(OUTBOX_ATTRIBUTE_PREFIX) || !isRecord(value)) continue;
    const committedAt = value.committedAt;
    const deltas = Array.isArray(value.deltas) ? value.deltas.map(deltaOf) : [];
    if (typeof committedAt !== 'number' || deltas.some((delta) => delta === undefined)) continue;
    entries.push({
      id: attribute.slice(OUTBOX_ATTRIBUTE_PREFIX.length),
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
