import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoffMs, sleep as realSleep, type Sleep } from '../async/backoff.js';
import { chunk } from '../async/map-with-concurrency.js';

/** An item or a key as the document client reads and writes them. */
export type Item = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys. */
export const MAX_KEYS_PER_BATCH_GET = 100;
/**
 * Calls per batch before keys DynamoDB keeps leaving unprocessed are an error: with the
 * backoff below, about two seconds of a throttled table.
 */
const MAX_BATCH_ROUNDS = 8;

/** Every item of one partition, read strongly consistent (budgets, reconcile states). */
export const queryPartition = (
  documents: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
): Promise<Item[]> =>
  queryAll(documents, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ConsistentRead: true,
  });

/** Runs a Query to its last page and returns every item: for small partitions read whole. */
export async function queryAll(
  documents: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const output = await documents.send(
      new QueryCommand({
        ...input,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** Runs a counting Query (`Select: 'COUNT'`) to its last page and returns the count. */
export async function countAll(
  documents: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Select'>,
): Promise<number> {
  let count = 0;
  let startKey: Item | undefined;
  do {
    const output = await documents.send(
      new QueryCommand({
        ...input,
        Select: 'COUNT',
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    count += output.Count ?? 0;
    startKey = output.LastEvaluatedKey;
  } while (startKey !== undefined);
  return count;
}

export interface BatchGetAllOptions {
  /** What the keys name, for the error when some stay unread ("usage counters"). */
  readonly what: string;
  /** Strongly consistent reads, for a caller that must see its own writes. */
  readonly consistentRead?: boolean;
  readonly projectionExpression?: string;
  readonly sleep?: Sleep;
}

/**
 * Reads the items of `keys` with BatchGetItem, 100 distinct keys a call (it rejects a request
 * that names a key twice, so repeated keys are asked once). Keys
 * DynamoDB leaves unprocessed (throttling, the 16 MB response limit) are asked again after a
 * full-jitter backoff; keys still unread after a few rounds throw, since an item silently left
 * out would read as absent. Items come back in no particular order; absent keys have none.
 */
export async function batchGetAll(
  documents: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  options: BatchGetAllOptions,
): Promise<Item[]> {
  const wait = options.sleep ?? realSleep;
  const items: Item[] = [];
  const distinct = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
  for (const part of chunk(distinct, MAX_KEYS_PER_BATCH_GET)) {
    let request: Item[] = [...part];
    for (let round = 0; request.length > 0; round++) {
      if (round === MAX_BATCH_ROUNDS) {
        throw new Error(`BatchGetItem left ${request.length} ${options.what} unread`);
      }
      if (round > 0) await wait(backoffMs(round));
      const output = await documents.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: request,
              ...(options.consistentRead === true ? { ConsistentRead: true } : {}),
              ...(options.projectionExpression === undefined
                ? {}
                : { ProjectionExpression: options.projectionExpression }),
            },
          },
        }),
      );
      items.push(...(output.Responses?.[tableName] ?? []));
      request = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
    }
  }
  return items;
}

/** BatchWriteItem takes at most 25 requests. */
const MAX_REQUESTS_PER_BATCH_WRITE = 25;

/**
 * Deletes the items of `keys` with BatchWriteItem, 25 a call; requests DynamoDB leaves
 * unprocessed are sent again after a full-jitter backoff, and throw after a few rounds. Deleting
 * an absent item succeeds.
 */
export async function batchDeleteAll(
  documents: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
  options: { readonly what: string; readonly sleep?: Sleep },
): Promise<void> {
  const wait = options.sleep ?? realSleep;
  const distinct = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
  for (const part of chunk(distinct, MAX_REQUESTS_PER_BATCH_WRITE)) {
    let requests = part.map((key) => ({ DeleteRequest: { Key: key } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round === MAX_BATCH_ROUNDS) {
        throw new Error(`BatchWriteItem left ${requests.length} ${options.what} not deleted`);
      }
      if (round > 0) await wait(backoffMs(round));
      const output = await documents.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (output.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key === undefined
          ? []
          : [{ DeleteRequest: { Key: request.DeleteRequest.Key } }],
      );
    }
  }
}

/** Whether a write failed only because its condition did not hold (not a fault to retry). */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException;

/**
 * Awaits a conditional write: true when it was made, false when its condition did not hold
 * (someone else's claim, a version moved on); any other failure is thrown.
 */
export async function conditionalWrite(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
/**
 * Awaits a transaction whose first action is a conditional write: true when it committed, false
 * when that condition did not hold (another writer moved the item on); any other failure,
 * conflicts included, is thrown.
 */
export async function transactionUnlessFirstConditionFails(
  write: Promise<unknown>,
): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
    )
      return false;
    throw error;
  }
}

/** A number attribute, refusing what DynamoDB cannot store exactly (NaN, Infinity). */
export const number = (value: number): AttributeValue => {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return { N: String(value) };
};
