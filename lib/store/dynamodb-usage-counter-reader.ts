import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk } from '../async/map-with-concurrency.js';
import { type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import { TableKeys } from './table-keys.js';
import { type CounterKey, counterId, type UsageCounterReader } from './usage-counter-reader.js';

/** BatchGetItem takes at most 100 keys. */
const MAX_KEYS_PER_BATCH_GET = 100;
const MAX_UNPROCESSED_ROUNDS = 5;

/** Reads counters with strongly consistent BatchGetItem, so a batch sees its own additions. */
export class DynamoDbUsageCounterReader implements UsageCounterReader {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async totalsFor(keys: readonly CounterKey[]): Promise<ReadonlyMap<string, UsageTotals>> {
    const totals = new Map<string, UsageTotals>();
    for (const key of keys) totals.set(counterId(key), ZERO_TOTALS);
    for (const part of chunk(keys, MAX_KEYS_PER_BATCH_GET)) {
      const idByItemKey = new Map<string, string>();
      let request: Record<string, unknown>[] = part.map((key) => {
        const itemKey = TableKeys.usage(key.workgroup, key.period, key.periodKey);
        idByItemKey.set(`${itemKey.pk}|${itemKey.sk}`, counterId(key));
        return itemKey;
      });
      for (let round = 0; request.length > 0; round++) {
        if (round === MAX_UNPROCESSED_ROUNDS) {
          throw new Error(`BatchGetItem left ${request.length} usage counters unread`);
        }
        const output = await this.documents.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: true } },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const id = idByItemKey.get(`${String(item.pk)}|${String(item.sk)}`);
          if (id !== undefined) totals.set(id, totalsFromItem(item));
        }
        request = (output.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<
          string,
          unknown
        >[];
      }
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
