import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DeleteTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { loadConfig } from '../../lib/config.js';
import { DynamoDbUsageCounterReader } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { counterId } from '../../lib/store/usage-counter-reader.js';
import { PRINCIPAL_KEY } from '../../lib/usage/query-principal.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { bundleHandler, removeBundle } from '../environment/bundle-handler.js';
import { createTable } from '../environment/create-table.js';
import { loadHandlerSandbox } from '../environment/handler-sandbox.js';
import { METRICS_NAMESPACE } from '../environment/local-account.js';
import { type LocalAws, startLocalAws } from '../environment/local-aws.js';
import { checkAttribution } from '../simulation/attribution-check.js';
import { principalTruthOf } from '../simulation/cloudtrail-feed.js';
import { DEFAULT_NOISE, type FeedNoise } from '../simulation/event-feed.js';
import { SimulatedClock } from '../simulation/simulated-clock.js';
import {
  addWorkgroupsTo,
  attributionTruthOf,
  generateSimulatedDay,
  groundTruthOf,
} from '../simulation/simulated-day.js';
import { SimulatedAthenaAccount } from '../stand-ins/athena-stand-in.js';
import { checkAttributionBudget, sampleAttributionBudget } from './attribution-budget-check.js';
import { formatReservation, startReservationAccounting } from './capacity-reservation.js';
import type { AfterBatch, LocalModeContext, LocalModeOutput } from './context.js';
import { afternoonOperator, printReports, seedBudgets } from './hooks.js';
import {
  describeWorkgroup,
  formatSummary,
  type LocalModeSummary,
  seconds,
  type WorkgroupResult,
} from './local-mode-summary.js';
import { type LocalModeSettings, resolveLocalModeOptions } from './options.js';
import { type IngestHandler, playDay, type SimulationResult } from './play-day.js';
import { setEnvironment } from './process-environment.js';
import { type ProgressSetting, progressMode } from './progress-line.js';
import { saveAccount } from './saved-account.js';
import { formatSpark, startSparkSessions } from './spark-sessions.js';

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

