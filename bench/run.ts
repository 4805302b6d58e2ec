import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../lib/config.js';
import { TableKeys } from '../lib/store/table-keys.js';
import { DAY_MS } from '../lib/usage/period-keys.js';
import { dpuHoursFromMillis, usdFromNano } from '../lib/usage/pricing.js';
import { countedAttributions } from '../lib/usage/query-attribution.js';
import { PRINCIPAL_KEY, UNKNOWN_PRINCIPAL } from '../lib/usage/query-principal.js';
import type { QueryUsage } from '../lib/usage/query-usage.js';
import { addTotals, totalsOf, ZERO_TOTALS } from '../lib/usage/usage-totals.js';
import { REPO_ROOT } from '../local/environment/bundle-handler.js';
import { readTableDefinition } from '../local/environment/create-table.js';
import { checkAttribution } from '../local/simulation/attribution-check.js';
import { CloudTrailFeed, principalTruthOf } from '../local/simulation/cloudtrail-feed.js';
import { DEFAULT_NOISE, EventFeed, type FeedMessage } from '../local/simulation/event-feed.js';
import { capacityDayBudget, onDemandDayBudget } from '../local/simulation/sample-budgets.js';
import {
  addWorkgroupsTo,
  generateSimulatedDay,
  groundTruthOf,
  type SimulatedDay,
  utcDayOf,
} from '../local/simulation/simulated-day.js';
import {
  type BundledFunction,
  bundleFunctions,
  type ColdStart,
  measureColdStart,
} from './bundles.js';
import { runCapacityBench } from './capacity-function.js';
import { type BenchEnvironment, startBenchEnvironment } from './environment.js';
import { dynamoItemSize, formatNumber, indexesOf, projectedItem } from './figures.js';
import { runLatency } from './latency.js';
import { measurePackagedZips } from './package-zips.js';
import { type BenchFlags, type BenchResults, renderMarkdown, renderText } from './report.js';
import { projectWindow, runNaive, runProduct, usagesOf } from './scenarios.js';

/**
 * `npm run bench`: the cost and speed of the monitor per query, against a naive per-event
 * baseline, on this machine (DynamoDB Local and the local stand-ins). Prints the tables, writes
 * bench/results/latest.json and bench/results/RESULTS.md (ignored by git); --update-results writes
 * the committed bench/RESULTS.md instead. Flags: --queries N (10,000), --baseline-queries N
 * (2,000), --latency-workgroups N (100), --latency-rate events/s (15), --cold-runs N (5),
 * --seed N (42).
 *
 * For investigations: BENCH_CPU_PROF=<folder> writes a V8 CPU profile of each handler process;
 * BENCH_NODE_OPTIONS replaces the functions' NODE_OPTIONS (serverless.yml: --enable-source-maps).
 */

const MONTHLY_QUERIES = 1_000_000;
/** Ten-minute samples of a day at the monthly rate, every two hours. */
const MONTHLY_SLICES = 12;
const SLICE_MS = 10 * 60_000;

