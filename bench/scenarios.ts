import type { QueryExecution } from '@aws-sdk/client-athena';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Pricing } from '../lib/config.js';
import { periodKeyAttribute, TableKeys } from '../lib/store/table-keys.js';
import { attributionCountersOf } from '../lib/store/transaction-packing.js';
import { PERIODS } from '../lib/usage/period-keys.js';
import { UNKNOWN_PRINCIPAL } from '../lib/usage/query-principal.js';
import { deriveQueryUsage, isTerminalState, type QueryUsage } from '../lib/usage/query-usage.js';
import { INGEST_QUEUE } from '../local/environment/ingest-queue.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local/environment/local-account.js';
import type { FeedMessage } from '../local/simulation/event-feed.js';
import { SimulatedSqsQueue } from '../local/simulation/event-feed.js';
import type { OperationCapacity } from './capacity-proxy.js';
import type { BenchEnvironment } from './environment.js';
import { addBounds, boundTotal, type LowerBound, lowerBoundOf, ZERO_BOUND } from './figures.js';
import {
  type HandlerProcess,
  type InvocationResult,
  startHandlerProcess,
} from './handler-process.js';

/** What a run of a handler over a stream of events measured. */
export interface RunResult {
  readonly label: string;
  /** Distinct queries with a terminal event in the stream. */
  readonly queries: number;
  readonly messages: number;
  readonly invocations: number;
  /** Records handed to the function, redeliveries included. */
  readonly records: number;
  readonly failedRecords: number;
  readonly calls: ReadonlyMap<string, number>;
  readonly dynamo: ReadonlyMap<string, OperationCapacity>;
  /** The lower bound of the batches as they were delivered (product runs only). */
  readonly bound: LowerBound;
  readonly cpuMicros: number;
  /** CPU of each invocation, in order. */
  readonly invocationCpuMicros: readonly number[];
  /** Σ handler wall time measured in the handler's process. */
  readonly handlerMs: number;
  /** Σ Lambda billed duration (each invocation rounded up to the millisecond). */
  readonly billedMs: number;
  /** Wall time of the whole run, seen from the poller: IPC and queue bookkeeping included. */
  readonly elapsedMs: number;
  readonly logBytes: number;
  /** Σ ceil(records / 10): ReceiveMessage (and DeleteMessageBatch) calls of the SQS poller. */
  readonly sqsReceiveCalls: number;
  readonly batchSizes: readonly number[];
  readonly initMs: number;
  /** Whether every workgroup's day counter counts each recorded query exactly once. */
  readonly countersMatch: boolean;
  readonly countersDetail: string;
  /** With principals attributed: what the lower bound made of the CloudTrail callers. */
  readonly callers?: CallerOutcomes;
}

/** The CloudTrail callers of a run by what the lower bound counts for each (distinct per batch). */
export interface CallerOutcomes {
  /** CloudTrail messages delivered (duplicates and redeliveries included). */
  readonly messages: number;
  /** The query was recorded in the same batch: the caller rides in its recording. */
  readonly riding: number;
  /** The query was not recorded yet: the caller waits on its item (a read, one action). */
  readonly waiting: number;
  /** The query was counted under `unknown`: a read and a move. */
  readonly moved: number;
  /** The query was attributed already, or its caller waits (a duplicate record): a read. */
  readonly repeated: number;
}

/**
 * The CloudTrail join as the lower bound sees it, batch after batch: which queries have their
 * caller attributed (waiting or counted), and what each batch's callers must write at least.
 */
class CallerJoinBound {
  private readonly attributed = new Set<string>();
  private readonly waiting = new Set<string>();
  readonly outcomes = { messages: 0, riding: 0, waiting: 0, moved: 0, repeated: 0 };

  /** `callerOf`: the principal each arriving CloudTrail record names, by query id. */
  constructor(private readonly callerOf: ReadonlyMap<string, string>) {}

  /** A new query's usage as recorded: under its caller when it waits or came in the batch. */
  asRecorded(usage: QueryUsage, callersInBatch: ReadonlySet<string>): QueryUsage {
    const id = usage.queryExecutionId;
    const known = this.waiting.has(id) || callersInBatch.has(id);
    return withPrincipal(usage, known ? this.callerOf.get(id) : undefined);
  }

