import { randomUUID } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AthenaClient, type QueryExecution } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { loadConfig, type Pricing } from '../../lib/config.js';
import { DynamoDbRecordedQueryIndex } from '../../lib/store/dynamodb-recorded-query-index.js';
import { totalsFromItem } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { periodKeyAttribute, TableKeys } from '../../lib/store/table-keys.js';
import { isTerminalState } from '../../lib/usage/query-usage.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { bundleHandler, removeBundle } from '../environment/bundle-handler.js';
import { createTable } from '../environment/create-table.js';
import { startDynamoDbLocal } from '../environment/dynamodb-local.js';
import { type InvocationContext, loadHandlerSandbox } from '../environment/handler-sandbox.js';
import {
  DEFAULT_NOISE,
  type DeadLetter,
  EventFeed,
  type FeedNoise,
  SimulatedSqsQueue,
} from '../simulation/event-feed.js';
import { MinHeap } from '../simulation/min-heap.js';
import { SimulatedClock } from '../simulation/simulated-clock.js';
import {
  ACCOUNT_ID,
  addWorkgroupsTo,
  applyLimits,
  cancelPlanAt,
  generateSimulatedDay,
  groundTruthOf,
  inFlightExecution,
  LocalAthenaAccount,
  materialize,
  REGION,
  type SimulatedDay,
  type SimulatedQuery,
  utcDayOf,
  type WorkgroupKind,
} from '../simulation/simulated-day.js';
import { type AthenaStandIn, startAthenaStandIn } from '../stand-ins/athena-stand-in.js';
import {
  type CloudWatchStandIn,
  startCloudWatchStandIn,
} from '../stand-ins/cloudwatch-stand-in.js';
import { type SnsStandIn, startSnsStandIn } from '../stand-ins/sns-stand-in.js';
import { printReports, seedBudgets } from './hooks.js';
import { describeWorkgroup, formatSummary, seconds } from './local-mode-summary.js';
import { Progress, progressMode } from './progress-line.js';

/**
 * Local mode: the whole product on this machine, no AWS account. Starts DynamoDB Local and the
 * Athena, CloudWatch and SNS stand-ins, bundles the ingest function exactly as it is deployed,
 * then plays a simulated day of an Athena account through it (EventBridge → SQS → Lambda, with
 * duplicates, delays and redeliveries) and checks the counters against the ground truth.
 *
 * Time: the simulation runs on a simulated clock from 00:00 to 24:00 UTC of the chosen day; the
 * ingest path (SQS polling, the function) takes no simulated time, so the outcome depends only
 * on the options, never on how fast this machine is. `speed` only paces the run for watching.
 */

export const DEFAULT_TABLE_NAME = 'athena-cost-local';
/** One simulated hour per half second: the day in 12 s if the machine keeps up. */
export const DEFAULT_SPEED = 7_200;
export const METRICS_NAMESPACE = 'AthenaCostMonitor';
/**
 * The poller's batching window in simulated time. serverless.yml sets 5 s of real time; the
 * simulation compresses the day (and so its traffic) thousands of times, where 5 real seconds
 * span hours. Half an hour keeps batches full at busy times and still flushes quiet ones, and
 * being fixed, it keeps `speed` from changing anything but the pace.
 */
const SIMULATED_BATCHING_WINDOW_MS = 30 * 60_000;
/** serverless.yml: VisibilityTimeout 420 s, maxReceiveCount 5. */
const VISIBILITY_TIMEOUT_MS = 420_000;
const MAX_RECEIVE_COUNT = 5;
const FUNCTION_NAME = 'athena-cost-local-ingest';
const FUNCTION_TIMEOUT_MS = 60_000;
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