interface Flags extends BenchFlags {
  /** Write the committed bench/RESULTS.md instead of bench/results/RESULTS.md. */
  readonly updateResults: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const values = new Map<string, number>();
  let updateResults = false;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index] ?? '';
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${flag}`);
    if (flag === '--update-results') {
      updateResults = true;
      continue;
    }
    const [name, inline] = flag.slice(2).split('=', 2);
    const raw = inline ?? argv[++index];
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
    values.set(name ?? '', value);
  }
  const known = [
    'queries',
    'baseline-queries',
    'latency-workgroups',
    'latency-rate',
    'cold-runs',
    'seed',
  ];
  for (const name of values.keys())
    if (!known.includes(name))
      throw new Error(`unknown flag --${name} (known: --${known.join(', --')})`);
  const queries = Math.round(values.get('queries') ?? 10_000);
  return {
    queries,
    baselineQueries: Math.min(queries, Math.round(values.get('baseline-queries') ?? 2_000)),
    latencyWorkgroups: Math.round(values.get('latency-workgroups') ?? 100),
    latencyRate: values.get('latency-rate') ?? 15,
    coldRuns: Math.round(values.get('cold-runs') ?? 5),
    seed: Math.round(values.get('seed') ?? 42),
    updateResults,
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(
      `[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`,
    );
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const pricing = loadConfig({ TABLE_NAME: 'bench' }).pricing;
  const today = utcDayOf(new Date());

  log('starting DynamoDB Local, the stand-ins and the capacity proxy');
  const env = await startBenchEnvironment();
  try {
    log('bundling functions/*.ts and bench/naive-baseline.ts with serverless.yml esbuild options');
    const entries = (await readdir(join(REPO_ROOT, 'functions')))
      .filter((name) => name.endsWith('.ts'))
      .sort()
      .map((name) => `functions/${name}`);
    const bundles = await bundleFunctions([...entries, 'bench/naive-baseline.ts']);
    try {
      const bundleOf = (name: string): BundledFunction => {
        const found = bundles.functions.find((bundled) => bundled.name === name);
        if (found === undefined)
          throw new Error(`${name} did not bundle: ${JSON.stringify(bundles.failures)}`);
        return found;
      };
      const ingest = bundleOf('ingest');
      const naive = bundleOf('naive-baseline');

      log('measuring the zips `npm run package` makes (sls package, offline)');
      const packaged = await measurePackagedZips();

      log(`cold starts: ${flags.coldRuns} fresh node processes per function`);
      const coldStarts = new Map<string, ColdStart>();
      for (const bundled of bundles.functions) {
        coldStarts.set(
          bundled.name,
          await measureColdStart(
            bundled.runnablePath,
            env.functionEnv(bundled.name, 'cold-start'),
            flags.coldRuns,
          ),
        );
      }

      // 1. A busy queue: full batches, every message visible at once, so the poller hands out
      // full batches back to back.
      const busyDay = (day: string) =>
        generateSimulatedDay({ queries: flags.queries, workgroups: 4, seed: flags.seed, day });
      // With `cloudTrail`, the function attributes principals and each query's CloudTrail
      // record joins the queue where its simulated delivery time puts it among the state
      // changes (before a long query's, after a short one's), duplicated or missing as the feed
      // decides.
      const runBusy = async (label: string, day: SimulatedDay, cloudTrail?: CloudTrailFeed) => {
        const tableName = `bench-${label}`;
        const usages = addDay(env, day, pricing);
        const messages = feedOf(day, cloudTrail);
        await env.createTable(tableName);
        await env.putBudgets(tableName, budgetsFor(day, pricing));
        const run = await runProduct(env, ingest.runnablePath, {
          label,
          tableName,
          // All visible at once, in the order of their delivery times.
          messages: messages.map((message) => ({ ...message, sentAtMs: 0 })),
          batchingWindowMs: env.serverless.batchingWindowMs,
          usages,
          budgetedWorkgroups: new Set(day.workgroups.map((workgroup) => workgroup.name)),
          ...(cloudTrail === undefined ? {} : { callerOf: cloudTrail.arrived }),
        });
        return { run, usages, messages, tableName };
      };
      log(`busy queue: ${flags.queries} queries through the ingest function`);
      const day = busyDay(today);
      const {
        run: busy,
        usages: busyUsages,
        messages: busyMessages,
        tableName: busyTable,
      } = await runBusy('busy', day);
      const record = await queryRecordSize(env, busyTable, day.queries[0]?.id ?? '');

      // 1b. The same queries (under other ids: another day) without dbt comments or tags.
      log(`busy queue without attribution: the same ${flags.queries} queries, untagged`);
      const { run: unattributed } = await runBusy(
        'busy-unattributed',
        withoutAttribution(busyDay(utcDayOf(new Date(Date.parse(today) - DAY_MS)))),
      );

      // 1c. The same day again (same ids and state changes, in a table of its own) with
      // principals attributed from its CloudTrail records.
      log(
        `busy queue with principals: the same ${flags.queries} queries and their CloudTrail records`,
      );
      const cloudTrail = new CloudTrailFeed(day.seed);
      const principalsRun = await runBusy('busy-principals', day, cloudTrail);
      const principals = {
        run: principalsRun.run,
        cloudTrail: { ...cloudTrail.stats },
        principals: new Set(cloudTrail.arrived.values()).size,
        check: await checkPrincipals(env, principalsRun.tableName, day, cloudTrail, pricing),
      };

      // 2. The naive baseline on the first queries of the same day.
      log(`naive baseline: ${flags.baselineQueries} queries, one invocation per event`);
      const subset = new Set(day.queries.slice(0, flags.baselineQueries).map((query) => query.id));
      const naiveTable = 'bench-naive';
      await env.createTable(naiveTable);
      const baseline = await runNaive(env, naive.runnablePath, {
        tableName: naiveTable,
        messages: busyMessages.filter((message) => subset.has(message.queryExecutionId)),
        usages: busyUsages,
      });

      // 3. The arrival rate of 1M queries a month, sampled.
      const dailyQueries = Math.round(MONTHLY_QUERIES / 30);
      log(
        `1M queries/month: ${MONTHLY_SLICES} x ${SLICE_MS / 60_000} min of a day of ${dailyQueries} queries, 5 s window`,
      );
      const monthDay = generateSimulatedDay({
        queries: dailyQueries,
        workgroups: 4,
        seed: flags.seed + 1,
        day: today,
      });
      const monthUsages = addDay(env, monthDay, pricing);
      const dayStartMs = monthDay.start.getTime();
      const inSlice = (atMs: number) => {
        const offset = atMs - dayStartMs - 5 * 60_000;
        return (
          offset >= 0 &&
          offset % (2 * 3_600_000) < SLICE_MS &&
          offset < MONTHLY_SLICES * 2 * 3_600_000
        );
      };
      const monthTable = 'bench-monthly';
      await env.createTable(monthTable);
      await env.putBudgets(monthTable, budgetsFor(monthDay, pricing));
      const monthMessages = feedOf(monthDay).filter((message) => inSlice(message.sentAtMs));
      const monthBudgeted = new Set(monthDay.workgroups.map((workgroup) => workgroup.name));
      const windows = [5, 30, 60, 120, 300].map((seconds) => ({
        seconds,
        ...projectWindow(monthMessages, monthUsages, monthBudgeted, seconds * 1000),
      }));
      const monthly = await runProduct(env, ingest.runnablePath, {
        label: 'monthly',
        tableName: monthTable,
        messages: monthMessages,
        batchingWindowMs: env.serverless.batchingWindowMs,
        usages: monthUsages,
        budgetedWorkgroups: monthBudgeted,
      });

      // 4. Enforcement latency, in real time.
      log(
        `enforcement latency: ${flags.latencyWorkgroups} budgeted workgroups, ${flags.latencyRate} events/s, real time`,
      );
      const latency = await runLatency(env, ingest.runnablePath, {
        tableName: 'bench-latency',
        workgroups: flags.latencyWorkgroups,
        eventsPerSecond: flags.latencyRate,
        batchingWindowMs: env.serverless.batchingWindowMs,
        maxConcurrency: env.serverless.maxConcurrency,
        seed: flags.seed,
        pricing,
      });

      // 5. The capacity function at 1, 10 and 100 reservations.
      log('capacity function: 1, 10 and 100 reservations, a run every 5 minutes');
      const capacity = await runCapacityBench(env, bundleOf('capacity').runnablePath);

      const serverlessYml = await readFile(join(REPO_ROOT, 'serverless.yml'), 'utf8');
      const results: BenchResults = {
        generatedAt: new Date().toISOString(),
        machine: {
          node: process.version,
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? 'unknown',
          platform: `${process.platform} ${process.arch}`,
        },
        flags,
        serverless: env.serverless,
        noise: DEFAULT_NOISE,
        busy,
        unattributed,
        attribution: attributionOf(busyUsages.values()),
        principals,
        baseline,
        monthly,
        monthlyQueries: MONTHLY_QUERIES,
        monthlySample: { slices: MONTHLY_SLICES, sliceMinutes: SLICE_MS / 60_000, dailyQueries },
        windows,
        latency,
        bundles: bundles.functions.map((bundled) => ({
          name: bundled.name,
          entry: bundled.entry,
          mjsBytes: bundled.mjsBytes,
          mapBytes: bundled.mapBytes,
          zippedMjsBytes: bundled.zippedMjsBytes,
          deployedZipBytes: packaged.bytes.get(bundled.name),
          coldStart: coldStarts.get(bundled.name),
        })),
        bundleFailures: [
          ...bundles.failures,
          ...(packaged.failure === undefined
            ? []
            : [{ entry: 'sls package', reason: packaged.failure }]),
        ],
        queryRecordBytes: record.recordBytes,
        queryIndexEntryBytes: record.indexEntryBytes,
        fixed: {
          alarms: (serverlessYml.match(/Type: AWS::CloudWatch::Alarm\b/g) ?? []).length,
          dashboards: (serverlessYml.match(/Type: AWS::CloudWatch::Dashboard\b/g) ?? []).length,
          kmsKeys: (serverlessYml.match(/Type: AWS::KMS::Key\b/g) ?? []).length,
        },
        workgroups: day.workgroups.length,
        capacity,
        elapsedMs: 0,
      };
      const elapsedMs = Date.now() - started;
      const final = { ...results, elapsedMs };
      const text = renderText(final);
      process.stdout.write(`${text.join('\n')}\n`);
      const resultsFolder = join(REPO_ROOT, 'bench', 'results');
      await mkdir(resultsFolder, { recursive: true });
      await writeFile(
        join(resultsFolder, 'latest.json'),
        `${JSON.stringify(toJson(final), null, 2)}\n`,
      );
      // The committed bench/RESULTS.md changes only when asked: a run is not a release.
      const resultsMd = flags.updateResults
        ? join(REPO_ROOT, 'bench', 'RESULTS.md')
        : join(resultsFolder, 'RESULTS.md');
      await writeFile(resultsMd, `${renderMarkdown(final).join('\n')}\n`);
      await formatWithBiome(resultsMd);
      log(
        `wrote bench/results/latest.json and ${relative(REPO_ROOT, resultsMd)} (${(elapsedMs / 1000).toFixed(0)} s)`,
      );
    } finally {
      await bundles.close();
    }
  } finally {
    await env.close();
  }
}

/** Puts a day's workgroups and finished executions in the Athena stand-in; returns their usage. */
function addDay(
  env: BenchEnvironment,
  day: SimulatedDay,
  pricing: ReturnType<typeof loadConfig>['pricing'],
) {
  addWorkgroupsTo(env.athena.account, day);
  for (const query of day.queries) env.athena.account.putQueryExecution(query.execution);
  return usagesOf(
    day.queries.map((query) => query.execution),
    pricing,
  );
}

/** The day with each query's SQL text cut to its statement: no dbt comment, no tags. */
function withoutAttribution(day: SimulatedDay): SimulatedDay {
  return {
    ...day,
    queries: day.queries.map((query) => ({
      ...query,
      execution: {
        ...query.execution,
        Query: (query.execution.Query ?? '')
          .replace(/^\/\* \{"app": "dbt".*?\*\/\n/, '')
          .replace(/\n-- athena-cost:.*$/, ''),
      },
    })),
  };
}

/** How many queries carry a dbt model or tags, and how many values they count in all. */
function attributionOf(usages: Iterable<QueryUsage>): BenchResults['attribution'] {
  let attributedQueries = 0;
  let countedValues = 0;
  for (const usage of usages) {
    const values = countedAttributions(usage.attribution).length;
    if (values > 0) attributedQueries++;
    countedValues += values;
  }
  return { attributedQueries, countedValues };
}

/**
 * The messages EventBridge puts in the queue for the day, with local mode's delivery noise; with
 * `cloudTrail`, each query's StartQueryExecution records too (local mode's CloudTrail feed).
 */
function feedOf(day: SimulatedDay, cloudTrail?: CloudTrailFeed): FeedMessage[] {
  const feed = new EventFeed(day.seed, day.day, DEFAULT_NOISE);
  return day.queries
    .flatMap((query) => [...feed.messagesFor(query), ...(cloudTrail?.messagesFor(query) ?? [])])
    .sort((a, b) => a.sentAtMs - b.sentAtMs);
}

/**
 * The principal counters of the day, read as `report --by principal` reads them, against the
 * CloudTrail feed's ground truth (`unknown` where a record never came), and their sum against
 * the usage of every query of the day (what the workgroups count).
 */
async function checkPrincipals(
  env: BenchEnvironment,
  tableName: string,
  day: SimulatedDay,
  cloudTrail: CloudTrailFeed,
  pricing: ReturnType<typeof loadConfig>['pricing'],
): Promise<BenchResults['principals']['check']> {
  const executions = day.queries.map((query) => query.execution);
  const truth = principalTruthOf(executions, cloudTrail, pricing);
  const [check] = await checkAttribution(
    { documents: env.documents, tableName, range: { from: day.day, to: day.day } },
    new Map([[PRINCIPAL_KEY, truth]]),
  );
  const rows = check?.rows ?? [];
  const counted = rows.reduce((sum, row) => addTotals(sum, row.actual), ZERO_TOTALS);
  const all = totalsOf([...usagesOf(executions, pricing).values()]);
  const addsUp = (Object.keys(all) as (keyof typeof all)[]).every(
    (field) => counted[field] === all[field],
  );
  const unknown = rows.find((row) => row.value === UNKNOWN_PRINCIPAL)?.actual.queries ?? 0;
  const wrong = rows.filter((row) => !row.matches).map((row) => row.value);
  return {
    matches: (check?.matches ?? false) && rows.length > 0,
    addsUp,
    detail: `${rows.length} values (${formatNumber(unknown)} queries under unknown): ${wrong.length === 0 ? 'each as the feed decided' : `${wrong.join(', ')} differ`}; their sum ${addsUp ? 'equals' : 'differs from'} the workgroups' (${formatNumber(counted.queries)} of ${formatNumber(all.queries)} queries)`,
  };
}