  /** The batch's callers, after its recordings: the items read and the joins' actions. */
  afterRecording(
    callersInBatch: ReadonlySet<string>,
    recordedNow: ReadonlySet<string>,
    recordedBefore: ReadonlySet<string>,
    usages: ReadonlyMap<string, QueryUsage>,
  ): { readonly callerReads: number; readonly joinActions: number } {
    let callerReads = 0;
    let waiting = 0;
    const moving: QueryUsage[] = [];
    for (const id of callersInBatch) {
      const usage = usages.get(id);
      if (this.attributed.has(id)) {
        this.outcomes.repeated++;
        callerReads++;
      } else if (recordedNow.has(id)) {
        this.outcomes.riding++;
      } else if (recordedBefore.has(id) && usage !== undefined) {
        this.outcomes.moved++;
        callerReads++;
        moving.push(usage);
      } else {
        this.outcomes.waiting++;
        callerReads++;
        waiting++;
        this.waiting.add(id);
      }
      this.attributed.add(id);
    }
    const counters = attributionCountersOf([
      ...moving.map((usage) => withPrincipal(usage, undefined, true)),
      ...moving.map((usage) =>
        withPrincipal(usage, this.callerOf.get(usage.queryExecutionId), true),
      ),
    ]);
    const moveActions = moving.length === 0 ? 0 : moving.length + counters.size + 1;
    return { callerReads, joinActions: moveActions + waiting };
  }
}

/** The usage counted under `principal` (`unknown` when undefined); `alone`: its tags left out. */
function withPrincipal(
  usage: QueryUsage,
  principal: string | undefined,
  alone = false,
): QueryUsage {
  const attribution = alone ? { tags: {} } : usage.attribution;
  return { ...usage, attribution: { ...attribution, principal: principal ?? UNKNOWN_PRINCIPAL } };
}

/** What a run measured of the function itself, whatever fed it. */
type FunctionMeasures = Pick<
  RunResult,
  | 'calls'
  | 'dynamo'
  | 'cpuMicros'
  | 'invocationCpuMicros'
  | 'handlerMs'
  | 'billedMs'
  | 'elapsedMs'
  | 'logBytes'
  | 'initMs'
  | 'countersMatch'
  | 'countersDetail'
>;

/**
 * Starts measuring a run of `handler`: the call counts start from zero, and each invocation
 * through `invoke` adds its CPU, wall and billed time. `finish` stops the clock, checks the day
 * counters against the queries recorded, and returns what was measured.
 */
function measureRun(env: BenchEnvironment, handler: HandlerProcess) {
  const invocationCpuMicros: number[] = [];
  let handlerMs = 0;
  let billedMs = 0;
  env.resetCalls();
  const logBytesBefore = handler.logBytes();
  const started = performance.now();
  return {
    async invoke(event: unknown): Promise<InvocationResult> {
      const invocation = await handler.invoke(event);
      invocationCpuMicros.push(invocation.cpuMicros);
      handlerMs += invocation.wallMs;
      billedMs += Math.ceil(invocation.wallMs);
      return invocation;
    },
    async finish(
      tableName: string,
      recorded: ReadonlySet<string>,
      usages: ReadonlyMap<string, QueryUsage>,
    ): Promise<FunctionMeasures> {
      const elapsedMs = performance.now() - started;
      const check = await checkDayCounters(env, tableName, recorded, usages);
      return {
        calls: env.calls(),
        dynamo: new Map([...env.dynamo.operations].map(([key, value]) => [key, { ...value }])),
        cpuMicros: invocationCpuMicros.reduce((sum, micros) => sum + micros, 0),
        invocationCpuMicros,
        handlerMs,
        billedMs,
        elapsedMs,
        logBytes: handler.logBytes() - logBytesBefore,
        initMs: handler.initMs,
        countersMatch: check.matches,
        countersDetail: check.detail,
      };
    },
  };
}

/** The usage of each execution, as the handler derives it. */
export function usagesOf(
  executions: Iterable<QueryExecution>,
  pricing: Pricing,
): Map<string, QueryUsage> {
  const usages = new Map<string, QueryUsage>();
  for (const execution of executions) {
    const derived = deriveQueryUsage(execution, pricing);
    if (!derived.ok) throw new Error(`benchmark execution is unusable: ${derived.reason}`);
    usages.set(derived.usage.queryExecutionId, derived.usage);
  }
  return usages;
}

/**
 * Plays `messages` through the bundled ingest function as Lambda's SQS event source mapping
 * would: batches of up to 100 records, each invoked when full or when `batchingWindowMs` has
 * passed since its oldest record became visible (simulated time: the run does not wait), one
 * invocation at a time in one execution environment. Failed records come back after the
 * visibility timeout.
 */
