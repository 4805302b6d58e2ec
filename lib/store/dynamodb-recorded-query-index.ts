import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Sleep } from '../async/backoff.js';
import { batchGetAll } from './dynamodb-toolkit.js';
import type { RecordedQuery, RecordedQueryIndex } from './recorded-query-index.js';
import { TableKeys } from './table-keys.js';

const QUERY_KEY_PREFIX = TableKeys.query('').pk;

export interface DynamoDbRecordedQueryIndexOptions {
  readonly sleep?: Sleep;
}

/**
 * Looks query records up with BatchGetItem, 100 keys a call, projecting only the key, the
 * submission and recording times (a record is a few hundred bytes; the projection keeps the read small).
 * Eventually consistent reads: a record written a moment ago that reads as absent is handed to
 * `recordQueries`, whose conditional write finds it recorded and counts nothing twice.
 * Unprocessed keys are asked again with backoff; a lookup that still leaves keys unread throws.
 */
export class DynamoDbRecordedQueryIndex implements RecordedQueryIndex {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoDbRecordedQueryIndexOptions = {},
  ) {}

  async lookup(queryExecutionIds: readonly string[]): Promise<ReadonlyMap<string, RecordedQuery>> {
    const found = new Map<string, RecordedQuery>();
    const items = await batchGetAll(
      this.documents,
      this.tableName,
      queryExecutionIds.map((id) => TableKeys.query(id)),
      {
        what: 'query records',
        projectionExpression: 'pk, submittedAt, recordedAt',
        ...(this.options.sleep === undefined ? {} : { sleep: this.options.sleep }),
      },
    );
    for (const item of items) {
      const pk = String(item.pk);
      // A caller waiting for its query (no recordedAt) is no record: the query must be recorded.
      if (!pk.startsWith(QUERY_KEY_PREFIX) || item.recordedAt === undefined) continue;
      found.set(pk.slice(QUERY_KEY_PREFIX.length), {
        submittedAt: typeof item.submittedAt === 'string' ? item.submittedAt : undefined,
      });
    }
    return found;
  }
}