/** The schema's options (see options.ts), plus what only a program can pass. */
export type LocalModeOptions = LocalModeSettings & {
  /** Function to bundle and run (default `functions/ingest.ts`). */
  readonly handlerEntry?: string;
  /** Delivery noise (default {@link DEFAULT_NOISE}). */
  readonly noise?: FeedNoise;
  readonly output?: LocalModeOutput;
  /** `auto`: one updating line on a TTY, periodic lines otherwise; `none`: no progress. */
  readonly progress?: ProgressSetting;
  /** Aborts the run (Ctrl-C); everything started is still shut down. */
  readonly signal?: AbortSignal;
  readonly afterBatch?: AfterBatch;
};

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
  const { signal } = options;
  const startedAt = Date.now();
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const day = generateSimulatedDay(resolved);
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

    const dataDirectory =
      resolved.dataDirectory === undefined ? undefined : resolve(resolved.dataDirectory);
    if (dataDirectory !== undefined && resolved.dynamoDbEndpoint === undefined) {
      await mkdir(dataDirectory, { recursive: true });
    }
    const clock = new SimulatedClock(day.start);
    const aws = await startLocalAws({
      dynamoDbEndpoint: resolved.dynamoDbEndpoint,
      dataDirectory,
      athenaAccount: new SimulatedAthenaAccount(clock.now),
      clock: clock.now,
      seed: resolved.seed,
    });
    cleanups.push(() => aws.close());
    out(
      aws.dynamoDbLocal === undefined
        ? `  DynamoDB            ${aws.endpoints.dynamodb}  (given)`
        : `  DynamoDB Local      ${aws.endpoints.dynamodb}  (${dataDirectory === undefined ? 'in memory' : `data in ${dataDirectory}`}, ${seconds(aws.dynamoDbLocal.startMs)})`,
    );
    signal?.throwIfAborted();
    if (resolved.throttleRate > 0 || resolved.latencyMs > 0) {
      // Faults for demos: the SDK's retries absorb most, SQS redelivery the rest.
      const rule = { throttleRate: resolved.throttleRate, latencyMs: resolved.latencyMs };
      aws.athena.faults = { '*': rule };
      aws.cloudWatch.faults = { '*': rule };
    }
    out(`  Athena stand-in     ${aws.endpoints.athena}`);
    out(`  CloudWatch stand-in ${aws.endpoints.cloudwatch}`);
    out(`  SNS stand-in        ${aws.endpoints.sns}`);

    const env: Record<string, string> = {
      ...aws.env,
      TABLE_NAME: resolved.tableName,
      METRICS_NAMESPACE,
      ALERTS_TOPIC_ARN: aws.alertsTopicArn,
      // The CloudTrail join: the simulated day's StartQueryExecution records go through the queue.
      ATTRIBUTE_PRINCIPALS: 'true',
      POWERTOOLS_SERVICE_NAME: 'athena-cost',
      POWERTOOLS_LOG_LEVEL: resolved.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    };
    cleanups.push(setEnvironment(env, ['AWS_SESSION_TOKEN', 'AWS_PROFILE']));
    // The same configuration the function will load (prices may come from the shell).
    const config = loadConfig(process.env);

    // A second run on the same --data starts clean: the same seed then gives the same totals
    // and the same actions, not an earlier run's day counted on top of this one.
    const table = await freshTable(aws, resolved.tableName);
    out(
      `  Table               ${resolved.tableName} (${table === 'created' ? 'created' : 'it held an earlier run: started from a clean table'})`,
    );

    const { value: bundlePath, ms: bundleMs } = await bundling;
    const { size } = await stat(bundlePath);
    // The function reads its configuration when loaded, in its own sandbox with `env`.
    // The function's log lines start on a line of their own, never inside the progress line.
    const clearLine = progressMode(options.progress ?? 'auto', output) === 'tty' ? '\r\x1b[2K' : '';
    const sandbox = await loadHandlerSandbox(bundlePath, process.env, 'handler', (text) => {
      output.write(`${clearLine}${text}`);
    });
    cleanups.push(() => sandbox.close());
    const handler: IngestHandler = async (event, context) =>
      (await sandbox.invoke(event, context)) as SQSBatchResponse | undefined;
    out(
      `  Ingest function     ${bundlePath} (${(size / 1024).toFixed(0)} KiB, bundled in ${seconds(bundleMs)})`,
    );
    signal?.throwIfAborted();

    addWorkgroupsTo(aws.athena.account, day);
    const names = day.workgroups.map((workgroup) => workgroup.name);
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
      region: aws.region,
      accountId: aws.accountId,
      tableName: resolved.tableName,
      metricsNamespace: METRICS_NAMESPACE,
      alertsTopicArn: aws.alertsTopicArn,
      pricing: config.pricing,
      endpoints: aws.endpoints,
      clients: aws.clients,
      athena: aws.athena,
      cloudWatch: aws.cloudWatch,
      sns: aws.sns,
      day,
      plannedTotals: groundTruthOf(
        day.queries.map((query) => query.execution),
        names,
        config.pricing,
      ),
      clock,
      env,
      out,
    };

    // The Spark workgroup and its sessions, swept every 5 minutes as the spark-sessions function.
    const spark = await startSparkSessions(ctx, { budget: ctx.options.sampleBudgets });
    const budgets = ctx.options.sampleBudgets ? [...(await seedBudgets(ctx)), spark.budget] : [];
    out();
    out('Budgets:');
    if (budgets.length === 0) out('  none');
    for (const budget of budgets) out(`  ${budget}`);
    out();

    // The capacity reservation serving the capacity workgroups, counted as the capacity
    // function counts it: its first run now, its last after the day.
    const reservationAccounting = await startReservationAccounting(ctx);

    const simulation = await playDay(ctx, handler, {
      batchSize: resolved.batchSize,
      speed: resolved.speed,
      noise: options.noise ?? DEFAULT_NOISE,
      progress: progressMode(options.progress ?? 'auto', output),
      output,
      signal,
      afterBatch: afterEachBatch(ctx.options.sampleBudgets, options.afterBatch),
      scheduled: spark.scheduled,
    });
    clock.advanceTo(day.end.getTime());
    const sparkResult = await spark.finish();

    const actual = await readDayCounters(ctx);
    const reservation = await reservationAccounting.finish(simulation.finished.values());
    const counted = summarize(ctx, simulation, actual, budgets, startedAt);
    // Principals are one more key: who the simulation made call each finished query, `unknown`
    // where its CloudTrail record never came.
    const truth = attributionTruthOf(day.queries, simulation.finished, ctx.pricing);
    truth.set(
      PRINCIPAL_KEY,
      principalTruthOf(simulation.finished.values(), simulation.cloudTrail, ctx.pricing),
    );
    const attribution = await checkAttribution(
      {
        documents: ctx.clients.documents,
        tableName: ctx.tableName,
        range: { from: day.day, to: day.day },
      },
      truth,
    );
    // The same budget seedBudgets stored (sized from the planned day), checked against the truth.
    const attributionBudget = ctx.options.sampleBudgets
      ? checkAttributionBudget(ctx, sampleAttributionBudget(ctx, day.start.toISOString()), truth)
      : undefined;
    const summary = {
      ...counted,
      reservation,
      attribution,
      ...(attributionBudget === undefined ? {} : { attributionBudget }),
      spark: sparkResult,
      matches:
        counted.matches &&
        attribution.every((check) => check.matches) &&
        sparkResult.matches &&
        (attributionBudget?.matches ?? true),
    };
    for (const line of formatSummary(summary, ctx)) out(line);
    out();
    for (const line of formatReservation(reservation)) out(line);
    out();
    for (const line of formatSpark(sparkResult)) out(line);
    if (simulation.lastInvocationError !== undefined) {
      out(`last invocation error: ${simulation.lastInvocationError}`);
    }
    await printReports(ctx, summary);
    if (dataDirectory !== undefined && resolved.dynamoDbEndpoint === undefined) {
      await saveAccount(dataDirectory, {
        tableName: resolved.tableName,
        day: day.day,
        seed: resolved.seed,
        clock: new Date(Math.min(clock.nowMs, day.end.getTime() - 1)),
        athena: aws.athena.account,
      });
    }
    for (const line of nextSteps(resolved.dataDirectory)) out(line);
    return summary;
  } finally {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        out(`warning: cleanup failed: ${(error as Error).message}`);
      }
    }
  }
}