export async function runProduct(
  env: BenchEnvironment,
  bundlePath: string,
  options: {
    readonly label: string;
    readonly tableName: string;
    readonly messages: readonly FeedMessage[];
    readonly batchingWindowMs: number;
    readonly usages: ReadonlyMap<string, QueryUsage>;
    readonly budgetedWorkgroups: ReadonlySet<string>;
    /**
     * Runs with ATTRIBUTE_PRINCIPALS=true: the principal each CloudTrail record among the
     * messages names, by query id (the CloudTrail feed's ground truth).
     */
    readonly callerOf?: ReadonlyMap<string, string>;
  },
): Promise<RunResult> {
  const join = options.callerOf === undefined ? undefined : new CallerJoinBound(options.callerOf);
  const handler = await startFunction(
    env,
    bundlePath,
    'ingest',
    options.tableName,
    join === undefined ? {} : { ATTRIBUTE_PRINCIPALS: 'true' },
  );
  try {
    const queue = ingestQueue(options.batchingWindowMs);
    for (const message of options.messages) queue.send(message);
    const recorded = new Set<string>();
    const terminal = new Set<string>();
    let bound = ZERO_BOUND;
    let failedRecords = 0;
    let sqsReceiveCalls = 0;
    const batchSizes: number[] = [];

    const run = measureRun(env, handler);
    for (let at = queue.nextDispatchAtMs(); at !== undefined; at = queue.nextDispatchAtMs()) {
      const delivery = queue.receive(at);
      const ids = new Set(
        delivery.messages
          .filter((message) => isTerminalState(message.state))
          .map((message) => message.queryExecutionId),
      );
      const callers = new Set(
        delivery.messages
          .filter((message) => message.kind === 'cloudtrail')
          .map((message) => message.queryExecutionId),
      );
      bound = addBounds(
        bound,
        batchLowerBound(ids, recorded, options.usages, options.budgetedWorkgroups, {
          join,
          callers,
        }),
      );
      for (const id of ids) terminal.add(id);
      if (join !== undefined)
        join.outcomes.messages += delivery.messages.filter(
          (message) => message.kind === 'cloudtrail',
        ).length;

      const invocation = await run.invoke(delivery.event);
      sqsReceiveCalls += Math.ceil(delivery.messages.length / 10);
      batchSizes.push(delivery.messages.length);
      const failures =
        invocation.error !== undefined
          ? 'all'
          : (
              (invocation.result as { batchItemFailures?: { itemIdentifier: string }[] })
                ?.batchItemFailures ?? []
            ).map((failure) => failure.itemIdentifier);
      const outcome = queue.settle(delivery, failures);
      failedRecords += outcome.failed.length;
      for (const message of outcome.deleted) {
        if (isTerminalState(message.state)) recorded.add(message.queryExecutionId);
      }
    }
    return {
      label: options.label,
      queries: terminal.size,
      messages: options.messages.length,
      invocations: queue.batches,
      records: queue.received,
      failedRecords,
      bound,
      sqsReceiveCalls,
      batchSizes,
      ...(join === undefined ? {} : { callers: { ...join.outcomes } }),
      ...(await run.finish(options.tableName, recorded, options.usages)),
    };
  } finally {
    await handler.close();
  }
}

/**
 * Plays `messages` through the naive baseline: EventBridge invokes it once per event, so one
 * invocation per message, one after the other in one execution environment.
 */
export async function runNaive(
  env: BenchEnvironment,
  bundlePath: string,
  options: {
    readonly tableName: string;
    readonly messages: readonly FeedMessage[];
    readonly usages: ReadonlyMap<string, QueryUsage>;
  },
): Promise<RunResult> {
  const handler = await startFunction(env, bundlePath, 'naive-baseline', options.tableName);
  try {
    const recorded = new Set<string>();
    let failed = 0;
    const run = measureRun(env, handler);
    for (const message of options.messages) {
      const invocation = await run.invoke(JSON.parse(message.body));
      if (invocation.error !== undefined) failed++;
      else if (isTerminalState(message.state)) recorded.add(message.queryExecutionId);
    }
    const measured = await run.finish(options.tableName, recorded, options.usages);
    const terminal = new Set(
      options.messages
        .filter((message) => isTerminalState(message.state))
        .map((message) => message.queryExecutionId),
    );
    return {
      label: 'naive baseline',
      queries: terminal.size,
      messages: options.messages.length,
      invocations: options.messages.length,
      records: options.messages.length,
      failedRecords: failed,
      bound: ZERO_BOUND,
      sqsReceiveCalls: 0,
      batchSizes: [],
      ...measured,
    };
  } finally {
    await handler.close();
  }
}

/**
 * The lower bound of API calls, per 1,000 queries, if `messages` were batched with another
 * window: SQS → Lambda batching only, no handler (in the 1M/month run the product stays within
 * a few percent of its bound, so this projects its calls).
 */