const integer = (flag: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .int({ error: `${flag} must be a whole number` })
    .min(min, { error: `${flag} must be at least ${min}` })
    .max(max, { error: `${flag} must be at most ${max}` })
    .default(fallback);

/** Options of {@link runLocalMode}; messages name the CLI flags. */
export const LocalModeOptionsSchema = z.object({
  queries: integer('--queries', 1, 1_000_000, 3_000),
  workgroups: integer('--workgroups', 2, 50, 4),
  seed: integer('--seed', 0, 4_294_967_295, 42),
  speed: z.coerce
    .number({ error: '--speed must be a number' })
    .positive({ error: '--speed must be greater than 0' })
    .default(DEFAULT_SPEED),
  batchSize: integer('--batch-size', 1, 10_000, 100),
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: '--day must look like YYYY-MM-DD' })
    .refine((day) => utcDayOf(new Date(`${day}T00:00:00Z`)) === day, {
      error: '--day is not a real date',
    })
    .optional(),
  dataDirectory: z.string().min(1, { error: '--data needs a directory' }).optional(),
  logLevel: z
    .string()
    .transform((level) => level.toUpperCase())
    .pipe(z.enum(LOG_LEVELS, { error: `--log-level must be one of ${LOG_LEVELS.join(', ')}` }))
    .optional(),
  tableName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,255}$/, { error: 'table name must be 3-255 of [a-zA-Z0-9_.-]' })
    .default(DEFAULT_TABLE_NAME),
  dynamoDbEndpoint: z.url({ error: 'dynamoDbEndpoint must be a URL' }).optional(),
  sampleBudgets: z.boolean().default(true),
  enforceWorkgroupConfig: z.boolean().default(false),
  throttleRate: z.coerce
    .number({ error: '--throttle must be a number' })
    .min(0, { error: '--throttle must be between 0 and 1' })
    .max(1, { error: '--throttle must be between 0 and 1' })
    .default(0),
  latencyMs: integer('--latency', 0, 10_000, 0),
});

/** Where runLocalMode writes; `process.stdout` by default. */
export interface LocalModeOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface LocalModeOptions {
  /** Queries in the simulated day (default 3000). */
  readonly queries?: number;
  /** Workgroups, at least 2: all but one on a capacity reservation, plus `adhoc` (default 4). */
  readonly workgroups?: number;
  /** Same seed, same account, same queries, same totals (default 42). */
  readonly seed?: number;
  /** Simulated seconds per real second, for pacing only (default {@link DEFAULT_SPEED}). */
  readonly speed?: number;
  /** SQS batch size of the event source mapping (default 100). */
  readonly batchSize?: number;
  /** The UTC day to simulate, `YYYY-MM-DD` (default: today). */
  readonly day?: string;
  /** Keep DynamoDB Local's database in this folder instead of in memory. */
  readonly dataDirectory?: string | undefined;
  /** POWERTOOLS_LOG_LEVEL of the function (default: the environment's, else ERROR). */
  readonly logLevel?: string | undefined;
  /** Table to use (created when missing; default `athena-cost-local`). */
  readonly tableName?: string;
  /** Use this DynamoDB (e.g. the tests' DynamoDB Local) instead of starting one. */
  readonly dynamoDbEndpoint?: string | undefined;
  /** Store the sample budgets of local/mode/hooks.ts before the day starts (default true). */
  readonly sampleBudgets?: boolean;
  /** Share of Athena and CloudWatch calls the stand-ins answer with throttling (default 0). */
  readonly throttleRate?: number;
  /** Latency the Athena and CloudWatch stand-ins add to every call, in ms (default 0). */
  readonly latencyMs?: number;
  /** Function to bundle and run (default `functions/ingest.ts`). */
  readonly handlerEntry?: string;
  /** Delivery noise (default {@link DEFAULT_NOISE}). */
  readonly noise?: FeedNoise;
  readonly output?: LocalModeOutput;
  /** `auto`: one updating line on a TTY, periodic lines otherwise; `none`: no progress. */
  readonly progress?: 'auto' | 'tty' | 'plain' | 'none';
  /** Aborts the run (Ctrl-C); everything started is still shut down. */
  readonly signal?: AbortSignal;
  /**
   * Called after every invocation of the function, with the simulated clock at the batch's
   * time. What it does to the Athena stand-in (disable a workgroup, lower its DPU cap, stop
   * queries) shapes the rest of the day, as the enforcer's own changes do.
   */
  readonly afterBatch?: (ctx: LocalModeContext, batch: BatchInfo) => Promise<void> | void;
}