/** Local mode's last lines: the CLI on the account it kept, or how to keep one. */
export function nextSteps(dataDirectory: string | undefined): string[] {
  if (dataDirectory === undefined) {
    return [
      '',
      'To explore this account with the CLI, keep it with --data, then run any command on it:',
      '  npm start -- --data .local-data',
      '  npx athena-cost --local .local-data status',
    ];
  }
  const cli = `npx athena-cost --local ${dataDirectory}`;
  return [
    '',
    `The account is kept in ${dataDirectory}. Run any athena-cost command on it, for example:`,
    `  ${cli} report --top 10`,
    `  ${cli} budget list`,
    `  ${cli} status`,
  ];
}

/** Each workgroup's counter for the day, through the store's own reader. */
async function readDayCounters(ctx: LocalModeContext): Promise<Map<string, UsageTotals>> {
  const keys = ctx.day.workgroups.map((workgroup) => ({
    workgroup: workgroup.name,
    period: 'day' as const,
    periodKey: ctx.day.day,
  }));
  const reader = new DynamoDbUsageCounterReader(ctx.clients.documents, ctx.tableName);
  const totals = await reader.totalsFor(keys);
  return new Map(keys.map((key) => [key.workgroup, totals.get(counterId(key)) ?? ZERO_TOTALS]));
}

/** The day's outcome: every workgroup's counters against the ground truth, and the traffic. */
function summarize(
  ctx: LocalModeContext,
  simulation: SimulationResult,
  actual: ReadonlyMap<string, UsageTotals>,
  budgets: readonly string[],
  startedAt: number,
): LocalModeSummary {
  const { day, pricing } = ctx;
  const names = day.workgroups.map((workgroup) => workgroup.name);
  const groundTruth = groundTruthOf(simulation.finished.values(), names, pricing);
  const workgroups = day.workgroups.map((workgroup): WorkgroupResult => {
    const expected = groundTruth.get(workgroup.name) ?? ZERO_TOTALS;
    const read = actual.get(workgroup.name) ?? ZERO_TOTALS;
    const dimensions = { WorkGroup: workgroup.name };
    const metric = (name: string) =>
      ctx.cloudWatch.metrics.sum(ctx.metricsNamespace, name, dimensions);
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
        queryCount: metric('QueryCount'),
        dpuHours: metric('DpuHours'),
        costUsd: metric('CostUsd'),
      },
      rejected: simulation.rejectedByWorkgroup.get(workgroup.name) ?? 0,
    };
  });
  const { feed, queue } = simulation;
  return {
    day: day.day,
    seed: ctx.options.seed,
    tableName: ctx.tableName,
    queriesPlanned: day.queries.length,
    queriesSimulated: simulation.finished.size,
    queriesRejected: simulation.rejected,
    queriesStopped: simulation.stopped,
    queriesIngested: simulation.ingested.size,
    eventsDelivered: feed.stats.messages,
    duplicates: feed.stats.duplicates,
    delayedEvents: feed.stats.delayed,
    lateRunningEvents: feed.stats.lateRunning,
    batches: queue.batches,
    recordsReceived: queue.received,
    recordsFailed: simulation.recordsFailed,
    recordsRedelivered: queue.redelivered,
    invocationErrors: simulation.invocationErrors,
    deadLetters: [...queue.deadLetters],
    workgroups,
    groundTruth,
    cloudWatchQueryCount: workgroups.reduce((sum, result) => sum + result.cloudWatch.queryCount, 0),
    budgets,
    workgroupUpdates: ctx.athena.account.updateWorkGroupCalls.length,
    matches:
      workgroups.every((result) => result.mismatches.length === 0) &&
      queue.deadLetters.length === 0,
    elapsedMs: Date.now() - startedAt,
  };
}

/** Creates the table, first deleting one an earlier run left. */
async function freshTable(aws: LocalAws, tableName: string): Promise<'created' | 'recreated'> {
  try {
    await createTable(aws.clients.dynamodb, tableName);
    return 'created';
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await aws.clients.dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
  await createTable(aws.clients.dynamodb, tableName);
  return 'recreated';
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

/** With the sample budgets, the afternoon operator of local/mode/hooks.ts runs before `custom`. */
function afterEachBatch(
  sampleBudgets: boolean,
  custom: AfterBatch | undefined,
): AfterBatch | undefined {
  if (!sampleBudgets) return custom;
  const operator = afternoonOperator();
  return async (ctx, batch) => {
    await operator(ctx, batch);
    await custom?.(ctx, batch);
  };
}
