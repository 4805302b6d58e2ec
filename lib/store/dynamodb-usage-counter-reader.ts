import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
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
    const totals = new Map<string, UsageTotals>();
    const idByItemKey = new Map<string, string>();
    const itemKeys = keys.map((key) => {
      const itemKey = TableKeys.usage(key.workgroup, key.period, key.periodKey);
      idByItemKey.set(`${itemKey.pk}|${itemKey.sk}`, counterId(key));
      totals.set(counterId(key), ZERO_TOTALS);
      return itemKey;
    });
    const items = await batchGetAll(this.documents, this.tableName, itemKeys, {
      what: 'usage counters',
      consistentRead: true,
    });
    for (const item of items) {
      const id = idByItemKey.get(`${String(item.pk)}|${String(item.sk)}`);
      if (id !== undefined) totals.set(id, totalsFromItem(item));
    }
    return totals;
  }
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
