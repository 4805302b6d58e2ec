import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LeftoverMetricsResult } from '../../lib/metrics/publish-leftover-metrics.js';
import { periodKeyFor } from '../../lib/usage/period-keys.js';
import { bundleHandler, removeBundle } from '../../local/environment/bundle-handler.js';
import { type CountingProxy, startCountingProxy } from '../../local/environment/counting-proxy.js';
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
 * answer, by the scheduled sweep — once each. The ingest bundle runs in a child process that is
 * killed right after its transaction was answered, before its PutMetricData.
 */

const NAMESPACE = 'AthenaCostMonitor';
/** Past the outbox's grace: the sweep takes every entry committed before. */
const AFTER_GRACE_MS = 7 * 60_000;
let harness: IngestHarness;
let proxy: CountingProxy;
let bundle: string;
let sweep: (event: unknown, context: typeof lambdaContext) => Promise<LeftoverMetricsResult>;
const children: HandlerChild[] = [];

beforeAll(async () => {
  harness = await startIngestHarness({ BUDGET_CACHE_SECONDS: '0', ALERTS_TOPIC_ARN: '' });
  proxy = await startCountingProxy(harness.table.endpoint);
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
});

/** Ten finished queries in each of two new workgroups: capacity, on-demand and failed ones. */
function queriesOfTwoWorkgroups() {
  const workgroups = [`outbox-${randomUUID().slice(0, 8)}`, `outbox-${randomUUID().slice(0, 8)}`];
  const executions = workgroups.flatMap((workgroup) =>
    Array.from({ length: 10 }, (_, index) =>
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

/** The ingest bundle in a process of its own, killed once its first transaction is answered. */
async function crashBetweenCommitAndPutMetricData(events: readonly Record<string, unknown>[]) {
  const child = await startHandlerChild(bundle, {
    TABLE_NAME: harness.table.name,
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    AWS_ENDPOINT_URL_ATHENA: harness.athena.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: harness.cloudWatch.endpoint,
    ALERTS_TOPIC_ARN: '',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  children.push(child);
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

async function expectCloudWatchEqualsDynamoDb(workgroups: readonly string[]) {
  for (const workgroup of workgroups) {
    const counter = await harness.counter(workgroup, `month#${periodKeyFor('month', new Date())}`);
    expect(counter.queries).toBe(10);
    expect(sumOf('QueryCount', workgroup)).toBe(counter.queries);
    expect(sumOf('FailedQueryCount', workgroup)).toBe(counter.failedQueries);
    expect(sumOf('DataScannedBytes', workgroup)).toBe(counter.dataScannedBytes);
    expect(sumOf('DpuHours', workgroup)).toBeCloseTo(counter.dpuMillis / 3_600_000, 9);
    expect(sumOf('CostUsd', workgroup)).toBeCloseTo(counter.costNanoUsd / 1e9, 9);
  }
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
    process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
    vi.resetModules();
    const { handler } = (await import('../../functions/ingest.js')) as { handler: IngestHandler };
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
});
