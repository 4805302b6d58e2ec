import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk } from '../async/map-with-concurrency.js';
import type { RecordedQuery, RecordedQueryIndex } from './recorded-query-index.js';
import { TableKeys } from './table-keys.js';

/** BatchGetItem takes at most 100 keys. */
export const MAX_KEYS_PER_BATCH_GET_ITEM = 100;
const MAX_UNPROCESSED_ROUNDS = 6;
const QUERY_KEY_PREFIX = TableKeys.query('').pk;

export interface DynamoDbRecordedQueryIndexOptions {
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Looks query records up with BatchGetItem, 100 keys a call, projecting only the key and the
 * submission time (a record is a few hundred bytes; the projection keeps the read small).
 * Eventually consistent reads: a record written a moment ago that reads as absent is handed to
 * `recordQueries`, whose conditional write finds it recorded and counts nothing twice.
 * Unprocessed keys are asked again with backoff; a lookup that still leaves keys unread throws.
 */
export class DynamoDbRecordedQueryIndex implements RecordedQueryIndex {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbRecordedQueryIndexOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async lookup(queryExecutionIds: readonly string[]): Promise<ReadonlyMap<string, RecordedQuery>> {
    const found = new Map<string, RecordedQuery>();
    // BatchGetItem rejects a request that names the same key twice.
    const ids = [...new Set(queryExecutionIds)];
    for (const part of chunk(ids, MAX_KEYS_PER_BATCH_GET_ITEM)) {
      let keys: Record<string, unknown>[] = part.map((id) => TableKeys.query(id));
      for (let round = 0; keys.length > 0; round++) {
        if (round === MAX_UNPROCESSED_ROUNDS) {
          throw new Error(`BatchGetItem left ${keys.length} query records unread`);
        }
        if (round > 0) await this.sleep(Math.random() * Math.min(1_000, 50 * 2 ** round));
        const output = await this.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression: 'pk, submittedAt',
              },
            },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const pk = String(item.pk);
          if (!pk.startsWith(QUERY_KEY_PREFIX)) continue;
          found.set(pk.slice(QUERY_KEY_PREFIX.length), {
            submittedAt: typeof item.submittedAt === 'string' ? item.submittedAt : undefined,
          });
        }
        keys = (output.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }
}
