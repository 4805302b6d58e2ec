import { randomUUID } from 'node:crypto';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../local/simulation/seeded-random.js';
import {
  anSqsEvent,
  anSqsRecord,
  aQueryExecution,
  aStateChangeEvent,
} from '../support/factories.js';
import {
  eventsFor,
  type IngestHarness,
  lambdaContext,
  startIngestHarness,
} from '../support/ingest-harness.js';

const DAY = '2026-11-25';
const NAMESPACE = 'AthenaCostMonitor';
let harness: IngestHarness;

/** Each test gets workgroups of its own so counters never mix across tests. */
const aWorkgroup = () => `wg-${randomUUID().slice(0, 8)}`;

const executionsIn = (
  workgroup: string,
  count: number,
  overrides: Parameters<typeof aQueryExecution>[0] = {},
) =>
  Array.from({ length: count }, (_, index) =>
    aQueryExecution({
      workgroup,
      dpuCount: 4 + 4 * (index % 5),
      engineMs: 1_000 * (index + 1),
      ...overrides,
    }),
  );

/** A new workgroup and `count` finished queries of it in the Athena stand-in. */
function aWorkgroupWithQueries(count: number) {
  const workgroup = aWorkgroup();
  const executions = executionsIn(workgroup, count);
  harness.addExecutions(executions);
  return { workgroup, executions };
}

/** DPU-milliseconds as Athena's own figures give them: peak DPU x engine time. */
const expectedDpuMillis = (executions: readonly QueryExecution[]) =>
  executions.reduce(
    (sum, e) =>
      sum + (e.Statistics?.DpuCount ?? 0) * (e.Statistics?.EngineExecutionTimeInMillis ?? 0),
    0,
  );

beforeAll(async () => {
  harness = await startIngestHarness();
});

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  harness.athena.faults = {};
  harness.cloudWatch.faults = {};
  harness.athena.resetCalls();
  harness.cloudWatch.resetCalls();
});

