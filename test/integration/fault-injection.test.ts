import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseQueryStateChange } from '../../lib/events/query-state-change.js';
import { logger } from '../../lib/logger.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { type CountingProxy, startCountingProxy } from '../../local/environment/counting-proxy.js';
import { createTable } from '../../local/environment/create-table.js';
import {
  type DynamoDbLocal,
  freePort,
  startDynamoDbLocal,
} from '../../local/environment/dynamodb-local.js';
import { type AthenaStandIn, startAthenaStandIn } from '../../local/stand-ins/athena-stand-in.js';
import {
  type CloudWatchStandIn,
  startCloudWatchStandIn,
} from '../../local/stand-ins/cloudwatch-stand-in.js';
import { addCapacityWorkgroup, scenarioBudget } from '../support/budget-scenario.js';
import { aQueryExecution, aStateChangeEvent } from '../support/factories.js';
import { expectTableMatches } from '../support/ground-truth.js';
import { eventsFor, type IngestHandler, lambdaContext } from '../support/ingest-harness.js';
import { type DrainResult, RedeliveringQueue } from '../support/redelivering-queue.js';

/**
 * The real ingest handler against a DynamoDB Local of its own (with a data directory, so it can
 * be stopped and restarted on the same port without losing the table), the Athena and
 * CloudWatch stand-ins with faults turned on, and a simulated SQS queue that redelivers exactly
 * the failed records and dead-letters after 5 receives. After every case the table must equal
 * the ground truth of the simulated account, computed from the executions alone.
 */

const TABLE = 'athena-cost-faults';
const NAMESPACE = 'AthenaCostMonitor';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let dataDirectory: string;
let port: number;
let dynamoDbLocal: DynamoDbLocal;
/** Between the handler and DynamoDB Local: counts calls and lets a case crash it mid-batch. */
let proxy: CountingProxy;
let athena: AthenaStandIn;
let cloudWatch: CloudWatchStandIn;
let documents: DynamoDBDocumentClient;
let handler: IngestHandler;
/** Every finished query a good event announced: what the table must hold. */
const groundTruth: QueryExecution[] = [];

const errorLogs = vi.spyOn(logger, 'error');
const warnLogs = vi.spyOn(logger, 'warn');
const infoLogs = vi.spyOn(logger, 'info');

const aWorkgroup = () => `faults-${randomUUID().slice(0, 8)}`;

function addExecutions(executions: readonly QueryExecution[]): void {
  for (const execution of executions) {
    const workgroup = execution.WorkGroup ?? 'primary';
    if (!athena.account.getWorkGroup(workgroup)) athena.account.addWorkGroup({ Name: workgroup });
    athena.account.putQueryExecution(execution);
  }
}

/** Finished executions over two days, capacity and on-demand, some failed or cancelled. */
function executionsIn(workgroup: string, count: number, offset = 0): QueryExecution[] {
  return Array.from({ length: count }, (_, n) => {
    const index = n + offset;
    return aQueryExecution({
      workgroup,
      dpuCount: index % 4 === 0 ? undefined : 4 * (1 + (index % 7)),
      engineMs: 250 * index + 100,
      bytes: 1_048_576 * (index % 13) + index,
      state: index % 9 === 4 ? 'FAILED' : index % 13 === 6 ? 'CANCELLED' : 'SUCCEEDED',
      completedAt: new Date(Date.UTC(2026, 10, 24 + (index % 2), index % 24, index % 60)),
    });
  });
}

let seed = 20_261_125;
function shuffled<T>(items: readonly T[]): T[] {
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

/** Whether the reason a dead-lettered message failed was logged. */
function reasonLogged(body: string, messageId: string): boolean {
  const parsed = parseQueryStateChange(body);
  if (!parsed.ok) {
    return errorLogs.mock.calls.some(([message, extra]) => {
      const fields = extra as Record<string, unknown> | undefined;
      return (
        message === 'Malformed message' &&
        fields?.messageId === messageId &&
        fields.reason === parsed.reason
      );
    });
  }
  const { queryExecutionId } = parsed.event.detail;
  return warnLogs.mock.calls.some(([, extra]) => {
    const fields = extra as Record<string, unknown> | undefined;
    return (
      fields?.queryExecutionId === queryExecutionId &&
      typeof fields.reason === 'string' &&
      fields.reason !== ''
    );
  });
}

/**
 * What must hold after every case: the table equals the ground truth (every good record
 * recorded, nothing counted twice), and exactly the poison messages are in the dead-letter
 * queue, each after 5 receives and with its reason logged.
 */
async function expectInvariants(run?: DrainResult, poison: ReadonlySet<string> = new Set()) {
  await expectTableMatches(documents, TABLE, groundTruth);
  if (run === undefined) return;
  expect(new Set(run.deadLetters.map((letter) => letter.messageId))).toEqual(poison);
  for (const letter of run.deadLetters) {
    expect(letter.receiveCount).toBe(5);
    expect(reasonLogged(letter.body, letter.messageId), `reason of ${letter.messageId}`).toBe(true);
  }
}

const queryCount = (workgroups: readonly string[]) =>
  workgroups.reduce(
    (sum, workgroup) =>
      sum + cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup }),
    0,
  );

