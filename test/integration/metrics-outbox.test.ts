import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LeftoverMetricsResult } from '../../lib/metrics/publish-leftover-metrics.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { periodKeyFor } from '../../lib/usage/period-keys.js';
import { bundleHandler, removeBundle } from '../../local/environment/bundle-handler.js';
import { type CountingProxy, startCountingProxy } from '../../local/environment/counting-proxy.js';
import {
  addCapacityWorkgroup,
  oneDpuHourQueries,
  scenarioBudget,
} from '../support/budget-scenario.js';
import { anSqsEvent, anSqsRecord, aQueryExecution } from '../support/factories.js';
import { type HandlerChild, startHandlerChild } from '../support/handler-child.js';
import {
  eventsFor,
  type IngestHandler,
  type IngestHarness,
  lambdaContext,
  startIngestHarness,
} from '../support/ingest-harness.js';

/**
 * CloudWatch catches up with DynamoDB: the usage deltas committed with the counters (the metrics
 * outbox) are published by the invocation that committed them or, when it died or lost an
 * answer, by the scheduled sweep — once each, except when an invocation dies between its
 * PutMetricData and the delete of its entries (the documented double-publish window). The ingest
 * bundle runs in a child process that is killed at the step a test names.
 */

const NAMESPACE = 'AthenaCostMonitor';
/** Past the outbox's grace: the sweep takes every entry committed before. */
const AFTER_GRACE_MS = 7 * 60_000;
let harness: IngestHarness;
let proxy: CountingProxy;
let bundle: string;
let sweep: (event: unknown, context: typeof lambdaContext) => Promise<LeftoverMetricsResult>;
const children: HandlerChild[] = [];
/** Decides, per DynamoDB request, whether it is dropped (never reaches the table). */
let dropRequest: ((operation: string) => boolean) | undefined;

beforeAll(async () => {
  harness = await startIngestHarness({ BUDGET_CACHE_SECONDS: '0', ALERTS_TOPIC_ARN: '' });
  proxy = await startCountingProxy(harness.table.endpoint, {
    beforeForward: (request) =>
      dropRequest?.(request.operation)
        ? { status: 500, headers: {}, body: Buffer.from('{"__type":"InternalServerError"}') }
        : undefined,
  });
  bundle = await bundleHandler('functions/ingest.ts');
  ({ handler: sweep } = (await import('../../functions/publish-metrics.js')) as {
    handler: typeof sweep;
  });
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.close()));
  if (bundle) await removeBundle(bundle);
  await Promise.all([harness?.close(), proxy?.close()]);
});

afterEach(() => {
  proxy.onAnswered = undefined;
  proxy.loseAnswer = undefined;
  dropRequest = undefined;
});

/** Ten finished queries in each of two new workgroups: capacity, on-demand and failed ones. */
function queriesOfTwoWorkgroups() {
  return queriesOf(2, 10);
}

/** `perWorkgroup` finished queries in each of `count` new workgroups. */
function queriesOf(count: number, perWorkgroup: number) {
  const workgroups = Array.from({ length: count }, () => `outbox-${randomUUID().slice(0, 8)}`);
  const executions = workgroups.flatMap((workgroup) =>
    Array.from({ length: perWorkgroup }, (_, index) =>
      aQueryExecution({
        workgroup,
        dpuCount: index % 3 === 0 ? undefined : 8,
        engineMs: 1_000 * (index + 1),
        bytes: 1_048_576 * (index + 1),
        state: index === 4 ? 'FAILED' : 'SUCCEEDED',
        completedAt: new Date(),
      }),
    ),
  );
  harness.addExecutions(executions);
  return { workgroups, events: eventsFor(executions) };
}