export function projectWindow(
  messages: readonly FeedMessage[],
  usages: ReadonlyMap<string, QueryUsage>,
  budgetedWorkgroups: ReadonlySet<string>,
  batchingWindowMs: number,
): { readonly batches: number; readonly meanBatch: number; readonly boundPer1000: number } {
  const queue = ingestQueue(batchingWindowMs);
  for (const message of messages) queue.send(message);
  const recorded = new Set<string>();
  let bound = ZERO_BOUND;
  let records = 0;
  for (let at = queue.nextDispatchAtMs(); at !== undefined; at = queue.nextDispatchAtMs()) {
    const delivery = queue.receive(at);
    records += delivery.messages.length;
    const ids = new Set(
      delivery.messages
        .filter((message) => isTerminalState(message.state))
        .map((message) => message.queryExecutionId),
    );
    bound = addBounds(bound, batchLowerBound(ids, recorded, usages, budgetedWorkgroups));
    for (const id of ids) recorded.add(id);
    queue.settle(delivery, []);
  }
  return {
    batches: queue.batches,
    meanBatch: records / Math.max(1, queue.batches),
    boundPer1000: (boundTotal(bound) * 1000) / Math.max(1, recorded.size),
  };
}

/** Compares each workgroup's day counter with the queries recorded (each counted once). */
async function checkDayCounters(
  env: BenchEnvironment,
  tableName: string,
  recorded: ReadonlySet<string>,
  usages: ReadonlyMap<string, QueryUsage>,
): Promise<{ matches: boolean; detail: string }> {
  const expected = new Map<string, number>();
  for (const id of recorded) {
    const usage = usages.get(id);
    if (usage === undefined) continue;
    const key = `${usage.workgroup}|${usage.periods.day}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  const mismatches: string[] = [];
  for (const [key, count] of expected) {
    const [workgroup = '', day = ''] = key.split('|');
    const itemKey = TableKeys.usage(workgroup, 'day', day);
    const output = await env.documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': itemKey.pk, ':sk': periodKeyAttribute('day', day) },
        ConsistentRead: true,
      }),
    );
    const actual = Number(output.Items?.[0]?.queries ?? 0);
    if (actual !== count)
      mismatches.push(`${workgroup} ${day}: ${actual} counted, ${count} expected`);
  }
  return mismatches.length === 0
    ? { matches: true, detail: `${recorded.size} queries, each counted once` }
    : { matches: false, detail: mismatches.join('; ') };
}

/**
 * The fewest calls the design allows for one batch: its terminal ids, those not yet recorded,
 * the counter items the new ones touch, and whether a budgeted workgroup is among them; with
 * principals attributed, its CloudTrail callers too (lowerBoundOf says what they cost).
 */
function batchLowerBound(
  ids: ReadonlySet<string>,
  recorded: ReadonlySet<string>,
  usages: ReadonlyMap<string, QueryUsage>,
  budgetedWorkgroups: ReadonlySet<string>,
  principals: {
    readonly join: CallerJoinBound | undefined;
    readonly callers: ReadonlySet<string>;
  } = { join: undefined, callers: new Set() },
): LowerBound {
  const { join, callers } = principals;
  const fresh = [...ids].filter((id) => !recorded.has(id));
  const counters = new Set<string>();
  for (const id of fresh) {
    const usage = usages.get(id);
    if (usage === undefined) continue;
    for (const period of PERIODS)
      counters.add(`${usage.workgroup}|${period}|${usage.periods[period]}`);
  }
  // Each dbt model and tag value's counters ride in the same transactions (a day's value
  // registry too, once per new value: left out, so this stays a lower bound).
  const freshUsages = fresh.flatMap((id) => {
    const usage = usages.get(id);
    if (usage === undefined) return [];
    return [join === undefined ? usage : join.asRecorded(usage, callers)];
  });
  for (const id of attributionCountersOf(freshUsages).keys()) counters.add(`attribution|${id}`);
  return lowerBoundOf({
    terminalQueries: ids.size,
    newQueries: fresh.length,
    counterItems: counters.size,
    budgeted: [...ids].some((id) => budgetedWorkgroups.has(usages.get(id)?.workgroup ?? '')),
    ...join?.afterRecording(callers, new Set(fresh), recorded, usages),
  });
}

/** The ingest queue's event source mapping as serverless.yml sets it, with this batching window. */
function ingestQueue(batchingWindowMs: number): SimulatedSqsQueue {
  return new SimulatedSqsQueue({
    ...INGEST_QUEUE,
    batchingWindowMs,
    queueArn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:athena-cost-bench-ingest`,
    region: LOCAL_REGION,
    seed: 1,
  });
}

/** A handler process with the environment serverless.yml gives `functionName`. */
export function startFunction(
  env: BenchEnvironment,
  bundlePath: string,
  functionName: string,
  tableName: string,
  overrides: Readonly<Record<string, string>> = {},
): Promise<HandlerProcess> {
  return startHandlerProcess(
    bundlePath,
    { ...env.functionEnv(functionName, tableName), ...overrides },
    {
      functionName: `athena-cost-bench-${functionName === 'naive-baseline' ? 'naive' : functionName}`,
    },
  );
}
