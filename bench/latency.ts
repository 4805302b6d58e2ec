import { randomUUID } from 'node:crypto';
import type { QueryExecution } from '@aws-sdk/client-athena';
import type { SQSRecord } from 'aws-lambda';
import { type Budget, parseBudget } from '../lib/budgets/budget.js';
import { budgetUsageOf } from '../lib/budgets/budget-usage.js';
import type { Pricing } from '../lib/config.js';
import { deriveQueryUsage, type QueryUsage } from '../lib/usage/query-usage.js';
import { totalsOf } from '../lib/usage/usage-totals.js';
import { INGEST_QUEUE } from '../local/environment/ingest-queue.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local/environment/local-account.js';
import { stateChangeEvent } from '../local/simulation/event-feed.js';
import { seededRandom } from '../local/simulation/seeded-random.js';
import { ENGINE_PROPERTIES_CLASSIFICATION } from '../local/stand-ins/athena-stand-in.js';
import type { BenchEnvironment } from './environment.js';
import { median, percentile } from './figures.js';
import type { HandlerProcess } from './handler-process.js';
import { startFunction } from './scenarios.js';

/**
 * Enforcement latency, in real time: events enter an SQS queue as their queries finish; a poller
 * modelled on Lambda's SQS event source mapping invokes the bundled function when a batch is full
 * or when the batching window since the batch's first record closes, with at most
 * `maxConcurrency` invocations in flight (each in its own execution environment); the latency of
 * a threshold is the time from the event that crossed it entering the queue to the
 * UpdateWorkGroup call arriving at the Athena stand-in.
 */

export interface LatencyOptions {
  readonly tableName: string;
  readonly workgroups: number;
  /** Mean arrival rate of events, per second (Poisson). */
  readonly eventsPerSecond: number;
  readonly batchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly seed: number;
  readonly pricing: Pricing;
}

/** One threshold action and how long it took from the crossing event to UpdateWorkGroup. */
export interface LatencySample {
  readonly workgroup: string;
  readonly action: 'throttle' | 'disable';
  readonly latencyMs: number;
  /** From entering the queue to the start of the invocation that carried it. */
  readonly queuedMs: number;
  /** From the start of that invocation to the UpdateWorkGroup call. */
  readonly handlerMs: number;
}

export interface LatencyResult {
  readonly samples: readonly LatencySample[];
  /** Threshold crossings expected from the events sent, and those that got no call. */
  readonly expected: number;
  readonly missing: number;
  readonly events: number;
  readonly invocations: number;
  readonly batchSizes: readonly number[];
  readonly failedRecords: number;
  readonly durationMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly medianQueuedMs: number;
  readonly medianHandlerMs: number;
}

/** A day budget of 2 DPU-hours: throttle to 8 DPUs at 50 %, disable at 100 %. */
const LIMIT_DPU_HOURS = 2;
const THRESHOLDS = [
  { percent: 50, action: 'throttle' },
  { percent: 100, action: 'disable' },
] as const;

interface PlannedEvent {
  readonly atOffsetMs: number;
  readonly workgroup: string;
  readonly id: string;
  readonly dpuCount: number;
  readonly engineMs: number;
}

interface QueuedMessage {
  readonly record: SQSRecord;
  readonly id: string;
  readonly enqueuedAt: number;
}