/** The ingest bundle in a process of its own, its DynamoDB calls through the proxy. */
async function ingestChild(): Promise<HandlerChild> {
  const child = await startHandlerChild(bundle, {
    TABLE_NAME: harness.table.name,
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    AWS_ENDPOINT_URL_ATHENA: harness.athena.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: harness.cloudWatch.endpoint,
    ALERTS_TOPIC_ARN: '',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  children.push(child);
  return child;
}

/** The ingest bundle killed once its first transaction is answered, before its PutMetricData. */
async function crashBetweenCommitAndPutMetricData(events: readonly Record<string, unknown>[]) {
  const child = await ingestChild();
  proxy.onAnswered = (operation) => {
    if (operation === 'TransactWriteItems') child.kill();
  };
  harness.cloudWatch.resetCalls();
  await expect(child.invoke(anSqsEvent(events.map((event) => anSqsRecord(event))))).rejects.toThrow(
    /died/,
  );
  expect(harness.cloudWatch.calls.get('PutMetricData') ?? 0).toBe(0);
}

/** Runs the scheduled sweep as it would run after the grace, twice (the second finds nothing). */
async function sweepAfterGrace(): Promise<LeftoverMetricsResult[]> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + AFTER_GRACE_MS);
  try {
    return [await sweep({}, lambdaContext), await sweep({}, lambdaContext)];
  } finally {
    vi.useRealTimers();
  }
}

const sumOf = (metric: string, workgroup: string) =>
  harness.cloudWatch.metrics.sum(NAMESPACE, metric, { WorkGroup: workgroup });

/** CloudWatch's sums are `times` DynamoDB's counters: 1 when each entry was published once. */
async function expectCloudWatchEqualsDynamoDb(
  workgroups: readonly string[],
  { queries = 10, times = 1 } = {},
) {
  for (const workgroup of workgroups) {
    const counter = await harness.counter(workgroup, `month#${periodKeyFor('month', new Date())}`);
    expect(counter.queries).toBe(queries);
    expect(sumOf('QueryCount', workgroup)).toBe(times * counter.queries);
    expect(sumOf('FailedQueryCount', workgroup)).toBe(times * counter.failedQueries);
    expect(sumOf('DataScannedBytes', workgroup)).toBe(times * counter.dataScannedBytes);
    expect(sumOf('DpuHours', workgroup)).toBeCloseTo((times * counter.dpuMillis) / 3_600_000, 9);
    expect(sumOf('CostUsd', workgroup)).toBeCloseTo((times * counter.costNanoUsd) / 1e9, 9);
  }
}

/** The ingest handler imported afresh, its DynamoDB calls through the proxy. */
async function ingestHandlerThroughProxy(): Promise<IngestHandler> {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  vi.resetModules();
  return ((await import('../../functions/ingest.js')) as { handler: IngestHandler }).handler;
}