beforeAll(async () => {
  dataDirectory = await mkdtemp(join(tmpdir(), 'athena-cost-faults-'));
  port = await freePort();
  dynamoDbLocal = await startDynamoDbLocal({ dataDirectory, port });
  const client = new DynamoDBClient({
    endpoint: dynamoDbLocal.endpoint,
    region: 'us-east-1',
    credentials,
  });
  await createTable(client, TABLE);
  documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  proxy = await startCountingProxy(dynamoDbLocal.endpoint);
  athena = await startAthenaStandIn({ seed: 42 });
  cloudWatch = await startCloudWatchStandIn({ seed: 43 });
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
    ALERTS_TOPIC_ARN: '',
    BUDGET_CACHE_SECONDS: '0',
  });
  ({ handler } = (await import('../../functions/ingest.js')) as { handler: IngestHandler });
});

afterAll(async () => {
  await Promise.all([athena?.close(), cloudWatch?.close(), proxy?.close()]);
  documents?.destroy();
  await dynamoDbLocal?.stop();
  if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
});

beforeEach(() => {
  athena.faults = {};
  cloudWatch.faults = {};
  athena.resetCalls();
  cloudWatch.resetCalls();
  proxy.resetCalls();
  proxy.onAnswered = undefined;
  errorLogs.mockClear();
  warnLogs.mockClear();
  infoLogs.mockClear();
});