export async function runLatency(
  env: BenchEnvironment,
  bundlePath: string,
  options: LatencyOptions,
): Promise<LatencyResult> {
  const random = seededRandom(options.seed);
  const names = Array.from(
    { length: options.workgroups },
    (_, index) => `budgeted-${String(index).padStart(3, '0')}`,
  );
  await env.createTable(options.tableName);
  const updatedAt = new Date().toISOString();
  const budgets: Budget[] = [];
  for (const workgroup of names) {
    env.athena.account.addWorkGroup({
      Name: workgroup,
      Configuration: {
        EngineConfiguration: {
          Classifications: [
            {
              Name: ENGINE_PROPERTIES_CLASSIFICATION,
              Properties: { 'max-dpu-count': '64', 'min-dpu-count': '4' },
            },
          ],
        },
      },
    });
    const parsed = parseBudget({
      workgroup,
      period: 'day',
      limitDpuHours: LIMIT_DPU_HOURS,
      thresholds: THRESHOLDS,
      throttleMaxDpu: 8,
      updatedAt,
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    budgets.push(parsed.budget);
  }
  await env.putBudgets(options.tableName, budgets);

  // Each workgroup runs queries of 0.3-0.8 DPU-hours until its budget is used up; the queries
  // of all workgroups arrive interleaved, as a Poisson stream.
  const planned: PlannedEvent[] = [];
  for (const workgroup of names) {
    let dpuHours = 0;
    while (dpuHours < LIMIT_DPU_HOURS) {
      const hours = 0.3 + 0.5 * random();
      const dpuCount = 16;
      planned.push({
        atOffsetMs: 0,
        workgroup,
        id: randomUUID(),
        dpuCount,
        engineMs: Math.round((hours * 3_600_000) / dpuCount),
      });
      dpuHours += hours;
    }
  }
  shuffle(planned, random);
  let offset = 0;
  const events = planned.map((event) => {
    offset += (-Math.log(1 - random()) / options.eventsPerSecond) * 1000;
    return { ...event, atOffsetMs: offset };
  });

  const handlers: HandlerProcess[] = [];
  for (let index = 0; index < options.maxConcurrency; index++) {
    handlers.push(await startFunction(env, bundlePath, 'ingest', options.tableName));
  }
  // Warm every environment once (an empty batch), as a busy stream keeps them warm.
  await Promise.all(handlers.map((handler) => handler.invoke({ Records: [] })));

  const queue: QueuedMessage[] = [];
  const enqueuedAt = new Map<string, number>();
  const invocationStartOf = new Map<string, number>();
  const usages = new Map<string, QueryUsage>();
  const free = [...handlers];
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const waitFor = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let producing = true;
  let invocations = 0;
  let failedRecords = 0;
  const batchSizes: number[] = [];
  const inFlight = new Set<Promise<void>>();

  const started = Date.now();
  const updatesBefore = env.athena.account.updateWorkGroupCalls.length;

  const producer = (async () => {
    for (const event of events) {
      const delay = started + event.atOffsetMs - Date.now();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const now = new Date();
      const execution = executionOf(event, now);
      env.athena.account.putQueryExecution(execution);
      const derived = deriveQueryUsage(execution, options.pricing);
      if (derived.ok) usages.set(event.id, derived.usage);
      const body = JSON.stringify(
        stateChangeEvent(
          { id: event.id, workgroup: event.workgroup, execution },
          { state: 'SUCCEEDED', previousState: 'RUNNING', at: now, sequenceNumber: 3 },
          randomUUID(),
        ),
      );
      const at = Date.now();
      enqueuedAt.set(event.id, at);
      queue.push({ record: sqsRecord(body, at), id: event.id, enqueuedAt: at });
      signal();
    }
    producing = false;
    signal();
  })();

  // The poller: a batch closes when full or when the window since its first record ends, and
  // goes to a free execution environment (it keeps filling while none is free).
  while (producing || queue.length > 0) {
    const first = queue[0];
    if (first === undefined) {
      await waitFor(1_000);
      continue;
    }
    const windowEnd = first.enqueuedAt + options.batchingWindowMs;
    if (queue.length < INGEST_QUEUE.batchSize && Date.now() < windowEnd) {
      await waitFor(windowEnd - Date.now());
      continue;
    }
    if (free.length === 0) {
      await Promise.race(inFlight);
      continue;
    }
    const handler = free.pop() as HandlerProcess;
    const batch = queue.splice(0, INGEST_QUEUE.batchSize);
    invocations++;
    batchSizes.push(batch.length);
    const run = handler
      .invoke({ Records: batch.map((message) => message.record) })
      .then((result) => {
        for (const message of batch) invocationStartOf.set(message.id, result.startedAtMs);
        const failures =
          result.error !== undefined
            ? batch.length
            : ((result.result as { batchItemFailures?: unknown[] })?.batchItemFailures?.length ??
              0);
        failedRecords += failures;
      })
      .finally(() => {
        free.push(handler);
        inFlight.delete(run);
        signal();
      });
    inFlight.add(run);
  }
  await producer;
  await Promise.all(inFlight);
  const durationMs = Date.now() - started;
  await Promise.all(handlers.map((handler) => handler.close()));

  // Which event crossed each threshold: usage in the order the events entered the queue.
  const crossingEvent = new Map<string, string>();
  const byWorkgroup = new Map<string, QueryUsage[]>();
  const order = [...enqueuedAt.entries()].sort((a, b) => a[1] - b[1]);
  const budgetOf = new Map(budgets.map((budget) => [budget.workgroup, budget]));
  for (const [id] of order) {
    const usage = usages.get(id);
    const budget = budgetOf.get(usage?.workgroup ?? '');
    if (usage === undefined || budget === undefined) continue;
    const list = byWorkgroup.get(usage.workgroup) ?? [];
    list.push(usage);
    byWorkgroup.set(usage.workgroup, list);
    const usedPercent = budgetUsageOf(budget, totalsOf(list)).usedPercent;
    for (const threshold of THRESHOLDS) {
      const key = `${usage.workgroup}|${threshold.action}`;
      if (usedPercent >= threshold.percent && !crossingEvent.has(key)) crossingEvent.set(key, id);
    }
  }

  const samples: LatencySample[] = [];
  const seen = new Set<string>();
  for (const call of env.athena.account.updateWorkGroupCalls.slice(updatesBefore)) {
    if (call.error !== undefined) continue;
    const workgroup = call.input.WorkGroup ?? '';
    const action = call.input.State === 'DISABLED' ? 'disable' : 'throttle';
    const key = `${workgroup}|${action}`;
    const id = crossingEvent.get(key);
    if (id === undefined || seen.has(key)) continue;
    seen.add(key);
    const entered = enqueuedAt.get(id) ?? Number.NaN;
    const invoked = invocationStartOf.get(id) ?? Number.NaN;
    const calledAt = call.at.getTime();
    samples.push({
      workgroup,
      action,
      latencyMs: calledAt - entered,
      queuedMs: invoked - entered,
      handlerMs: calledAt - invoked,
    });
  }
  const latencies = samples.map((sample) => sample.latencyMs);
  return {
    samples,
    expected: crossingEvent.size,
    missing: crossingEvent.size - samples.length,
    events: events.length,
    invocations,
    batchSizes,
    failedRecords,
    durationMs,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    medianQueuedMs: median(samples.map((sample) => sample.queuedMs)),
    medianHandlerMs: median(samples.map((sample) => sample.handlerMs)),
  };
}

function executionOf(event: PlannedEvent, completedAt: Date): QueryExecution {
  const submittedAt = new Date(completedAt.getTime() - event.engineMs - 500);
  return {
    QueryExecutionId: event.id,
    Query: 'SELECT count(*) FROM sales.orders',
    StatementType: 'DML',
    WorkGroup: event.workgroup,
    QueryExecutionContext: { Database: 'sales', Catalog: 'AwsDataCatalog' },
    Status: {
      State: 'SUCCEEDED',
      SubmissionDateTime: submittedAt,
      CompletionDateTime: completedAt,
    },
    Statistics: {
      EngineExecutionTimeInMillis: event.engineMs,
      DataScannedInBytes: 1_000_000_000,
      TotalExecutionTimeInMillis: event.engineMs + 500,
      QueryQueueTimeInMillis: 200,
      QueryPlanningTimeInMillis: 150,
      ServiceProcessingTimeInMillis: 150,
      DpuCount: event.dpuCount,
    },
    EngineVersion: {
      SelectedEngineVersion: 'AUTO',
      EffectiveEngineVersion: 'Athena engine version 3',
    },
  };
}

function sqsRecord(body: string, sentAt: number): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentAt),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:athena-cost-bench-ingest`,
    awsRegion: LOCAL_REGION,
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
}