describe('metrics outbox: CloudWatch sums catch up with DynamoDB', () => {
  it('publishes what an instance killed between its commit and PutMetricData left, at the next sweep', async () => {
    const { workgroups, events } = queriesOfTwoWorkgroups();

    await crashBetweenCommitAndPutMetricData(events);

    for (const workgroup of workgroups) expect(sumOf('QueryCount', workgroup)).toBe(0);
    const [first, second] = await sweepAfterGrace();
    expect(first?.published).toBeGreaterThan(0);
    expect(second?.published).toBe(0);
    await expectCloudWatchEqualsDynamoDb(workgroups);
  });

  it('the same under redelivery of everything: the redeliveries count nothing, the sweep publishes once', async () => {
    const { workgroups, events } = queriesOfTwoWorkgroups();
    await crashBetweenCommitAndPutMetricData(events);

    // SQS redelivers the whole batch (the killed invocation reported nothing), twice.
    expect(await harness.deliver(events)).toEqual([]);
    expect(await harness.deliver(events)).toEqual([]);
    for (const workgroup of workgroups) expect(sumOf('QueryCount', workgroup)).toBe(0);
    await sweepAfterGrace();
    expect(await harness.deliver(events)).toEqual([]);
    await sweepAfterGrace();

    await expectCloudWatchEqualsDynamoDb(workgroups);
  });

  it('publishes once when the answer of the recording transaction is lost', async () => {
    const { workgroups, events } = queriesOfTwoWorkgroups();
    const handler = await ingestHandlerThroughProxy();
    let lost = false;
    proxy.loseAnswer = (operation) => {
      if (operation !== 'TransactWriteItems' || lost) return false;
      lost = true;
      return true;
    };

    const response = await handler(
      anSqsEvent(events.map((event) => anSqsRecord(event))),
      lambdaContext,
    );

    expect(lost).toBe(true);
    expect(response.batchItemFailures).toEqual([]);
    await sweepAfterGrace();
    await expectCloudWatchEqualsDynamoDb(workgroups);
  });

  it('publishes a batch once and deletes its entries with one BatchWriteItem, whatever its transactions; the sweep finds nothing', async () => {
    // 120 queries of four workgroups: two transactions (99 actions and 33, each with its entry).
    const { workgroups, events } = queriesOf(4, 30);
    const handler = await ingestHandlerThroughProxy();
    proxy.resetCalls();
    harness.cloudWatch.resetCalls();

    const response = await handler(
      anSqsEvent(events.map((event) => anSqsRecord(event))),
      lambdaContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(proxy.count('TransactWriteItems')).toBe(2);
    expect(proxy.count('BatchWriteItem')).toBe(1);
    expect(proxy.count('UpdateItem')).toBe(0);
    expect(harness.cloudWatch.calls.get('PutMetricData')).toBe(1);
    const sweeps = await sweepAfterGrace();
    expect(sweeps.map((result) => result.published)).toEqual([0, 0]);
    await expectCloudWatchEqualsDynamoDb(workgroups, { queries: 30 });
  });

  it('publishes twice what an instance killed between its PutMetricData and the delete of its entries left: the documented window', async () => {
    const { workgroups, events } = queriesOfTwoWorkgroups();
    const child = await ingestChild();
    dropRequest = (operation) => {
      if (operation !== 'BatchWriteItem') return false;
      child.kill();
      return true;
    };
    harness.cloudWatch.resetCalls();

    await expect(
      child.invoke(anSqsEvent(events.map((event) => anSqsRecord(event)))),
    ).rejects.toThrow(/died/);

    expect(harness.cloudWatch.calls.get('PutMetricData')).toBe(1);
    await expectCloudWatchEqualsDynamoDb(workgroups);
    const [first, second] = await sweepAfterGrace();
    expect(first?.published).toBeGreaterThan(0);
    expect(second?.published).toBe(0);
    // At least once always; twice only in this window (README, exactly-once section).
    await expectCloudWatchEqualsDynamoDb(workgroups, { times: 2 });
  });

  it('publishes a counted throttle bypass once when the instance dies before its PutMetricData, also under redelivery', async () => {
    // Prepare: a capacity workgroup throttled to 8 DPUs today (8 of its 10 DPU-hours used).
    const workgroup = `outbox-${randomUUID().slice(0, 8)}`;
    addCapacityWorkgroup(harness.athena.account, workgroup);
    const startOfDay = new Date(`${periodKeyFor('day', new Date())}T00:00:00Z`);
    await new DynamoDbBudgetStore(harness.table.documents, harness.table.name).put(
      scenarioBudget(workgroup, startOfDay.toISOString()),
    );
    const completedAt = new Date(Date.now() - 60_000);
    expect(await harness.deliver(oneDpuHourQueries(harness, workgroup, 8, completedAt))).toEqual(
      [],
    );
    // Submitted after the throttle was applied, with 64 DPUs.
    const above = aQueryExecution({
      workgroup,
      dpuCount: 64,
      engineMs: 6_000,
      completedAt: new Date(Date.now() + 10_000),
    });
    harness.addExecutions([above]);
    const events = eventsFor([above]);

    // Act: the instance dies once the bypass marker (with its outbox entry) is written.
    const child = await ingestChild();
    let bypassWritten = false;
    proxy.loseAnswer = (operation, body) => {
      if (operation === 'TransactWriteItems' && body.includes('"bypass"')) bypassWritten = true;
      return false;
    };
    proxy.onAnswered = () => {
      if (bypassWritten) child.kill();
    };
    await expect(
      child.invoke(anSqsEvent(events.map((event) => anSqsRecord(event)))),
    ).rejects.toThrow(/died/);
    const bypassed = () => sumOf('ThrottleBypassedQueries', workgroup);
    expect(bypassed()).toBe(0);
    expect(await harness.deliver(events)).toEqual([]);
    expect(bypassed()).toBe(0);

    // Assess
    await sweepAfterGrace();
    expect(bypassed()).toBe(1);
    expect(await harness.deliver(events)).toEqual([]);
    await sweepAfterGrace();
    expect(bypassed()).toBe(1);
    const enforcement = new DynamoDbEnforcementStore(harness.table.documents, harness.table.name);
    expect(
      await enforcement.bypassCount({
        workgroup,
        period: 'day',
        periodKey: periodKeyFor('day', new Date()),
      }),
    ).toBe(1);
    expect(sumOf('QueryCount', workgroup)).toBe(9);
  });
});