describe('ingest handler', () => {
  it('records a batch once, with day, week and month counters and metrics', async () => {
    // Prepare
    const workgroup = aWorkgroup();
    const executions = [
      ...executionsIn(workgroup, 3),
      aQueryExecution({ workgroup, state: 'FAILED', dpuCount: 8, engineMs: 500 }),
    ];
    harness.addExecutions(executions);
    // Act
    const failed = await harness.deliver(eventsFor(executions));
    // Assess
    expect(failed).toEqual([]);
    const expected = {
      queries: 4,
      failedQueries: 1,
      dpuMillis: expectedDpuMillis(executions),
      exists: true,
    };
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject(expected);
    expect(await harness.counter(workgroup, 'week#2026-W48')).toMatchObject(expected);
    expect(await harness.counter(workgroup, 'month#2026-11')).toMatchObject(expected);
    const records = await harness.queryRecords(workgroup, DAY);
    expect(records.map((record) => record.queryExecutionId).sort()).toEqual(
      executions.map((execution) => execution.QueryExecutionId).sort(),
    );
    expect(harness.cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup })).toBe(
      4,
    );
    expect(
      harness.cloudWatch.metrics.sum(NAMESPACE, 'FailedQueryCount', { WorkGroup: workgroup }),
    ).toBe(1);
    expect(
      harness.cloudWatch.metrics.sum(NAMESPACE, 'DpuHours', { WorkGroup: workgroup }),
    ).toBeCloseTo(expectedDpuMillis(executions) / 3_600_000, 9);
    expect(
      harness.cloudWatch.metrics.sampleCount(NAMESPACE, 'EngineExecutionTime', {
        WorkGroup: workgroup,
      }),
    ).toBe(4);
    expect(harness.cloudWatch.calls.get('PutMetricData')).toBe(1);
  });

  it('counts a query once when its event arrives twice in a batch and again in a later batch', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(2);
    const events = eventsFor(executions);

    expect(await harness.deliver([...events, events[0] as Record<string, unknown>])).toEqual([]);
    expect(await harness.deliver(events)).toEqual([]);

    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 2 });
    expect(harness.athena.calls.get('BatchGetQueryExecution')).toBe(2);
    // The second delivery found nothing new, so it published nothing.
    expect(harness.cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup })).toBe(
      2,
    );
    expect(harness.cloudWatch.calls.get('PutMetricData')).toBe(1);
  });

  it('counts each query once when two invocations carry the same ids at the same time', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(120);
    const events = eventsFor(executions);

    const results = await Promise.all([
      harness.deliver(events.slice(0, 80)),
      harness.deliver(events.slice(40)),
      harness.deliver(events.slice(20, 100)),
    ]);

    expect(results).toEqual([[], [], []]);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({
      queries: 120,
      dpuMillis: expectedDpuMillis(executions),
    });
    expect(harness.cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup })).toBe(
      120,
    );
  });

  it('fails only malformed records, logs why, and records the rest', async () => {
    const workgroup = aWorkgroup();
    const [execution] = executionsIn(workgroup, 1) as [QueryExecution];
    harness.addExecutions([execution]);
    const good = anSqsRecord(aStateChangeEvent(execution.QueryExecutionId ?? ''));
    const notJson = anSqsRecord('{"source": "aws.athena", ');
    const wrongSource = anSqsRecord({ ...aStateChangeEvent(randomUUID()), source: 'aws.glue' });
    const noId = anSqsRecord({
      ...aStateChangeEvent(randomUUID()),
      detail: { currentState: 'SUCCEEDED' },
    });
    const running = anSqsRecord(aStateChangeEvent(randomUUID(), 'RUNNING'));

    const response = await harness.handler(
      anSqsEvent([good, notJson, wrongSource, noId, running]),
      lambdaContext,
    );

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      [notJson.messageId, wrongSource.messageId, noId.messageId].sort(),
    );
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 1 });
  });

  it('fails the records of unknown query ids and records the others', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(3);
    const unknown = anSqsRecord(aStateChangeEvent(randomUUID()));
    const known = eventsFor(executions).map((event) => anSqsRecord(event));

    const response = await harness.handler(anSqsEvent([...known, unknown]), lambdaContext);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: unknown.messageId }]);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 3 });
  });

  it('retries unprocessed ids once in the same invocation, then leaves them to redelivery', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(4);
    const [flaky, stubborn] = executions.map((execution) => execution.QueryExecutionId ?? '') as [
      string,
      string,
    ];
    harness.athena.account.unprocessedOnce([flaky, stubborn]);
    harness.athena.account.unprocessedOnce([stubborn]);
    const records = eventsFor(executions).map((event) => anSqsRecord(event));

    const response = await harness.handler(anSqsEvent(records), lambdaContext);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]?.messageId }]);
    expect(harness.athena.calls.get('BatchGetQueryExecution')).toBe(2);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 3 });

    // SQS redelivers exactly the failed record.
    const redelivered = records.filter(
      (record) => record.messageId === response.batchItemFailures[0]?.itemIdentifier,
    );
    expect(
      (await harness.handler(anSqsEvent(redelivered), lambdaContext)).batchItemFailures,
    ).toEqual([]);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({
      queries: 4,
      dpuMillis: expectedDpuMillis(executions),
    });
  });

  it('fails the whole batch for redelivery when BatchGetQueryExecution stays throttled, and counts nothing twice after', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(5);
    const records = eventsFor(executions).map((event) => anSqsRecord(event));
    // More throttles than the SDK's attempts.
    harness.athena.failNext('BatchGetQueryExecution', 4, 'ThrottlingException');

    const first = await harness.handler(anSqsEvent(records), lambdaContext);

    expect(first.batchItemFailures).toHaveLength(5);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({
      queries: 0,
      exists: false,
    });

    const second = await harness.handler(anSqsEvent(records), lambdaContext);
    expect(second.batchItemFailures).toEqual([]);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 5 });
  });

  it('rides out throttling the SDK can retry', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(5);
    harness.athena.failNext('BatchGetQueryExecution', 2, 'ThrottlingException');

    expect(await harness.deliver(eventsFor(executions))).toEqual([]);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 5 });
  });

  it('keeps the records when CloudWatch fails: metrics are best effort', async () => {
    const { workgroup, executions } = aWorkgroupWithQueries(3);
    harness.cloudWatch.failNext('PutMetricData', 10, 'InternalServiceError');

    expect(await harness.deliver(eventsFor(executions))).toEqual([]);
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 3 });
    expect(harness.cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup })).toBe(
      0,
    );
  });

  it('records a query under the UTC day, ISO week and month it completed in', async () => {
    const workgroup = aWorkgroup();
    const lateSunday = aQueryExecution({
      workgroup,
      completedAt: new Date('2026-11-29T23:59:59.900Z'),
    });
    const earlyMonday = aQueryExecution({
      workgroup,
      completedAt: new Date('2026-11-30T00:00:00.100Z'),
    });
    harness.addExecutions([lateSunday, earlyMonday]);

    expect(await harness.deliver(eventsFor([lateSunday, earlyMonday]))).toEqual([]);

    expect(await harness.counter(workgroup, 'day#2026-11-29')).toMatchObject({ queries: 1 });
    expect(await harness.counter(workgroup, 'day#2026-11-30')).toMatchObject({ queries: 1 });
    expect(await harness.counter(workgroup, 'week#2026-W48')).toMatchObject({ queries: 1 });
    expect(await harness.counter(workgroup, 'week#2026-W49')).toMatchObject({ queries: 1 });
    expect(await harness.counter(workgroup, 'month#2026-11')).toMatchObject({ queries: 2 });
  });

  it('replays 1,000 events three times in shuffled batches with the totals of one pass', async () => {
    // Prepare: 1,000 queries over two workgroups and three days, capacity and on-demand.
    const workgroups = [aWorkgroup(), aWorkgroup()] as const;
    const executions = Array.from({ length: 1_000 }, (_, index) =>
      aQueryExecution({
        workgroup: index % 2 === 0 ? workgroups[0] : workgroups[1],
        dpuCount: index % 3 === 0 ? undefined : 4 * (1 + (index % 31)),
        engineMs: 137 * index + 50,
        bytes: 1_048_576 * (index % 97) + index,
        state: index % 29 === 0 ? 'FAILED' : index % 53 === 0 ? 'CANCELLED' : 'SUCCEEDED',
        completedAt: new Date(Date.UTC(2026, 10, 23 + (index % 3), index % 24, index % 60)),
      }),
    );
    harness.addExecutions(executions);
    const events = eventsFor(executions);
    const random = seededRandom(12345);
    const shuffled = <T>(items: readonly T[]) =>
      items
        .map((item) => ({ item, key: random() }))
        .sort((a, b) => a.key - b.key)
        .map(({ item }) => item);

    // Act: one pass, then two more in other orders and batch sizes.
    const batchCalls: number[] = [];
    for (const batchSize of [100, 37, 250]) {
      const order = shuffled(events);
      for (let start = 0; start < order.length; start += batchSize) {
        harness.athena.resetCalls();
        const batch = order.slice(start, start + batchSize);
        expect(await harness.deliver(batch)).toEqual([]);
        batchCalls.push(
          (harness.athena.calls.get('BatchGetQueryExecution') ?? 0) / Math.ceil(batch.length / 50),
        );
      }
    }

    // Assess: each workgroup's month equals the sum of its queries, counted once.
    for (const workgroup of workgroups) {
      const own = executions.filter((execution) => execution.WorkGroup === workgroup);
      const month = await harness.counter(workgroup, 'month#2026-11');
      expect(month).toMatchObject({
        queries: own.length,
        failedQueries: own.filter((execution) => execution.Status?.State === 'FAILED').length,
        dpuMillis: expectedDpuMillis(own),
        dataScannedBytes: own.reduce((sum, e) => sum + (e.Statistics?.DataScannedInBytes ?? 0), 0),
      });
      const days = await Promise.all(
        ['2026-11-23', '2026-11-24', '2026-11-25'].map((day) =>
          harness.counter(workgroup, `day#${day}`),
        ),
      );
      expect(days.reduce((sum, day) => sum + day.costNanoUsd, 0)).toBe(month.costNanoUsd);
      expect(
        harness.cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup }),
      ).toBe(own.length);
      expect(
        harness.cloudWatch.metrics.sum(NAMESPACE, 'CostUsd', { WorkGroup: workgroup }),
      ).toBeCloseTo(month.costNanoUsd / 1e9, 6);
      expect(
        harness.cloudWatch.metrics.sum(NAMESPACE, 'DpuHours', { WorkGroup: workgroup }),
      ).toBeCloseTo(expectedDpuMillis(own) / 3_600_000, 6);
    }
    // BatchGetQueryExecution: at most ceil(unique ids / 50) calls per batch when nothing fails.
    expect(Math.max(...batchCalls)).toBeLessThanOrEqual(1);
  }, 120_000);
});
