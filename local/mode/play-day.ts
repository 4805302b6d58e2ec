import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryExecution } from '@aws-sdk/client-athena';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { isTerminalState } from '../../lib/usage/query-usage.js';
import type { InvocationContext } from '../environment/handler-sandbox.js';
import { INGEST_QUEUE } from '../environment/ingest-queue.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../environment/local-account.js';
import { CloudTrailFeed } from '../simulation/cloudtrail-feed.js';
import { EventFeed, type FeedNoise, SimulatedSqsQueue } from '../simulation/event-feed.js';
import { MinHeap } from '../simulation/min-heap.js';
import {
  applyLimits,
  cancelPlanAt,
  inFlightExecution,
  materialize,
  type SimulatedQuery,
} from '../simulation/query-plan.js';
import type { AfterBatch, LocalModeContext, LocalModeOutput } from './context.js';
import { Progress, type ProgressMode } from './progress-line.js';

/**
 * The simulated day played through the function: the Athena account changes as the simulated
 * clock reaches each submission, start and completion; completions go through EventBridge into
 * the simulated SQS queue, whose poller invokes the function. Nothing here waits for real time
 * except the pacing (`speed`), so the outcome never depends on this machine's speed.
 */

/**
 * The poller's batching window in simulated time. serverless.yml sets 5 s of real time; the
 * simulation compresses the day (and so its traffic) thousands of times, where 5 real seconds
 * span hours. Half an hour keeps batches full at busy times and still flushes quiet ones, and
 * being fixed, it keeps `speed` from changing anything but the pace.
 */
const SIMULATED_BATCHING_WINDOW_MS = 30 * 60_000;
const FUNCTION_NAME = 'athena-cost-local-ingest';
const FUNCTION_TIMEOUT_MS = 60_000;

/** The bundled ingest function, as the sandbox runs it. */
export type IngestHandler = (
  event: SQSEvent,
  context: InvocationContext,
) => Promise<SQSBatchResponse | undefined>;

export interface SimulationSettings {
  readonly batchSize: number;
  readonly speed: number;
  readonly noise: FeedNoise;
  readonly progress: ProgressMode;
  readonly output: LocalModeOutput;
  readonly signal: AbortSignal | undefined;
  readonly afterBatch: AfterBatch | undefined;
  /** A scheduled function run at every multiple of its interval through the day. */
  readonly scheduled?: ScheduledRun | undefined;
}

/**
 * A scheduled function of the simulated account (EventBridge `rate(...)`): run with the clock at
 * each multiple of `intervalMs` from the day's start, between the happenings and batches due
 * then, whatever the traffic.
 */
export interface ScheduledRun {
  readonly intervalMs: number;
  readonly run: (ctx: LocalModeContext, atMs: number) => Promise<void>;
}

export interface SimulationResult {
  /** Terminal executions by id, as the Athena stand-in serves them. */
  readonly finished: Map<string, QueryExecution>;
  readonly ingested: Set<string>;
  readonly feed: EventFeed;
  /** CloudTrail's StartQueryExecution records (the `attributePrincipals` rule), and who called. */
  readonly cloudTrail: CloudTrailFeed;
  readonly queue: SimulatedSqsQueue;
  rejected: number;
  readonly rejectedByWorkgroup: Map<string, number>;
  stopped: number;
  recordsFailed: number;
  invocationErrors: number;
  lastInvocationError: string | undefined;
}

type Happening = {
  readonly atMs: number;
  readonly order: number;
  readonly kind: 'complete' | 'start' | 'submit';
  readonly query: SimulatedQuery;
};

const KIND_RANK = { complete: 0, start: 1, submit: 2 } as const;

/**
 * Plays the day: submissions, starts and completions update the Athena stand-in as the clock
 * reaches them; completions put their events in the queue; the queue's poller invokes the
 * function. Enforcement by the function (disabled workgroups, lowered DPU caps or scan
 * cutoffs, stopped queries) shapes the queries submitted after it.
 */
