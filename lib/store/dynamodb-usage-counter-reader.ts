import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import { batchGetAll } from './dynamodb-toolkit.js';
import { TableKeys } from './table-keys.js';
import { type CounterKey, counterId, type UsageCounterReader } from './usage-counter-reader.js';

/** Reads counters with strongly consistent BatchGetItem, so a batch sees its own additions. */
export class DynamoDbUsageCounterReader implements UsageCounterReader {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async totalsFor(keys: readonly CounterKey[]): Promise<ReadonlyMap<string, UsageTotals>> {
    return sumCounterItems(
      this.documents,
      this.tableName,
      'usage counters',
      keys.map((key) => ({
        id: counterId(key),
        itemKeys: [TableKeys.usage(key.workgroup, key.period, key.periodKey)],
      })),
    );
  }
}

/**
 * The totals of counter items summed per id (an attribution value's over its workgroups), each
 * id zero until an item of its is read. Strongly consistent BatchGetItem, so that a batch sees
 * its own additions.
 */
export async function sumCounterItems(
  documents: DynamoDBDocumentClient,
  tableName: string,
  what: string,
  counters: readonly {
    readonly id: string;
    readonly itemKeys: readonly { readonly pk: string; readonly sk: string }[];
  }[],
): Promise<Map<string, UsageTotals>> {
  const totals = new Map<string, UsageTotals>();
  const idByItemKey = new Map<string, string>();
  for (const { id, itemKeys } of counters) {
    totals.set(id, ZERO_TOTALS);
    for (const itemKey of itemKeys) idByItemKey.set(`${itemKey.pk}|${itemKey.sk}`, id);
  }
  const itemKeys = counters.flatMap((counter) => counter.itemKeys);
  const items = await batchGetAll(documents, tableName, itemKeys, { what, consistentRead: true });
  for (const item of items) {
    const id = idByItemKey.get(`${String(item.pk)}|${String(item.sk)}`);
    if (id !== undefined)
      totals.set(id, addTotals(totals.get(id) ?? ZERO_TOTALS, totalsFromItem(item)));
  }
  return totals;
}

/** Reads the integer counters of a usage item, treating a missing attribute as zero. */
export function totalsFromItem(item: Record<string, unknown>): UsageTotals {
  const number = (name: keyof UsageTotals) => {
    const value = item[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  return {
    queries: number('queries'),
    failedQueries: number('failedQueries'),
    dpuMillis: number('dpuMillis'),
    dataScannedBytes: number('dataScannedBytes'),
    costNanoUsd: number('costNanoUsd'),
    engineExecutionMs: number('engineExecutionMs'),
  };
}