describe('fault injection: the ingest path loses nothing and counts nothing twice', () => {
  it('Athena throttling (30 %), 5xx, unprocessed ids and slow answers: all recorded once after redelivery', async () => {
    const workgroups = [aWorkgroup(), aWorkgroup()];
    const executions = workgroups.flatMap((workgroup, index) =>
      executionsIn(workgroup, 30, index * 30),
    );
    addExecutions(executions);
    groundTruth.push(...executions);
    const ids = executions.map((execution) => execution.QueryExecutionId ?? '');
    // Unprocessed once: retried within the invocation. Twice: the record is redelivered.
    athena.account.unprocessedOnce(ids.slice(0, 6));
    athena.account.unprocessedOnce(ids.slice(0, 2));
    athena.faults = {
      BatchGetQueryExecution: { throttleRate: 0.3, serverErrorRate: 0.05 },
      '*': { latencyMs: 40 },
    };
    const events = eventsFor(executions);
    const queue = new RedeliveringQueue(handler, { batchSize: 10 });
    for (const event of shuffled([...events, ...events.slice(0, 15)])) queue.send(event);

    const run = await queue.drain();

    expect(run.redelivered).toBeGreaterThan(0);
    expect(athena.calls.get('BatchGetQueryExecution') ?? 0).toBeGreaterThan(run.invocations);
    await expectInvariants(run);
    expect(queryCount(workgroups)).toBe(executions.length);
  });

  it('DynamoDB Local crashing mid-batch and restarting: the failed records come back and count once', async () => {
    const workgroups = [aWorkgroup(), aWorkgroup()];
    const executions = workgroups.flatMap((workgroup) => executionsIn(workgroup, 20));
    addExecutions(executions);
    groundTruth.push(...executions);
    const queue = new RedeliveringQueue(handler, { batchSize: 10 });
    for (const event of shuffled(eventsFor(executions))) queue.send(event);
    let stopped: Promise<void> | undefined;

    const run = await queue.drain({
      beforeInvocation: async (index) => {
        if (index === 1) {
          // Crash as soon as the second batch's first transaction has been answered: its other
          // transactions (and its budget read) meet a dead table.
          proxy.onAnswered = (operation) => {
            if (operation === 'TransactWriteItems' && stopped === undefined) {
              stopped = dynamoDbLocal.stop();
            }
          };
        }
        if (index === 2) {
          proxy.onAnswered = undefined;
          await stopped;
        }
        if (index === 4) {
          // Same port, same data directory: what was written before the crash is still there.
          dynamoDbLocal = await startDynamoDbLocal({ dataDirectory, port });
        }
      },
    });

    expect(stopped).toBeDefined();
    expect(run.redelivered).toBeGreaterThanOrEqual(10);
    expect(
      errorLogs.mock.calls.some(([, extra]) =>
        JSON.stringify(extra ?? {}).includes('DynamoDB transaction failed'),
      ) ||
        warnLogs.mock.calls.some(([, extra]) =>
          JSON.stringify(extra ?? {}).includes('DynamoDB transaction failed'),
        ),
    ).toBe(true);
    await expectInvariants(run);
    expect(queryCount(workgroups)).toBe(executions.length);
  }, 60_000);

  it('concurrent invocations (transaction conflicts) and redelivered duplicates (conditional failures)', async () => {
    const workgroup = aWorkgroup();
    const executions = executionsIn(workgroup, 90).map((execution) => ({
      ...execution,
      // One day, so every invocation writes the same three counter items.
      Status: {
        ...execution.Status,
        CompletionDateTime: new Date('2026-11-25T12:00:00Z'),
      },
    }));
    addExecutions(executions);
    groundTruth.push(...executions);
    const events = eventsFor(executions);

    const deliver = async (bodies: readonly Record<string, unknown>[]) => {
      const records = bodies.map((body) => ({
        messageId: randomUUID(),
        receiptHandle: 'r',
        body: JSON.stringify(body),
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
        awsRegion: 'us-east-1',
      }));
      const response = await handler({ Records: records }, lambdaContext);
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      return records
        .filter((record) => failed.has(record.messageId))
        .map((record) => JSON.parse(record.body) as Record<string, unknown>);
    };
    let pending: Record<string, unknown>[][] = await Promise.all([
      deliver(events.slice(0, 60)),
      deliver(events.slice(30, 90)),
      deliver(events.slice(15, 75)),
      deliver(shuffled(events).slice(0, 45)),
    ]);
    // Whatever lost its transaction retries is redelivered, as SQS would.
    for (let round = 0; round < 4 && pending.some((failed) => failed.length > 0); round++) {
      pending = [await deliver(pending.flat())];
    }
    expect(pending.flat()).toEqual([]);
    // Four invocations need at least four transactions; the others are the retries after
    // cancellations (conditional failures on records another invocation wrote, conflicts).
    expect(proxy.count('TransactWriteItems')).toBeGreaterThan(4);
    await expectInvariants();

    // The whole stream again: this instance has seen every id recorded (by itself or, through a
    // conditional failure, by another), so it writes nothing, adds nothing, publishes nothing.
    const metricsBefore = queryCount([workgroup]);
    proxy.resetCalls();
    expect(await deliver(events)).toEqual([]);
    expect(proxy.count('TransactWriteItems')).toBe(0);
    expect(queryCount([workgroup])).toBe(metricsBefore);
    expect(metricsBefore).toBe(executions.length);
    await expectInvariants();
  }, 60_000);

  it('CloudWatch failing every call: recording goes on, and the outbox sweep publishes the metrics once CloudWatch is back', async () => {
    const workgroup = aWorkgroup();
    const executions = executionsIn(workgroup, 20);
    addExecutions(executions);
    groundTruth.push(...executions);
    cloudWatch.faults = { PutMetricData: { serverErrorRate: 1 } };
    const queue = new RedeliveringQueue(handler, { batchSize: 10 });
    for (const event of eventsFor(executions)) queue.send(event);

    const run = await queue.drain();

    expect(run.redelivered).toBe(0);
    expect(cloudWatch.calls.get('PutMetricData') ?? 0).toBeGreaterThan(0);
    expect(queryCount([workgroup])).toBe(0);
    expect(
      errorLogs.mock.calls.filter(([message]) =>
        String(message).startsWith('Could not publish usage metrics'),
      ),
    ).toHaveLength(run.invocations);
    const summaries = infoLogs.mock.calls
      .filter(([message]) => message === 'Batch ingested')
      .map(([, extra]) => extra as Record<string, unknown>);
    expect(summaries).toHaveLength(run.invocations);
    for (const summary of summaries) expect(summary).toMatchObject({ metricsPublished: false });
    await expectInvariants(run);

    // CloudWatch is back; the sweep runs once the entries are past their grace.
    cloudWatch.faults = {};
    const { handler: sweep } = (await import('../../functions/publish-metrics.js')) as {
      handler: (event: unknown, context: typeof lambdaContext) => Promise<unknown>;
    };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 7 * 60_000);
    try {
      await sweep({}, lambdaContext);
      await sweep({}, lambdaContext);
    } finally {
      vi.useRealTimers();
    }
    expect(queryCount([workgroup])).toBe(executions.length);
  });

  it('duplicate, shuffled, out-of-order, unknown, malformed, oversized and foreign events: the good recorded once, the poison dead-lettered with its reason', async () => {
    const workgroup = aWorkgroup();
    const executions = executionsIn(workgroup, 30);
    const stillRunning = aQueryExecution({ workgroup, state: 'RUNNING' });
    addExecutions([...executions, stillRunning]);
    groundTruth.push(...executions);
    const [bigOne, ...rest] = executions as [QueryExecution, ...QueryExecution[]];
    const good = [
      ...eventsFor(rest),
      // Duplicates, and RUNNING events arriving after the terminal ones.
      ...eventsFor(rest.slice(0, 10)),
      ...rest
        .slice(10, 20)
        .map((execution) =>
          aStateChangeEvent(execution.QueryExecutionId ?? '', 'RUNNING', workgroup),
        ),
      aStateChangeEvent(stillRunning.QueryExecutionId ?? '', 'RUNNING', workgroup),
      // A valid event of 300 KB (an unexpected large field) is still an event.
      {
        ...aStateChangeEvent(bigOne.QueryExecutionId ?? '', 'SUCCEEDED', workgroup),
        padding: 'p'.repeat(300_000),
      },
    ];
    const poison: (string | Record<string, unknown>)[] = [
      aStateChangeEvent(randomUUID(), 'SUCCEEDED', workgroup),
      aStateChangeEvent(randomUUID(), 'FAILED', workgroup),
      '{"source": "aws.athena", "detail-type": ',
      'x'.repeat(300_000),
      { ...aStateChangeEvent(randomUUID()), source: 'aws.glue' },
      { ...aStateChangeEvent(randomUUID()), detail: { currentState: 'SUCCEEDED' } },
      {
        ...aStateChangeEvent(randomUUID()),
        detail: { queryExecutionId: '../../etc/passwd', currentState: 'SUCCEEDED' },
      },
    ];
    const queue = new RedeliveringQueue(handler, { batchSize: 10, maxReceiveCount: 5 });
    const poisonIds = new Set<string>();
    for (const item of shuffled([
      ...good.map((body) => ({ body, poison: false })),
      ...poison.map((body) => ({ body, poison: true })),
    ])) {
      const messageId = queue.send(item.body);
      if (item.poison) poisonIds.add(messageId);
    }

    const run = await queue.drain();

    expect(run.deadLetters).toHaveLength(poison.length);
    await expectInvariants(run, poisonIds);
    expect(queryCount([workgroup])).toBe(executions.length);
    // The oversized body is never logged whole.
    for (const call of [...errorLogs.mock.calls, ...warnLogs.mock.calls]) {
      expect(JSON.stringify(call).length).toBeLessThan(10_000);
    }
  }, 60_000);

  it('a budget crossed under throttled Athena calls and redelivery acts once per threshold', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T12:00:00Z'));
    try {
      const workgroup = `capacity-${randomUUID().slice(0, 8)}`;
      addCapacityWorkgroup(athena.account, workgroup);
      await new DynamoDbBudgetStore(documents, TABLE).put(
        scenarioBudget(workgroup, '2026-11-25T08:00:00Z'),
      );
      // Twelve queries of one DPU-hour each (8 DPUs for 7.5 minutes), finished this morning.
      const executions = Array.from({ length: 12 }, (_, index) =>
        aQueryExecution({
          workgroup,
          dpuCount: 8,
          engineMs: 450_000,
          completedAt: new Date(Date.UTC(2026, 10, 25, 9, index)),
        }),
      );
      addExecutions(executions);
      groundTruth.push(...executions);
      athena.faults = { BatchGetQueryExecution: { throttleRate: 0.2 } };
      // The first action's UpdateWorkGroup stays throttled through the SDK's attempts.
      athena.failNext('UpdateWorkGroup', 4, 'ThrottlingException');
      const events = eventsFor(executions);
      const queue = new RedeliveringQueue(handler, { batchSize: 3 });
      for (const event of shuffled([...events, ...events])) queue.send(event);

      const run = await queue.drain();

      expect(run.redelivered).toBeGreaterThan(0);
      const updates = athena.account.updateWorkGroupCalls.filter(
        (call) => call.input.WorkGroup === workgroup && call.error === undefined,
      );
      expect(
        updates.map((call) => (call.input.State === 'DISABLED' ? 'disable' : 'throttle')),
      ).toEqual(['throttle', 'disable']);
      const actions = await new DynamoDbEnforcementStore(documents, TABLE).actions({
        workgroup,
        period: 'day',
        periodKey: '2026-11-25',
      });
      expect(actions.map((action) => [action.thresholdId, action.status]).sort()).toEqual([
        ['100:disable', 'applied'],
        ['50:notify', 'applied'],
        ['80:throttle', 'applied'],
      ]);
      await expectInvariants(run);
    } finally {
      vi.useRealTimers();
    }
  }, 60_000);
});