export async function playDay(
  ctx: LocalModeContext,
  handler: IngestHandler,
  settings: SimulationSettings,
): Promise<SimulationResult> {
  const { day, clock } = ctx;
  const { account } = ctx.athena;
  const dayEndMs = day.end.getTime();
  const feed = new EventFeed(day.seed, day.day, settings.noise);
  const queue = new SimulatedSqsQueue({
    batchSize: settings.batchSize,
    batchingWindowMs: SIMULATED_BATCHING_WINDOW_MS,
    visibilityTimeoutMs: INGEST_QUEUE.visibilityTimeoutMs,
    maxReceiveCount: INGEST_QUEUE.maxReceiveCount,
    queueArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:athena-cost-local-ingest`,
    region: LOCAL_REGION,
    seed: day.seed,
  });
  const result: SimulationResult = {
    finished: new Map(),
    ingested: new Set(),
    feed,
    cloudTrail: new CloudTrailFeed(day.seed),
    queue,
    rejected: 0,
    rejectedByWorkgroup: new Map(),
    stopped: 0,
    recordsFailed: 0,
    invocationErrors: 0,
    lastInvocationError: undefined,
  };
  const inFlight = new Map<string, SimulatedQuery>();
  const agenda = new MinHeap<Happening>(
    (a, b) => a.atMs - b.atMs || KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.order - b.order,
  );
  let order = 0;
  const schedule = (kind: Happening['kind'], atMs: number, query: SimulatedQuery) =>
    agenda.push({ atMs, order: order++, kind, query });
  for (const query of day.queries) schedule('submit', query.submittedAt.getTime(), query);

  const finish = (query: SimulatedQuery) => {
    inFlight.delete(query.id);
    account.putQueryExecution(query.execution);
    result.finished.set(query.id, query.execution);
    for (const message of feed.messagesFor(query)) queue.send(message);
  };

  const progress = new Progress(settings.output, settings.progress, day.queries.length, dayEndMs);
  const realStart = Date.now();
  let stopsSeen = account.stopQueryExecutionCalls.length;

  let nextScheduledMs = day.start.getTime();
  /** Runs the scheduled function at each of its times up to `untilMs`, within the day. */
  const runScheduled = async (untilMs: number) => {
    const { scheduled } = settings;
    if (scheduled === undefined) return;
    while (nextScheduledMs <= untilMs && nextScheduledMs < dayEndMs) {
      clock.advanceTo(nextScheduledMs);
      await scheduled.run(ctx, nextScheduledMs);
      nextScheduledMs += scheduled.intervalMs;
    }
  };

  try {
    for (;;) {
      settings.signal?.throwIfAborted();
      await runScheduled(
        Math.min(agenda.peek()?.atMs ?? dayEndMs, queue.nextDispatchAtMs() ?? dayEndMs),
      );
      const next = agenda.peek();
      const dispatchAt = queue.nextDispatchAtMs();
      if (next === undefined && dispatchAt === undefined) break;

      if (next !== undefined && (dispatchAt === undefined || next.atMs <= dispatchAt)) {
        agenda.pop();
        clock.advanceTo(next.atMs);
        const { query } = next;
        if (next.kind === 'submit') {
          const workGroup = account.getWorkGroup(query.workgroup);
          if (workGroup === undefined || workGroup.State === 'DISABLED') {
            // StartQueryExecution fails: no execution, no event, no usage.
            result.rejected++;
            increment(result.rejectedByWorkgroup, query.workgroup);
            continue;
          }
          const plan = applyLimits(query.plan, workGroup, dayEndMs);
          const submitted = plan === query.plan ? query : materialize(plan);
          // BatchGetQueryExecution leaves it unprocessed this many times before returning it.
          account.unprocessedOnce(Array(plan.unprocessedFetches).fill(plan.id));
          inFlight.set(submitted.id, submitted);
          // CloudTrail logs the call; its record reaches the queue minutes later, maybe never.
          for (const message of result.cloudTrail.messagesFor(submitted)) queue.send(message);
          account.putQueryExecution(inFlightExecution(submitted, next.atMs));
          if (submitted.startedAt !== undefined) {
            schedule('start', submitted.startedAt.getTime(), submitted);
          }
          schedule('complete', submitted.completedAt.getTime(), submitted);
        } else if (inFlight.get(query.id) === query) {
          if (next.kind === 'start') account.putQueryExecution(inFlightExecution(query, next.atMs));
          else finish(query);
        }
        continue;
      }

      const atMs = Math.max(dispatchAt ?? clock.nowMs, clock.nowMs);
      clock.advanceTo(atMs);
      const ahead = realStart + (atMs - day.start.getTime()) / settings.speed - Date.now();
      if (ahead > 0) await sleep(ahead, undefined, { signal: settings.signal });

      const delivery = queue.receive(atMs);
      let failures: 'all' | string[];
      try {
        const response = await handler(delivery.event, lambdaContext(day.day, atMs));
        failures = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      } catch (error) {
        result.invocationErrors++;
        result.lastInvocationError = error instanceof Error ? error.message : String(error);
        failures = 'all';
      }
      const outcome = queue.settle(delivery, failures);
      result.recordsFailed += outcome.failed.length;
      for (const message of outcome.deleted) {
        if (isTerminalState(message.state)) result.ingested.add(message.queryExecutionId);
      }

      await settings.afterBatch?.(ctx, {
        number: queue.batches,
        atMs,
        records: delivery.messages.length,
        failedRecords: outcome.failed.length,
      });

      // StopQueryExecution (disable-now) cancelled running queries: finish them as cancelled.
      for (const call of account.stopQueryExecutionCalls.slice(stopsSeen)) {
        const query = inFlight.get(call.queryExecutionId);
        if (call.error !== undefined || query === undefined) continue;
        result.stopped++;
        finish(materialize(cancelPlanAt(query.plan, call.at.getTime())));
      }
      stopsSeen = account.stopQueryExecutionCalls.length;

      progress.update({
        ingested: result.ingested.size,
        batches: queue.batches,
        failed: result.recordsFailed,
        clockMs: clock.nowMs,
      });
    }
    await runScheduled(dayEndMs);
  } finally {
    progress.done({
      ingested: result.ingested.size,
      batches: queue.batches,
      failed: result.recordsFailed,
      clockMs: clock.nowMs,
    });
  }
  return result;
}

/** The Lambda context of one invocation, as the runtime passes it. */
function lambdaContext(day: string, clockMs: number): InvocationContext {
  return {
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `${day.replaceAll('-', '/')}/[$LATEST]local`,
    deadlineMs: Date.now() + FUNCTION_TIMEOUT_MS,
    clockMs,
  };
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