/** One invocation of the function during the simulation. */
export interface BatchInfo {
  /** 1-based. */
  readonly number: number;
  readonly atMs: number;
  readonly records: number;
  readonly failedRecords: number;
}

export type ResolvedLocalModeOptions = z.infer<typeof LocalModeOptionsSchema> & {
  readonly day: string;
};

/** What the hooks in local/mode/hooks.ts get: everything running, and the day being simulated. */
export interface LocalModeContext {
  readonly options: ResolvedLocalModeOptions;
  readonly region: string;
  readonly accountId: string;
  readonly tableName: string;
  readonly metricsNamespace: string;
  readonly alertsTopicArn: string;
  readonly pricing: Pricing;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly athena: string;
    readonly cloudwatch: string;
    readonly sns: string;
  };
  /** Clients pointed at the local endpoints, with dummy credentials. */
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly documents: DynamoDBDocumentClient;
    readonly athena: AthenaClient;
    readonly cloudwatch: CloudWatchClient;
    readonly sns: SNSClient;
  };
  /** The Athena stand-in; `athena.account.updateWorkGroupCalls` lists what the enforcer did. */
  readonly athena: AthenaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
  /** Messages published to the alerts topic are in `sns.messages`. */
  readonly sns: SnsStandIn;
  /** The simulated day: workgroups and planned queries. */
  readonly day: SimulatedDay;
  /** Each workgroup's usage for the day as planned, before any enforcement. */
  readonly plannedTotals: ReadonlyMap<string, UsageTotals>;
  readonly clock: SimulatedClock;
  /**
   * What local mode sets for the function (endpoints, dummy credentials, TABLE_NAME, ...), on
   * top of the inherited environment. Also set in `process.env` for the duration of the run.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Writes one line to the run's output. */
  readonly out: (line?: string) => void;
}

/** One workgroup's counters against the ground truth, with CloudWatch's sums beside them. */
export interface WorkgroupResult {
  readonly workgroup: string;
  readonly kind: WorkgroupKind;
  /** From the simulated executions that finished. */
  readonly groundTruth: UsageTotals;
  /** What the counters must show: the ground truth, plus what an earlier run left (--data). */
  readonly expected: UsageTotals;
  /** Read back from DynamoDB (`USAGE#<workgroup>`, `day#<day>`). */
  readonly actual: UsageTotals;
  readonly mismatches: readonly (keyof UsageTotals)[];
  readonly cloudWatch: {
    readonly queryCount: number;
    readonly dpuHours: number;
    readonly costUsd: number;
  };
  /** Queries refused because the workgroup was disabled. */
  readonly rejected: number;
}

export interface LocalModeSummary {
  readonly day: string;
  readonly seed: number;
  readonly tableName: string;
  readonly queriesPlanned: number;
  /** Queries that ran to a terminal state (the ground truth counts these). */
  readonly queriesSimulated: number;
  readonly queriesRejected: number;
  /** Running queries cancelled by StopQueryExecution. */
  readonly queriesStopped: number;
  /** Distinct queries whose terminal event the function accepted. */
  readonly queriesIngested: number;
  /** Messages EventBridge put in the queue, duplicates and stray RUNNING events included. */
  readonly eventsDelivered: number;
  readonly duplicates: number;
  readonly delayedEvents: number;
  readonly lateRunningEvents: number;
  readonly batches: number;
  readonly recordsReceived: number;
  readonly recordsFailed: number;
  readonly recordsRedelivered: number;
  readonly invocationErrors: number;
  readonly deadLetters: readonly DeadLetter[];
  /** Queries the table already held when the run started (a kept `--data` database). */
  readonly alreadyRecorded: number;
  readonly workgroups: readonly WorkgroupResult[];
  readonly groundTruth: ReadonlyMap<string, UsageTotals>;
  readonly cloudWatchQueryCount: number;
  readonly budgets: readonly string[];
  readonly workgroupUpdates: number;
  /** True when every counter equals its expected value and the DLQ is empty. */
  readonly matches: boolean;
  readonly elapsedMs: number;
}

