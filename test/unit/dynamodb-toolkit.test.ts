import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { backoffMs } from '../../lib/async/backoff.js';
import {
  batchGetAll,
  type Item,
  isConditionalCheckFailed,
  queryAll,
} from '../../lib/store/dynamodb-toolkit.js';

const documentsMock = mockClient(DynamoDBDocumentClient);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'athena-cost';
const keys = (count: number): Item[] =>
  Array.from({ length: count }, (_, index) => ({ pk: `QUERY#${index}`, sk: 'QUERY' }));
const keysOf = (input: unknown): Item[] =>
  (input as { RequestItems: Record<string, { Keys: Item[] }> }).RequestItems[TABLE]?.Keys ?? [];

describe('batchGetAll', () => {
  beforeEach(() => documentsMock.reset());

  it('asks for 100 distinct keys a call and returns every item found', async () => {
    // Prepare: every key found, except one absent item.
    documentsMock.on(BatchGetCommand).callsFake((input) => ({
      Responses: { [TABLE]: keysOf(input).filter((key) => key.pk !== 'QUERY#7') },
    }));
    const requested = [...keys(250), ...keys(3)]; // three keys named twice
    // Act
    const items = await batchGetAll(documents, TABLE, requested, { what: 'query records' });
    // Assess
    const sizes = documentsMock.commandCalls(BatchGetCommand).map((c) => keysOf(c.args[0].input));
    expect(sizes.map((part) => part.length)).toEqual([100, 100, 50]);
    expect(items).toHaveLength(249);
  });

  it('asks again for unprocessed keys after a backoff', async () => {
    // Prepare
    const waits: number[] = [];
    documentsMock
      .on(BatchGetCommand)
      .callsFakeOnce((input) => ({
        Responses: { [TABLE]: keysOf(input).slice(0, 60) },
        UnprocessedKeys: { [TABLE]: { Keys: keysOf(input).slice(60) } },
      }))
      .callsFake((input) => ({ Responses: { [TABLE]: keysOf(input) } }));
    // Act
    const items = await batchGetAll(documents, TABLE, keys(100), {
      what: 'usage counters',
      consistentRead: true,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    // Assess
    const calls = documentsMock.commandCalls(BatchGetCommand);
    expect(calls.map((call) => keysOf(call.args[0].input).length)).toEqual([100, 40]);
    expect(calls[1]?.args[0].input.RequestItems?.[TABLE]?.ConsistentRead).toBe(true);
    expect(items).toHaveLength(100);
    expect(waits).toHaveLength(1);
  });

  it('throws, naming what stays unread, rather than return a partial answer', async () => {
    // Prepare: DynamoDB never gets to the last key.
    documentsMock.on(BatchGetCommand).callsFake((input) => ({
      Responses: { [TABLE]: keysOf(input).slice(0, -1) },
      UnprocessedKeys: { [TABLE]: { Keys: keysOf(input).slice(-1) } },
    }));
    // Act
    const reading = batchGetAll(documents, TABLE, keys(5), {
      what: 'usage counters',
      sleep: async () => {},
    });
    // Assess
    await expect(reading).rejects.toThrow('BatchGetItem left 1 usage counters unread');
    expect(documentsMock.commandCalls(BatchGetCommand).length).toBeGreaterThan(2);
  });
});

describe('queryAll', () => {
  beforeEach(() => documentsMock.reset());

  it('follows LastEvaluatedKey to the last page', async () => {
    // Prepare
    documentsMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }], LastEvaluatedKey: { pk: 'a' } })
      .resolvesOnce({ Items: [{ n: 2 }], LastEvaluatedKey: { pk: 'b' } })
      .resolvesOnce({ Items: [{ n: 3 }] });
    // Act
    const items = await queryAll(documents, {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :p',
    });
    // Assess
    expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const starts = documentsMock
      .commandCalls(QueryCommand)
      .map((call) => call.args[0].input.ExclusiveStartKey);
    expect(starts).toEqual([undefined, { pk: 'a' }, { pk: 'b' }]);
  });
});

describe('isConditionalCheckFailed', () => {
  it("recognises the SDK's ConditionalCheckFailedException and nothing else", () => {
    const failed = new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    expect(isConditionalCheckFailed(failed)).toBe(true);
    expect(isConditionalCheckFailed(throttled)).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
  });
});

describe('backoffMs', () => {
  it('waits below 25 ms doubling per attempt, never above 1 s', () => {
    expect(backoffMs(1, () => 0.999)).toBeLessThan(50);
    expect(backoffMs(3, () => 0.5)).toBe(100);
    expect(backoffMs(20, () => 0.999)).toBeLessThan(1_000);
    expect(backoffMs(5, () => 0)).toBe(0);
  });
});