/**
 * A day budget on every workgroup, at 1.5 times what it plans to use: the 50 % notification
 * fires during the day (so enforcement runs its claim, alert and record path), the throttle and
 * disable thresholds are not reached.
 */
function budgetsFor(
  day: SimulatedDay,
  pricing: ReturnType<typeof loadConfig>['pricing'],
): unknown[] {
  const planned = groundTruthOf(
    day.queries.map((query) => query.execution),
    day.workgroups.map((workgroup) => workgroup.name),
    pricing,
  );
  const updatedAt = new Date().toISOString();
  return day.workgroups.map((workgroup) => {
    const totals = planned.get(workgroup.name);
    if (workgroup.kind === 'capacity') {
      const limit = dpuHoursFromMillis(totals?.dpuMillis ?? 0) * 1.5;
      return capacityDayBudget(workgroup.name, Math.max(1, Math.round(limit)), updatedAt);
    }
    const limit = usdFromNano(totals?.costNanoUsd ?? 0) * 1.5;
    return onDemandDayBudget(workgroup.name, Math.max(1, Math.round(limit)), updatedAt);
  });
}

/**
 * The stored size of one query record, read back from the table, and of its entry in the
 * byWorkgroupDayCost index (what resources/table.json projects there).
 */
async function queryRecordSize(env: BenchEnvironment, tableName: string, queryExecutionId: string) {
  const output = await env.documents.send(
    new GetCommand({
      TableName: tableName,
      Key: TableKeys.query(queryExecutionId),
      ConsistentRead: true,
    }),
  );
  const item = output.Item;
  if (item === undefined) return { recordBytes: 700, indexEntryBytes: 700 };
  const index = indexesOf(readTableDefinition()).find((candidate) =>
    candidate.keys.every((key) => key in item),
  );
  return {
    recordBytes: dynamoItemSize(item),
    indexEntryBytes: index === undefined ? 0 : dynamoItemSize(projectedItem(item, index)),
  };
}

/** Lets Biome format the Markdown it checks (`npm run lint`); a missing Biome changes nothing. */
async function formatWithBiome(path: string): Promise<void> {
  const biome = join(REPO_ROOT, 'node_modules', '.bin', 'biome');
  await new Promise<void>((resolve) => {
    execFile(biome, ['format', '--write', path], { cwd: REPO_ROOT, timeout: 30_000 }, () =>
      resolve(),
    );
  });
}

/** Maps become objects, so the JSON file reads naturally. */
function toJson(value: unknown): unknown {
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([key, item]) => [key, toJson(item)]));
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  }
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