type IngestHandler = (
  event: SQSEvent,
  context: InvocationContext,
) => Promise<SQSBatchResponse | undefined>;

/** Parses and completes options; throws a ZodError naming the bad flags. */
export function resolveLocalModeOptions(
  options: Partial<Record<keyof z.input<typeof LocalModeOptionsSchema>, unknown>> = {},
): ResolvedLocalModeOptions {
  const parsed = LocalModeOptionsSchema.parse({
    queries: options.queries,
    workgroups: options.workgroups,
    seed: options.seed,
    speed: options.speed,
    batchSize: options.batchSize,
    day: options.day,
    dataDirectory: options.dataDirectory,
    logLevel: options.logLevel,
    tableName: options.tableName,
    dynamoDbEndpoint: options.dynamoDbEndpoint,
    sampleBudgets: options.sampleBudgets,
    enforceWorkgroupConfig: options.enforceWorkgroupConfig,
    throttleRate: options.throttleRate,
    latencyMs: options.latencyMs,
  });
  return { ...parsed, day: parsed.day ?? utcDayOf(new Date()) };
}

/**
 * Runs local mode end to end and returns the summary (also printed to `output`). Everything it
 * starts is stopped before it returns or throws, and the environment is restored.
 */
export async function runLocalMode(options: LocalModeOptions = {}): Promise<LocalModeSummary> {
  const resolved = resolveLocalModeOptions(options);
  const output = options.output ?? process.stdout;
  const out = (line = '') => {
    output.write(`${line}\n`);
  };
  const signal = options.signal;
  const startedAt = Date.now();
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        out(`warning: cleanup failed: ${(error as Error).message}`);
      }
    }
  };

  try {
    const day = generateSimulatedDay({
      queries: resolved.queries,
      workgroups: resolved.workgroups,
      seed: resolved.seed,
      day: resolved.day,
    });
    out(
      `athena-cost local mode · day ${day.day} UTC · ${resolved.queries} queries · ${resolved.workgroups} workgroups · seed ${resolved.seed}`,
    );

    // Bundle while DynamoDB Local starts: both take a moment.
    const bundling = timed(() => bundleHandler(options.handlerEntry ?? 'functions/ingest.ts'));
    // Registered first, so it runs last: the folder is removed even if bundling ends late.
    cleanups.push(async () => {
      const bundled = await bundling.catch(() => undefined);
      if (bundled !== undefined) await removeBundle(bundled.value);
    });

    let dynamoDbEndpoint = resolved.dynamoDbEndpoint;
    if (dynamoDbEndpoint === undefined) {
      let dataDirectory: string | undefined;
      if (resolved.dataDirectory !== undefined) {
        dataDirectory = resolve(resolved.dataDirectory);
        await mkdir(dataDirectory, { recursive: true });
      }
      const { value: dynamo, ms } = await timed(() =>
        startDynamoDbLocal(dataDirectory === undefined ? {} : { dataDirectory }),
      );
      cleanups.push(() => dynamo.stop());
      dynamoDbEndpoint = dynamo.endpoint;
      out(
        `  DynamoDB Local      ${dynamo.endpoint}  (${dataDirectory === undefined ? 'in memory' : `data in ${dataDirectory}`}, ${seconds(ms)})`,
      );
    } else {
      out(`  DynamoDB            ${dynamoDbEndpoint}  (given)`);
    }
    signal?.throwIfAborted();

    const clock = new SimulatedClock(day.start);
    const account = new LocalAthenaAccount(clock.now);
    const athena = await startAthenaStandIn({ account, seed: resolved.seed });
    cleanups.push(() => athena.close());
    const cloudWatch = await startCloudWatchStandIn({
      clock: clock.now,
      seed: resolved.seed,
      region: REGION,
      accountId: ACCOUNT_ID,
    });
    cleanups.push(() => cloudWatch.close());
    const alertsTopicArn = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:athena-cost-local-alerts`;
    const sns = await startSnsStandIn({
      topics: [alertsTopicArn],
      clock: clock.now,
      seed: resolved.seed,
    });
    cleanups.push(() => sns.close());
    if (resolved.throttleRate > 0 || resolved.latencyMs > 0) {
      // Faults for demos: the SDK's retries absorb most, SQS redelivery the rest.
      const rule = { throttleRate: resolved.throttleRate, latencyMs: resolved.latencyMs };
      athena.faults = { '*': rule };
      cloudWatch.faults = { '*': rule };
    }
    out(`  Athena stand-in     ${athena.endpoint}`);
    out(`  CloudWatch stand-in ${cloudWatch.endpoint}`);
    out(`  SNS stand-in        ${sns.endpoint}`);

    const env: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
      AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      // The SDK warns once per copy (host and bundle) that Node 20 support ends in 2027.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: resolved.tableName,
      METRICS_NAMESPACE,
      ALERTS_TOPIC_ARN: alertsTopicArn,
      POWERTOOLS_SERVICE_NAME: 'athena-cost',
      POWERTOOLS_LOG_LEVEL: resolved.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    };
    cleanups.push(setEnvironment(env, ['AWS_SESSION_TOKEN', 'AWS_PROFILE']));
    // The same configuration the function will load (prices may come from the shell).
    const config = loadConfig(process.env);

    const clientConfig = (endpoint: string) => ({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const dynamodb = new DynamoDBClient(clientConfig(dynamoDbEndpoint));
    const clients = {
      dynamodb,
      documents: DynamoDBDocumentClient.from(dynamodb, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      athena: new AthenaClient(clientConfig(athena.endpoint)),
      cloudwatch: new CloudWatchClient(clientConfig(cloudWatch.endpoint)),
      sns: new SNSClient(clientConfig(sns.endpoint)),
    };
    cleanups.push(() => {
      for (const client of Object.values(clients)) client.destroy();
    });

    const tableCreated = await ensureTable(dynamodb, resolved.tableName);
    out(
      `  Table               ${resolved.tableName} (${tableCreated ? 'created' : 'already there'})`,
    );

    const { value: bundlePath, ms: bundleMs } = await bundling;
    const { size } = await stat(bundlePath);
    // The function reads its configuration when loaded, in its own sandbox with `env`.
    const sandbox = await loadHandlerSandbox(bundlePath, process.env);
    cleanups.push(() => sandbox.close());
    const handler: IngestHandler = async (event, context) =>
      (await sandbox.invoke(event, context)) as SQSBatchResponse | undefined;
    out(
      `  Ingest function     ${bundlePath} (${(size / 1024).toFixed(0)} KiB, bundled in ${seconds(bundleMs)})`,
    );
    signal?.throwIfAborted();

    addWorkgroupsTo(account, day);
    const names = day.workgroups.map((workgroup) => workgroup.name);
    const plannedTotals = groundTruthOf(
      day.queries.map((query) => query.execution),
      names,
      config.pricing,
    );
    out();
    out('Workgroups in the Athena stand-in:');
    for (const workgroup of day.workgroups) {
      const planned = day.queries.filter((query) => query.workgroup === workgroup.name).length;
      out(
        `  ${workgroup.name.padEnd(14)} ${describeWorkgroup(workgroup.init)} · ${planned} queries planned`,
      );
    }

    const ctx: LocalModeContext = {
      options: resolved,
      region: REGION,
      accountId: ACCOUNT_ID,
      tableName: resolved.tableName,
      metricsNamespace: METRICS_NAMESPACE,
      alertsTopicArn,
      pricing: config.pricing,
      endpoints: {
        dynamodb: dynamoDbEndpoint,
        athena: athena.endpoint,
        cloudwatch: cloudWatch.endpoint,
        sns: sns.endpoint,
      },
      clients,
      athena,
      cloudWatch,
      sns,
      day,
      plannedTotals,
      clock,
      env,
      out,
    };

    // With a kept database the table may already count some of these queries (an earlier run
    // with the same seed and day): those must not be counted again.
    const baseline = tableCreated
      ? new Map<string, UsageTotals>()
      : await readCounters(clients.documents, resolved.tableName, names, day.day);
    const alreadyRecorded = tableCreated
      ? new Set<string>()
      : new Set(
          (
            await new DynamoDbRecordedQueryIndex(clients.documents, resolved.tableName).lookup(
              day.queries.map((query) => query.id),
            )
          ).keys(),
        );

    const budgets = ctx.options.sampleBudgets ? await seedBudgets(ctx) : [];
    out();
    out('Budgets:');
    if (budgets.length === 0) out('  none');
    for (const budget of budgets) out(`  ${budget}`);
    out();

    const simulation = await simulate(ctx, handler, account, {
      batchSize: resolved.batchSize,
      speed: resolved.speed,
      noise: options.noise ?? DEFAULT_NOISE,
      progress: progressMode(options.progress ?? 'auto', output),
      output,
      signal,
      afterBatch: options.afterBatch,
    });
    clock.advanceTo(day.end.getTime());

    const groundTruth = groundTruthOf(simulation.finished.values(), names, config.pricing);
    const newlyRun = [...simulation.finished.values()].filter(
      (execution) => !alreadyRecorded.has(execution.QueryExecutionId ?? ''),
    );
    const newTruth = groundTruthOf(newlyRun, names, config.pricing);
    const actual = await readCounters(clients.documents, resolved.tableName, names, day.day);

    const workgroups = day.workgroups.map((workgroup): WorkgroupResult => {
      const expected = addTotals(
        baseline.get(workgroup.name) ?? ZERO_TOTALS,
        newTruth.get(workgroup.name) ?? ZERO_TOTALS,
      );
      const read = actual.get(workgroup.name) ?? ZERO_TOTALS;
      const dimensions = { WorkGroup: workgroup.name };
      return {
        workgroup: workgroup.name,
        kind: workgroup.kind,
        groundTruth: groundTruth.get(workgroup.name) ?? ZERO_TOTALS,
        expected,
        actual: read,
        mismatches: (Object.keys(expected) as (keyof UsageTotals)[]).filter(
          (field) => expected[field] !== read[field],
        ),
        cloudWatch: {
          queryCount: cloudWatch.metrics.sum(METRICS_NAMESPACE, 'QueryCount', dimensions),
          dpuHours: cloudWatch.metrics.sum(METRICS_NAMESPACE, 'DpuHours', dimensions),
          costUsd: cloudWatch.metrics.sum(METRICS_NAMESPACE, 'CostUsd', dimensions),
        },
        rejected: simulation.rejectedByWorkgroup.get(workgroup.name) ?? 0,
      };
    });

    const summary: LocalModeSummary = {
      day: day.day,
      seed: resolved.seed,
      tableName: resolved.tableName,
      queriesPlanned: day.queries.length,
      queriesSimulated: simulation.finished.size,
      queriesRejected: simulation.rejected,
      queriesStopped: simulation.stopped,
      queriesIngested: simulation.ingested.size,
      eventsDelivered: simulation.feed.stats.messages,
      duplicates: simulation.feed.stats.duplicates,
      delayedEvents: simulation.feed.stats.delayed,
      lateRunningEvents: simulation.feed.stats.lateRunning,
      batches: simulation.queue.batches,
      recordsReceived: simulation.queue.received,
      recordsFailed: simulation.recordsFailed,
      recordsRedelivered: simulation.queue.redelivered,
      invocationErrors: simulation.invocationErrors,
      deadLetters: [...simulation.queue.deadLetters],
      alreadyRecorded: alreadyRecorded.size,
      workgroups,
      groundTruth,
      cloudWatchQueryCount: workgroups.reduce(
        (sum, result) => sum + result.cloudWatch.queryCount,
        0,
      ),
      budgets,
      workgroupUpdates: account.updateWorkGroupCalls.length,
      matches:
        workgroups.every((result) => result.mismatches.length === 0) &&
        simulation.queue.deadLetters.length === 0,
      elapsedMs: Date.now() - startedAt,
    };
    for (const line of formatSummary(summary, ctx)) out(line);
    if (simulation.lastInvocationError !== undefined) {
      out(`last invocation error: ${simulation.lastInvocationError}`);
    }
    await printReports(ctx, summary);
    return summary;
  } finally {
    await cleanup();
  }
}

interface SimulationSettings {
  readonly batchSize: number;
  readonly speed: number;
  readonly noise: FeedNoise;
  readonly progress: 'tty' | 'plain' | 'none';
  readonly output: LocalModeOutput;
  readonly signal: AbortSignal | undefined;
  readonly afterBatch: LocalModeOptions['afterBatch'];
}

interface SimulationResult {
  /** Terminal executions by id, as the Athena stand-in serves them. */
  readonly finished: Map<string, QueryExecution>;
  readonly ingested: Set<string>;
  readonly feed: EventFeed;
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
async function simulate(
  ctx: LocalModeContext,
  handler: IngestHandler,
  account: LocalAthenaAccount,
  settings: SimulationSettings,
): Promise<SimulationResult> {
  const { day, clock } = ctx;
  const dayEndMs = day.end.getTime();
  const feed = new EventFeed(day.seed, day.day, settings.noise);
  const queue = new SimulatedSqsQueue({
    batchSize: settings.batchSize,
    batchingWindowMs: SIMULATED_BATCHING_WINDOW_MS,
    visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    queueArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:athena-cost-local-ingest`,
    region: REGION,
    seed: day.seed,
  });
  const result: SimulationResult = {
    finished: new Map(),
    ingested: new Set(),
    feed,
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

  try {
    for (;;) {
      settings.signal?.throwIfAborted();
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
          if (plan.unprocessedFetches > 0)
            account.unprocessedTimes(plan.id, plan.unprocessedFetches);
          inFlight.set(submitted.id, submitted);
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
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: `${day.replaceAll('-', '/')}/[$LATEST]local`,
    deadlineMs: Date.now() + FUNCTION_TIMEOUT_MS,
    clockMs,
  };
}

/** Creates the table unless it exists; true when it was created. */
async function ensureTable(dynamodb: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await createTable(dynamodb, tableName);
    return true;
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
}

/** Each workgroup's day counters (strongly consistent). */
async function readCounters(
  documents: DynamoDBDocumentClient,
  tableName: string,
  workgroups: readonly string[],
  day: string,
): Promise<Map<string, UsageTotals>> {
  const totals = new Map<string, UsageTotals>();
  for (const workgroup of workgroups) {
    const key = TableKeys.usage(workgroup, 'day', day);
    const output = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': key.pk, ':sk': periodKeyAttribute('day', day) },
        ConsistentRead: true,
      }),
    );
    const item = output.Items?.[0];
    totals.set(workgroup, item === undefined ? ZERO_TOTALS : totalsFromItem(item));
  }
  return totals;
}

/** Sets variables (and removes `unset`); returns a function that puts everything back. */
function setEnvironment(
  values: Readonly<Record<string, string>>,
  unset: readonly string[],
): () => void {
  const previous = new Map<string, string | undefined>();
  for (const key of [...Object.keys(values), ...unset]) previous.set(key, process.env[key]);
  for (const key of unset) delete process.env[key];
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
