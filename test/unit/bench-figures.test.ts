import { describe, expect, it } from 'vitest';
import {
  addBounds,
  boundTotal,
  dynamoItemSize,
  estimateWriteUnits,
  formatMarkdownTable,
  formatTable,
  type IndexKeys,
  indexesOf,
  type LowerBound,
  lowerBoundOf,
  median,
  per1000,
  percentile,
  projectedItem,
  wireItemSize,
  ZERO_BOUND,
} from '../../bench/figures.js';

const INDEXES = [
  { name: 'byWorkgroupDayCost', keys: ['workgroupDay', 'costUsd'] },
  { name: 'byPeriod', keys: ['periodKey', 'workgroup'] },
];

/** A bound as one row: BatchGetQueryExecution, TransactWriteItems, PutMetricData, BatchGetItem, BatchWriteItem. */
const calls = (
  BatchGetQueryExecution: number,
  TransactWriteItems: number,
  PutMetricData: number,
  BatchGetItem: number,
  BatchWriteItem: number,
): LowerBound => ({
  BatchGetQueryExecution,
  TransactWriteItems,
  PutMetricData,
  BatchGetItem,
  BatchWriteItem,
});

describe('bench figures', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([5, 1, 9], 100)).toBe(9);
  });

  it('bounds a batch: 50 ids per BatchGet, 100 actions per transaction, one metrics call and its outbox delete, one counter read', () => {
    expect(
      lowerBoundOf({ terminalQueries: 97, newQueries: 97, counterItems: 12, budgeted: true }),
    ).toEqual(calls(2, 2, 1, 1, 1));
    // Only duplicates of recorded queries: fetched, nothing to write or publish.
    expect(
      lowerBoundOf({ terminalQueries: 3, newQueries: 0, counterItems: 0, budgeted: false }),
    ).toEqual(calls(1, 0, 0, 0, 0));
    // Nothing terminal (stray RUNNING events): nothing at all.
    expect(
      boundTotal(
        lowerBoundOf({ terminalQueries: 0, newQueries: 0, counterItems: 0, budgeted: true }),
      ),
    ).toBe(0);
    const two = addBounds(
      lowerBoundOf({ terminalQueries: 50, newQueries: 50, counterItems: 3, budgeted: true }),
      lowerBoundOf({ terminalQueries: 51, newQueries: 51, counterItems: 3, budgeted: true }),
    );
    expect(two).toEqual(calls(3, 2, 2, 2, 2));
    expect(boundTotal(two)).toBe(11);
    expect(boundTotal(ZERO_BOUND)).toBe(0);
    expect(per1000(25, 10_000)).toBe(2.5);
  });

  it('bounds the CloudTrail callers of a batch: their items read 100 a BatchGetItem, their joins packed 100 actions a transaction', () => {
    // 40 callers without their query in the batch, 30 of which move 30 queries from unknown
    // (30 records + 24 counters + 1 outbox entry = 55 actions) and 10 wait for theirs (10
    // actions), next to 60 new queries.
    expect(
      lowerBoundOf({
        terminalQueries: 60,
        newQueries: 60,
        counterItems: 30,
        budgeted: false,
        callerReads: 40,
        joinActions: 65,
      }),
    ).toEqual(calls(2, 2, 1, 1, 1));
    // A batch of callers only: no recording, nothing to publish.
    expect(
      lowerBoundOf({
        terminalQueries: 0,
        newQueries: 0,
        counterItems: 0,
        budgeted: true,
        callerReads: 103,
        joinActions: 101,
      }),
    ).toMatchObject({
      TransactWriteItems: 2,
      PutMetricData: 0,
      BatchWriteItem: 0,
      BatchGetItem: 2,
    });
  });

  it('sizes items by DynamoDB rules, in document and wire form alike', () => {
    const item = { pk: 'QUERY#abc', n: 12345, flag: true, none: null };
    expect(dynamoItemSize(item)).toBe(2 + 9 + 1 + 4 + 4 + 1 + 4 + 1);
    expect(
      wireItemSize({
        pk: { S: 'QUERY#abc' },
        n: { N: '12345' },
        flag: { BOOL: true },
        none: { NULL: true },
      }),
    ).toBe(dynamoItemSize(item));
    expect(wireItemSize({ list: { L: [{ S: 'ab' }, { N: '1' }] } })).toBe(
      4 + 3 + (1 + 2) + (1 + 2),
    );
  });

  it('estimates write units: per KB, doubled in transactions, again for each index written', () => {
    const record = {
      pk: { S: 'QUERY#1' },
      sk: { S: 'QUERY' },
      workgroupDay: { S: 'analytics#2026-11-25' },
      costUsd: { N: '0.12' },
    };
    expect(estimateWriteUnits('PutItem', { Item: record }, INDEXES)).toBe(2);
    const counter = {
      Key: { pk: { S: 'USAGE#analytics' }, sk: { S: 'day#2026-11-25' } },
      UpdateExpression: 'ADD queries :q SET #type = :type, workgroup = :w, periodKey = :p',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':q': { N: '1' },
        ':type': { S: 'usage' },
        ':w': { S: 'analytics' },
        ':p': { S: 'day#2026-11-25' },
      },
    };
    expect(estimateWriteUnits('UpdateItem', counter, INDEXES)).toBe(2);
    expect(
      estimateWriteUnits(
        'TransactWriteItems',
        { TransactItems: [{ Put: { Item: record } }, { Update: counter }] },
        INDEXES,
      ),
    ).toBe(8);
    const big = { ...record, padding: { S: 'x'.repeat(1500) } };
    expect(estimateWriteUnits('PutItem', { Item: big }, INDEXES)).toBe(4);
    // Not indexed: no index key attributes.
    expect(
      estimateWriteUnits('PutItem', { Item: { pk: { S: 'BUDGET' }, sk: { S: 'a' } } }, INDEXES),
    ).toBe(1);
    expect(estimateWriteUnits('Query', {}, INDEXES)).toBe(0);
  });

  it('writes an INCLUDE index entry at the size of what it projects (resources/table.json)', () => {
    const included = indexesOf({
      KeySchema: [{ AttributeName: 'pk' }, { AttributeName: 'sk' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byWorkgroupDayCost',
          KeySchema: [{ AttributeName: 'workgroupDay' }, { AttributeName: 'costUsd' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['state'] },
        },
      ],
    });
    expect(included).toEqual([
      {
        name: 'byWorkgroupDayCost',
        keys: ['workgroupDay', 'costUsd'],
        projected: ['pk', 'sk', 'workgroupDay', 'costUsd', 'state'],
      },
    ]);
    const big = {
      pk: { S: 'QUERY#1' },
      sk: { S: 'QUERY' },
      workgroupDay: { S: 'analytics#2026-11-25' },
      costUsd: { N: '0.12' },
      state: { S: 'SUCCEEDED' },
      errorMessage: { S: 'x'.repeat(1500) },
    };
    // 2 units for the 1.5 KB item; its index entry is keys and state only: 1 unit, not 2.
    expect(estimateWriteUnits('PutItem', { Item: big }, included)).toBe(3);
    expect(estimateWriteUnits('PutItem', { Item: big }, INDEXES.slice(0, 1))).toBe(4);
    expect(projectedItem(big, included[0] as IndexKeys)).toEqual({
      pk: big.pk,
      sk: big.sk,
      workgroupDay: big.workgroupDay,
      costUsd: big.costUsd,
      state: big.state,
    });
  });

  it('lays out text and Markdown tables', () => {
    expect(
      formatTable(
        ['figure', 'value'],
        [
          ['calls', '12.5'],
          ['cpu', '0.2'],
        ],
      ),
    ).toEqual(['figure  value', '------  -----', 'calls    12.5', 'cpu       0.2']);
    expect(formatMarkdownTable(['a', 'b'], [['x|y', '1']])).toEqual([
      '| a    |   b |',
      '| :--- | --: |',
      '| x\\|y |   1 |',
    ]);
  });
});
