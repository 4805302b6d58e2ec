import { formatBytes, formatUsdWithSign } from '../lib/format/format-values.js';
import type { CloudTrailStats } from '../local/simulation/cloudtrail-feed.js';
import type { FeedNoise } from '../local/simulation/event-feed.js';
import type { ColdStart } from './bundles.js';
import type { CapacityBenchRun } from './capacity-function.js';
import { capacitySection, capacityTargets } from './capacity-report.js';
import {
  type CostLine,
  capacityCostUsd,
  fixedMonthlyCost,
  type MonthlyUsage,
  monthlyCost,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  PRICES,
  SECONDS_PER_MONTH,
  sqsRequestsPerMonth,
} from './cost-model.js';
import {
  boundTotal,
  formatMarkdownTable,
  formatNumber,
  formatTable,
  per1000,
  type TargetResult,
  ZERO_BOUND,
} from './figures.js';
import type { LatencyResult } from './latency.js';
import type { RunResult } from './scenarios.js';
import type { ServerlessSettings } from './serverless-config.js';

/** Everything a run measured; `bench/results/latest.json` is this object. */
/** The flags of `npm run bench` (see bench/run.ts). */
export interface BenchFlags {
  readonly queries: number;
  readonly baselineQueries: number;
  readonly latencyWorkgroups: number;
  readonly latencyRate: number;
  readonly coldRuns: number;
  readonly seed: number;
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly platform: string;
  };
  readonly flags: BenchFlags;
  readonly serverless: ServerlessSettings;
  readonly noise: FeedNoise;
  readonly busy: RunResult;
  /** The busy run's queries again with no dbt comment or tags in their SQL text. */
  readonly unattributed: RunResult;
  /** Of the busy run's queries: how many carry a dbt model or tags, and the values they count. */
  readonly attribution: {
    readonly attributedQueries: number;
    readonly countedValues: number;
  };
  /** The busy run's queries again (other ids) with principals attributed from CloudTrail. */
  readonly principals: {
    readonly run: RunResult;
    /** StartQueryExecution records the feed delivered, duplicates included, and withheld. */
    readonly cloudTrail: CloudTrailStats;
    /** Distinct principals the records name. */
    readonly principals: number;
    readonly check: {
      /** Each principal's counters (`unknown` included) equal the feed's ground truth. */
      readonly matches: boolean;
      /** The principals' counters sum to the usage the workgroups count. */
      readonly addsUp: boolean;
      readonly detail: string;
    };
  };
  readonly baseline: RunResult;
  readonly monthly: RunResult;
  readonly monthlyQueries: number;
  readonly monthlySample: {
    readonly slices: number;
    readonly sliceMinutes: number;
    readonly dailyQueries: number;
  };
  /** The 1M/month sample batched with other windows: the lower bound of calls. */
  readonly windows: readonly {
    readonly seconds: number;
    readonly batches: number;
    readonly meanBatch: number;
    readonly boundPer1000: number;
  }[];
  readonly latency: LatencyResult;
  readonly bundles: readonly {
    readonly name: string;
    readonly entry: string;
    readonly mjsBytes: number;
    readonly mapBytes: number;
    readonly zippedMjsBytes: number;
    /** The function's zip as `npm run package` writes it (source map included); none for the baseline. */
    readonly deployedZipBytes: number | undefined;
    readonly coldStart: ColdStart | undefined;
  }[];
  readonly bundleFailures: readonly { readonly entry: string; readonly reason: string }[];
  readonly queryRecordBytes: number;
  /** A query record's entry in the byWorkgroupDayCost index: keys and the INCLUDEd attributes. */
  readonly queryIndexEntryBytes: number;
  readonly fixed: {
    readonly alarms: number;
    readonly dashboards: number;
    readonly kmsKeys: number;
  };
  readonly workgroups: number;
  /** The capacity function at 1, 10 and 100 reservations. */
  readonly capacity: readonly CapacityBenchRun[];
  readonly elapsedMs: number;
}

/** The targets of the issue. */
export const TARGETS = {
  boundSlack: 0.1,
  fewerThanBaseline: 20,
  writeRequestsPerQuery: 1,
  cpuMsPerQuery: 0.2,
  ingestZippedBytes: 300 * 1024,
  coldInitMs: 150,
  latencySlackMs: 2_000,
  costShare: 0.01,
  dpuHoursPerQuery: 0.05,
  /** Three transactional counter updates (day, week, month) of at most 1 KB: 2 units each. */
  attributionWriteUnitsPerValue: 6,
  /** Principal metrics: DpuHours and CostUsd per principal value, and unknown's and (other)'s. */
  metricsPerPrincipal: 2,
  principalMetricsBesideValues: 4,
} as const;

/** Warm-up invocations left out of the steady-state CPU figure. */
const WARM_UP_INVOCATIONS = 5;
/** Cold starts a month per environment: assume environments are recycled about hourly. */
const COLD_STARTS_PER_ENVIRONMENT_PER_MONTH = 24 * 30;
/** Long polls Lambda keeps open on an SQS queue, 20 s each (an assumption, see notes). */
const IDLE_POLLERS = 5;
/** Custom metrics per workgroup: 7 usage metrics and BudgetUsedPercent. */
const METRICS_PER_WORKGROUP = 8;
const TTL_DAYS = 400;
/** DynamoDB adds 100 bytes of overhead per item, in the table and in each index. */
const ITEM_OVERHEAD_BYTES = 100;

const WRITE_OPERATIONS = [
  'TransactWriteItems',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
];
const SERVICE_OF: Readonly<Record<string, string>> = {
  BatchGetQueryExecution: 'Athena',
  GetQueryExecution: 'Athena',
  GetWorkGroup: 'Athena',
  UpdateWorkGroup: 'Athena',
  ListQueryExecutions: 'Athena',
  StopQueryExecution: 'Athena',
  PutMetricData: 'CloudWatch',
  Publish: 'SNS',
};
const serviceOf = (operation: string) => SERVICE_OF[operation] ?? 'DynamoDB';

/** The per-query figures of one run. */
export interface RunFigures {
  readonly queries: number;
  readonly callsPer1000: ReadonlyMap<string, number>;
  readonly totalPer1000: number;
  readonly boundPer1000: number;
  readonly writeRequestsPerQuery: number;
  readonly writeUnitsPerQuery: number;
  readonly failedWriteUnitsPerQuery: number;
  readonly reportedWriteUnitsPerQuery: number;
  readonly readUnitsPerQuery: number;
  readonly cpuMsPerQuery: number;
  readonly steadyCpuMsPerQuery: number;
  readonly queriesPerSecond: number;
  readonly meanBatch: number;
  /** TransactWriteItems answered with an error (cancelled), per 1,000 queries. */
  readonly cancelledPer1000: number;
  readonly billedMsPerInvocation: number;
}

export function figuresOf(run: RunResult): RunFigures {
  const queries = run.queries;
  const callsPer1000 = new Map(
    [...run.calls]
      .filter(([, count]) => count > 0)
      .sort((a, b) => serviceOf(a[0]).localeCompare(serviceOf(b[0])) || b[1] - a[1])
      .map(([operation, count]) => [operation, per1000(count, queries)]),
  );
  const total = [...run.calls.values()].reduce((sum, count) => sum + count, 0);
  const dynamo = [...run.dynamo.values()];
  const sum = (pick: (stats: (typeof dynamo)[number]) => number) =>
    dynamo.reduce((acc, stats) => acc + pick(stats), 0);
  const writes = WRITE_OPERATIONS.reduce(
    (acc, operation) => acc + (run.calls.get(operation) ?? 0),
    0,
  );
  const warmUp = run.invocationCpuMicros.slice(0, WARM_UP_INVOCATIONS).reduce((a, b) => a + b, 0);
  const sizes = run.batchSizes.length > 0 ? run.batchSizes : run.invocationCpuMicros.map(() => 1);
  const allMessages = sizes.reduce((a, b) => a + b, 0);
  const warmMessages = sizes.slice(0, WARM_UP_INVOCATIONS).reduce((a, b) => a + b, 0);
  const steadyQueries = queries * (1 - warmMessages / Math.max(1, allMessages));
  return {
    queries,
    callsPer1000,
    totalPer1000: per1000(total, queries),
    boundPer1000: per1000(boundTotal(run.bound), queries),
    writeRequestsPerQuery: writes / queries,
    writeUnitsPerQuery: sum((stats) => stats.estimatedWriteUnits) / queries,
    failedWriteUnitsPerQuery: sum((stats) => stats.estimatedFailedWriteUnits) / queries,
    reportedWriteUnitsPerQuery: sum((stats) => stats.writeCapacityUnits) / queries,
    readUnitsPerQuery: sum((stats) => stats.readCapacityUnits) / queries,
    cpuMsPerQuery: run.cpuMicros / 1000 / queries,
    steadyCpuMsPerQuery: (run.cpuMicros - warmUp) / 1000 / Math.max(1, steadyQueries),
    queriesPerSecond: queries / (run.elapsedMs / 1000),
    meanBatch: allMessages / Math.max(1, run.invocations),
    cancelledPer1000: per1000(run.dynamo.get('TransactWriteItems')?.errors ?? 0, queries),
    billedMsPerInvocation: run.billedMs / Math.max(1, run.invocations),
  };
}

/** A month of a run's traffic scaled to `monthlyQueries` queries. */
export function monthlyUsageOf(
  results: BenchResults,
  run: RunResult,
  options: { readonly viaSqs: boolean; readonly initMs: number },
): MonthlyUsage {
  const scale = results.monthlyQueries / run.queries;
  const dynamo = [...run.dynamo.values()];
  const writeUnits = dynamo.reduce(
    (sum, stats) => sum + stats.estimatedWriteUnits + stats.estimatedFailedWriteUnits,
    0,
  );
  const readUnits = dynamo.reduce((sum, stats) => sum + stats.readCapacityUnits, 0);
  const coldStarts = results.serverless.maxConcurrency * COLD_STARTS_PER_ENVIRONMENT_PER_MONTH;
  // Records live TTL_DAYS; each is stored in the table and its projection in the index.
  const storedRecords = results.monthlyQueries * (TTL_DAYS / 30);
  const storageGb =
    (storedRecords *
      (results.queryRecordBytes + results.queryIndexEntryBytes + 2 * ITEM_OVERHEAD_BYTES)) /
    1024 ** 3;
  return {
    lambdaInvocations: run.invocations * scale,
    lambdaBilledMs: run.billedMs * scale + coldStarts * options.initMs,
    lambdaMemoryMb: results.serverless.memoryMb,
    sqsRequests: options.viaSqs
      ? sqsRequestsPerMonth({
          messages: run.messages * scale,
          receiveCalls: run.sqsReceiveCalls * scale,
          idlePollers: IDLE_POLLERS,
          secondsPerMonth: SECONDS_PER_MONTH,
        })
      : 0,
    dynamoWriteUnits: writeUnits * scale,
    dynamoReadUnits: readUnits * scale,
    dynamoStorageGb: storageGb,
    putMetricDataRequests: (run.calls.get('PutMetricData') ?? 0) * scale,
    customMetrics: results.workgroups * METRICS_PER_WORKGROUP,
    logBytes: (run.logBytes + PLATFORM_LOG_BYTES_PER_INVOCATION * run.invocations) * scale,
    snsPublishes: (run.calls.get('Publish') ?? 0) * scale,
  };
}

interface Report {
  readonly busy: RunFigures;
  readonly unattributed: RunFigures;
  /** Write units per counted attribution value: what a dbt model or tag costs a query. */
  readonly writeUnitsPerValue: number;
  /** The busy run with principals attributed. */
  readonly withPrincipals: RunFigures;
  /** What principals add to a month of 1M queries: their metrics, and the CloudTrail records' ingest. */
  readonly principalsCost: {
    readonly metrics: number;
    readonly metricsUsd: number;
    readonly ingestUsd: number;
  };
  readonly baseline: RunFigures;
  readonly monthly: RunFigures;
  readonly productCost: { lines: CostLine[]; totalUsd: number };
  readonly fixedCost: { lines: CostLine[]; totalUsd: number };
  readonly baselineCost: { lines: CostLine[]; totalUsd: number };
  readonly queriesCostUsd: number;
  readonly storageGb: number;
  /** The whole deployment's month at other volumes, from the same per-query usage. */
  readonly costAtVolumes: readonly VolumeCost[];
  readonly targets: TargetResult[];
}

interface VolumeCost {
  readonly queries: number;
  readonly usageUsd: number;
  readonly fixedUsd: number;
  readonly totalUsd: number;
}

/** The monthly volumes the README prices the deployment at. */
export const PRICED_VOLUMES = [10_000, 100_000, 1_000_000] as const;

/** Table size at steady state (point-in-time recovery is billed on it; GSIs are not). */
const tableStorageGb = (results: BenchResults, monthlyQueries: number): number =>
  (monthlyQueries * (TTL_DAYS / 30) * (results.queryRecordBytes + ITEM_OVERHEAD_BYTES)) / 1024 ** 3;

function analyse(results: BenchResults): Report {
  const busy = figuresOf(results.busy);
  const unattributed = figuresOf(results.unattributed);
  const writeUnitsPerValue =
    ((busy.writeUnitsPerQuery - unattributed.writeUnitsPerQuery) * busy.queries) /
    Math.max(1, results.attribution.countedValues);
  const baseline = figuresOf(results.baseline);
  const monthly = figuresOf(results.monthly);
  const withPrincipals = figuresOf(results.principals.run);
  const ingest = results.bundles.find((bundled) => bundled.name === 'ingest');
  const naive = results.bundles.find((bundled) => bundled.name === 'naive-baseline');
  const initOf = (cold: ColdStart | undefined) => cold?.medianProcessMs ?? 0;
  const busyMonthUsd = (run: RunResult) =>
    monthlyCost(monthlyUsageOf(results, run, { viaSqs: true, initMs: initOf(ingest?.coldStart) }))
      .totalUsd;
  const principalMetrics =
    TARGETS.metricsPerPrincipal * results.principals.principals +
    TARGETS.principalMetricsBesideValues;
  const principalsCost = {
    metrics: principalMetrics,
    metricsUsd: principalMetrics * PRICES.cloudWatchMetricMonth,
    ingestUsd: busyMonthUsd(results.principals.run) - busyMonthUsd(results.busy),
  };
  const productUsage = monthlyUsageOf(results, results.monthly, {
    viaSqs: true,
    initMs: initOf(ingest?.coldStart),
  });
  const productCost = monthlyCost(productUsage);
  const fixedCost = fixedMonthlyCost({
    ...results.fixed,
    pitrGb: tableStorageGb(results, results.monthlyQueries),
  });
  const costAtVolumes = PRICED_VOLUMES.map((queries): VolumeCost => {
    const usage = monthlyCost(
      monthlyUsageOf({ ...results, monthlyQueries: queries }, results.monthly, {
        viaSqs: true,
        initMs: initOf(ingest?.coldStart),
      }),
    );
    const fixed = fixedMonthlyCost({ ...results.fixed, pitrGb: tableStorageGb(results, queries) });
    return {
      queries,
      usageUsd: usage.totalUsd,
      fixedUsd: fixed.totalUsd,
      totalUsd: usage.totalUsd + fixed.totalUsd,
    };
  });
  const baselineCost = monthlyCost(
    monthlyUsageOf(results, results.baseline, { viaSqs: false, initMs: initOf(naive?.coldStart) }),
  );
  const queriesCostUsd = capacityCostUsd(
    results.monthlyQueries,
    TARGETS.dpuHoursPerQuery,
    PRICES.athenaCapacityDpuHour,
  );
  const monitorUsd = productCost.totalUsd + fixedCost.totalUsd;
  const windowMs = results.serverless.batchingWindowMs;
  const targets: TargetResult[] = [
    {
      name: 'API calls / 1,000 queries vs lower bound (busy)',
      measured: `${formatNumber(busy.totalPer1000, 1)} vs ${formatNumber(busy.boundPer1000, 1)} (+${formatNumber((busy.totalPer1000 / busy.boundPer1000 - 1) * 100, 1)} %, of which ${formatNumber((busy.cancelledPer1000 / busy.boundPer1000) * 100, 1)} pts transactions cancelled by late duplicates)`,
      target: `≤ bound + ${TARGETS.boundSlack * 100} %`,
      pass: busy.totalPer1000 <= busy.boundPer1000 * (1 + TARGETS.boundSlack),
      note: 'see notes on duplicates',
    },
    {
      name: 'API calls / 1,000 queries vs lower bound (1M/month)',
      measured: `${formatNumber(monthly.totalPer1000, 1)} vs ${formatNumber(monthly.boundPer1000, 1)} (+${formatNumber((monthly.totalPer1000 / monthly.boundPer1000 - 1) * 100, 1)} %)`,
      target: `≤ bound + ${TARGETS.boundSlack * 100} %`,
      pass: monthly.totalPer1000 <= monthly.boundPer1000 * (1 + TARGETS.boundSlack),
    },
    {
      name: 'API calls vs naive baseline (busy)',
      measured: `${formatNumber(baseline.totalPer1000 / busy.totalPer1000, 1)}x fewer`,
      target: `≥ ${TARGETS.fewerThanBaseline}x fewer`,
      pass: baseline.totalPer1000 / busy.totalPer1000 >= TARGETS.fewerThanBaseline,
    },
    {
      name: `API calls vs naive baseline (1M/month, ${windowMs / 1000} s window)`,
      measured: `${formatNumber(baseline.totalPer1000 / monthly.totalPer1000, 1)}x fewer (the bound allows ${formatNumber(baseline.totalPer1000 / monthly.boundPer1000, 1)}x)`,
      target: `≥ ${TARGETS.fewerThanBaseline}x fewer`,
      pass: baseline.totalPer1000 / monthly.totalPer1000 >= TARGETS.fewerThanBaseline,
      note: windowNote(results, baseline.totalPer1000),
    },
    {
      name: 'DynamoDB write requests / query (busy | 1M/month)',
      measured: `${formatNumber(busy.writeRequestsPerQuery, 3)} | ${formatNumber(monthly.writeRequestsPerQuery, 3)}`,
      target: `≤ ${TARGETS.writeRequestsPerQuery} transactional write, counters included`,
      pass: Math.max(busy.writeRequestsPerQuery, monthly.writeRequestsPerQuery) <= 1,
    },
    {
      name: 'Handler CPU / query (busy, steady state)',
      measured: `${formatNumber(busy.steadyCpuMsPerQuery, 3)} ms (${formatNumber(busy.cpuMsPerQuery, 3)} ms with the ${WARM_UP_INVOCATIONS} warm-up invocations)`,
      target: `< ${TARGETS.cpuMsPerQuery} ms`,
      pass: busy.steadyCpuMsPerQuery < TARGETS.cpuMsPerQuery,
      note: 'with warm-up: see notes',
    },
    {
      name: 'Ingest bundle, zipped .mjs (deployed zip with .map)',
      measured: `${kb(ingest?.zippedMjsBytes)} (${kb(ingest?.deployedZipBytes)})`,
      target: `< ${kb(TARGETS.ingestZippedBytes)}`,
      pass: (ingest?.zippedMjsBytes ?? Number.POSITIVE_INFINITY) < TARGETS.ingestZippedBytes,
    },
    {
      name: 'Ingest cold init (median)',
      measured: `${formatNumber(ingest?.coldStart?.medianInitMs ?? Number.NaN, 1)} ms`,
      target: `< ${TARGETS.coldInitMs} ms`,
      pass: (ingest?.coldStart?.medianInitMs ?? Number.POSITIVE_INFINITY) < TARGETS.coldInitMs,
    },
    {
      name: 'Enforcement latency p99',
      measured: `${formatNumber(results.latency.p99Ms / 1000, 2)} s (p50 ${formatNumber(results.latency.p50Ms / 1000, 2)} s, n=${results.latency.samples.length})`,
      target: `< ${(windowMs + TARGETS.latencySlackMs) / 1000} s (window + 2 s)`,
      pass:
        results.latency.samples.length > 0 &&
        results.latency.missing === 0 &&
        results.latency.p99Ms < windowMs + TARGETS.latencySlackMs,
    },
    {
      name: 'Monitor cost / query cost (1M queries/month)',
      measured: `${usd(monitorUsd)} / ${usd(queriesCostUsd)} = ${formatNumber((monitorUsd / queriesCostUsd) * 100, 3)} %`,
      target: `< ${TARGETS.costShare * 100} %`,
      pass: monitorUsd / queriesCostUsd < TARGETS.costShare,
    },
    {
      name: 'Attribution: write units / counted dbt model or tag value (busy)',
      measured: `${formatNumber(writeUnitsPerValue, 2)} (${formatNumber(unattributed.totalPer1000, 1)} → ${formatNumber(busy.totalPer1000, 1)} calls / 1,000 queries)`,
      target: `≤ ${TARGETS.attributionWriteUnitsPerValue} (its 3 counters ride in the query's transaction)`,
      pass: writeUnitsPerValue <= TARGETS.attributionWriteUnitsPerValue,
    },
    {
      name: 'Attribution: principals, API calls / 1,000 queries vs lower bound (busy)',
      measured: `${formatNumber(withPrincipals.totalPer1000, 1)} vs ${formatNumber(withPrincipals.boundPer1000, 1)} (+${formatNumber((withPrincipals.totalPer1000 / withPrincipals.boundPer1000 - 1) * 100, 1)} %; ${formatNumber(busy.totalPer1000, 1)} without principals)`,
      target: `≤ bound + ${TARGETS.boundSlack * 100} % (CloudTrail records counted)`,
      pass: withPrincipals.totalPer1000 <= withPrincipals.boundPer1000 * (1 + TARGETS.boundSlack),
      note: 'see the principals section',
    },
    {
      name: 'Counters exact (each query counted once)',
      measured: [
        results.busy.countersMatch,
        results.unattributed.countersMatch,
        results.principals.run.countersMatch &&
          results.principals.check.matches &&
          results.principals.check.addsUp,
        results.baseline.countersMatch,
        results.monthly.countersMatch,
      ]
        .map((matches) => (matches ? '✓' : '✗'))
        .join(' '),
      target: 'busy, untagged, with principals (and their counters), baseline, 1M/month',
      pass:
        results.busy.countersMatch &&
        results.unattributed.countersMatch &&
        results.principals.run.countersMatch &&
        results.principals.check.matches &&
        results.principals.check.addsUp &&
        results.baseline.countersMatch &&
        results.monthly.countersMatch,
    },
    ...capacityTargets(results.capacity ?? [], results.serverless.memoryMb),
  ];
  return {
    busy,
    unattributed,
    writeUnitsPerValue,
    withPrincipals,
    principalsCost,
    baseline,
    monthly,
    productCost,
    fixedCost,
    baselineCost,
    queriesCostUsd,
    storageGb: productUsage.dynamoStorageGb,
    costAtVolumes,
    targets,
  };
}

type Table = { header: string[]; rows: string[][]; align?: ('left' | 'right')[] };
type Section = { title: string; intro?: string[]; table: Table; notes?: string[] };

type PerQueryFigure = {
  [K in keyof RunFigures]: RunFigures[K] extends number ? K : never;
}[keyof RunFigures];

function sections(results: BenchResults, report: Report): Section[] {
  const { busy, baseline, monthly } = report;
  const f = (value: number, decimals = 1) => formatNumber(value, decimals);
  const ratio = (product: number, base: number, better: 'lower' | 'higher') => {
    if (!Number.isFinite(product) || !Number.isFinite(base) || base === 0 || product === 0)
      return '—';
    const value = product / base;
    const factor = value < 1 ? 1 / value : value;
    const word =
      value < 1
        ? better === 'lower'
          ? 'fewer'
          : 'lower'
        : better === 'higher'
          ? 'faster'
          : 'more';
    return `${value < 0.1 ? value.toFixed(3) : value.toFixed(2)} (${factor.toFixed(1)}x ${word})`;
  };
  const operations = [
    ...new Set([
      ...busy.callsPer1000.keys(),
      ...baseline.callsPer1000.keys(),
      ...monthly.callsPer1000.keys(),
    ]),
  ].sort((a, b) => serviceOf(a).localeCompare(serviceOf(b)) || a.localeCompare(b));
  const boundOf = (run: RunResult, operation: string) => {
    const bound = run.bound as unknown as Record<string, number | undefined>;
    return bound[operation] === undefined ? '' : f(per1000(bound[operation] ?? 0, run.queries));
  };
  const callRows = operations.map((operation) => [
    `· ${serviceOf(operation)} ${operation}`,
    busy.callsPer1000.has(operation) ? f(busy.callsPer1000.get(operation) ?? 0) : '—',
    boundOf(results.busy, operation),
    baseline.callsPer1000.has(operation) ? f(baseline.callsPer1000.get(operation) ?? 0) : '—',
    monthly.callsPer1000.has(operation) ? f(monthly.callsPer1000.get(operation) ?? 0) : '—',
    boundOf(results.monthly, operation),
  ]);
  /** A per-query figure of the three runs: no bound, the busy/naive ratio only when `better` is given. */
  const figureRow = (
    label: string,
    figure: PerQueryFigure,
    decimals: number,
    better?: 'lower' | 'higher',
    { monthly: showMonthly = true } = {},
  ): string[] => [
    label,
    f(busy[figure], decimals),
    '',
    f(baseline[figure], decimals),
    better === undefined ? '' : ratio(busy[figure], baseline[figure], better),
    showMonthly ? f(monthly[figure], decimals) : '',
    '',
  ];
  const latency = results.latency;
  const ingest = results.bundles.find((bundled) => bundled.name === 'ingest');
  const monitorUsd = report.productCost.totalUsd + report.fixedCost.totalUsd;
  const busyDuplicates = results.busy.messages - results.busy.queries;

  return [
    {
      title: 'Per query: product vs naive baseline',
      intro: [
        `Busy: ${formatNumber(results.busy.queries)} queries (${formatNumber(results.busy.messages)} messages) in full batches of ${results.serverless.batchSize}, as when the queue holds a backlog (≥ ${results.serverless.batchSize / (results.serverless.batchingWindowMs / 1000)} events/s).`,
        `Naive: ${formatNumber(results.baseline.queries)} queries of the same day (${formatNumber(results.baseline.messages)} events), one invocation per EventBridge event.`,
        `1M/month: ${formatNumber(results.monthly.queries)} queries arriving at the rate of ${formatNumber(results.monthlyQueries)} a month with the daily rhythm (${results.monthlySample.slices} samples of ${results.monthlySample.sliceMinutes} min of a day of ${formatNumber(results.monthlySample.dailyQueries)}), batching window ${results.serverless.batchingWindowMs / 1000} s: ${f(monthly.meanBatch)} messages per batch on average.`,
      ],
      table: {
        header: ['figure', 'busy', 'bound', 'naive', 'busy/naive', '1M/month', 'bound'],
        rows: [
          [
            'AWS API calls per 1,000 queries',
            f(busy.totalPer1000),
            f(busy.boundPer1000),
            f(baseline.totalPer1000),
            ratio(busy.totalPer1000, baseline.totalPer1000, 'lower'),
            f(monthly.totalPer1000),
            f(monthly.boundPer1000),
          ],
          ...callRows.map((row) => [
            row[0] ?? '',
            row[1] ?? '',
            row[2] ?? '',
            row[3] ?? '',
            '',
            row[4] ?? '',
            row[5] ?? '',
          ]),
          figureRow('DynamoDB write requests per query', 'writeRequestsPerQuery', 3, 'lower'),
          figureRow('DynamoDB write units per query', 'writeUnitsPerQuery', 2, 'lower'),
          figureRow('· + failed attempts, if charged', 'failedWriteUnitsPerQuery', 2),
          figureRow('DynamoDB read units per query', 'readUnitsPerQuery', 3),
          figureRow('Handler CPU per query (ms)', 'cpuMsPerQuery', 3, 'lower'),
          figureRow(
            '· steady state (first 5 invocations left out)',
            'steadyCpuMsPerQuery',
            3,
            'lower',
          ),
          figureRow('Queries per second through the handler', 'queriesPerSecond', 0, 'higher', {
            monthly: false,
          }),
          figureRow('Lambda billed ms per invocation', 'billedMsPerInvocation', 1),
        ],
        align: ['left'],
      },
      notes: [
        `Lower bound per batch: ceil(distinct terminal ids / 50) BatchGetQueryExecution; ceil((new queries + counter items they touch) / 100) TransactWriteItems, i.e. one DynamoDB item written per query with its workgroup's day/week/month counters riding in the same transaction; one PutMetricData and, after it, one BatchWriteItem deleting the batch's published metrics outbox entries (the crash-proof outbox of issue #9: the mark cannot be deferred to a later transaction); one BatchGetItem to read the counters back when a touched workgroup has a budget (TransactWriteItems cannot return them). Budget reads (cached 30 s), enforcement actions and re-tries are not in the bound.`,
        `The calls counted are the ones the function makes. The queue's own requests are not in them but are billed (cost table): EventBridge's SendMessage per event and the poller's ReceiveMessage and DeleteMessageBatch per 10 records come to ${f(per1000(results.busy.messages + 2 * results.busy.sqsReceiveCalls, results.busy.queries))} SQS requests per 1,000 queries when busy and ${f(per1000(results.monthly.messages + 2 * results.monthly.sqsReceiveCalls, results.monthly.queries))} at 1M/month; the naive baseline, invoked by EventBridge directly, has none.`,
        `"One DynamoDB write per query" is met as items written (each query's record, its counters riding in the same transaction): counted as API calls it would put the bound at 1,000+ calls per 1,000 queries, above the ${f(busy.totalPer1000)} the product makes in all, so it cannot bound calls.`,
        `Delivery noise of local mode (DEFAULT_NOISE): ${results.noise.duplicateRate * 100} % of events duplicated (${results.noise.lateDuplicateShare * 100} % of those in a later batch), ${results.noise.delayedRate * 100} % delayed, ${results.noise.lateRunningRate * 100} % stray RUNNING events: ${formatNumber(busyDuplicates)} extra messages in the busy run. A duplicate arriving in a later batch cancels the transaction holding it once (the conditional put of its record fails; the store retries at once without it): ${f(busy.cancelledPer1000)} cancelled TransactWriteItems per 1,000 queries here, ${formatNumber((busy.cancelledPer1000 / busy.boundPer1000) * 100, 1)} points of the gap to the bound. Without them the product would sit at +${formatNumber(((busy.totalPer1000 - busy.cancelledPer1000) / busy.boundPer1000 - 1) * 100, 1)} %. Each instance remembers the ids it recorded recently (lib/store/recently-recorded.ts) and drops a late duplicate of them before the transaction, which is why few remain; the table's conditional put still decides what is counted.`,
        `Handler CPU is process.cpuUsage() of the handler's process around each invocation (SDK serialisation, HTTP, JSON, GC). The first ${WARM_UP_INVOCATIONS} invocations of a fresh environment pay lazy SDK set-up and JIT warm-up, which a Lambda environment pays once for hours of traffic: the steady-state figure leaves them out, the all-invocations figure keeps them. Late duplicates cost CPU as well (each cancelled transaction is serialised twice).`,
        `Write units are computed from each request by DynamoDB's rules (1 unit per KB per item, 2 in a transaction, the same again for each index written; index writes in transactions counted twice, as DynamoDB Local does), because DynamoDB Local's ConsumedCapacity for a TransactWriteItems of n items counts only two of them. DynamoDB Local reported ${f(busy.reportedWriteUnitsPerQuery, 2)} (busy) and ${f(baseline.reportedWriteUnitsPerQuery, 2)} (naive, single-item calls, where it agrees with the computation).`,
        `A query record is ${formatNumber(results.queryRecordBytes)} bytes (< 1 KB): 2 units for its transactional put + 2 for its byWorkgroupDayCost index entry; each counter item touched adds 2 + 2 (byPeriod) per transaction, shared by the transaction's queries. The naive baseline pays 1 + 1 for its put and 1 + 1 for one day counter, but keeps no week or month counter and is not atomic.`,
      ],
    },
    {
      title: 'At 1M queries/month, the batching window decides the calls per query',
      intro: [
        `The same ${formatNumber(results.monthly.queries)} sampled queries batched with other windows (SQS → Lambda batching only; the product measured ${f(monthly.totalPer1000)} calls per 1,000 against a bound of ${f(monthly.boundPer1000)} with the configured ${results.serverless.batchingWindowMs / 1000} s, so the bound projects its calls). A budget reacts about one window after the crossing event.`,
      ],
      table: {
        header: [
          'batching window',
          'messages per batch',
          'bound calls / 1,000 queries',
          'fewer than naive',
        ],
        rows: results.windows.map((window) => [
          `${window.seconds} s${window.seconds * 1000 === results.serverless.batchingWindowMs ? ' (configured)' : ''}`,
          f(window.meanBatch),
          f(window.boundPer1000),
          `${f(baseline.totalPer1000 / window.boundPer1000)}x`,
        ]),
      },
      notes: [
        `At ${formatNumber(results.monthlyQueries)} queries a month (${f(results.monthlyQueries / SECONDS_PER_MONTH, 2)} per second on average, less at night) a 5 s window gathers a few messages, and every batch needs at least a BatchGetQueryExecution, a TransactWriteItems, a PutMetricData and a counter read: no design that fetches, writes, publishes and reads back once per batch can be 20x below one invocation per event there. The 20x target holds where the calls add up (busy queues); at 1M/month the whole monitor costs the amount shown below.`,
      ],
    },
    {
      title: `Monthly AWS cost for ${formatNumber(results.monthlyQueries)} queries (us-east-1 list prices of ${PRICES.asOf}, no free tier)`,
      intro: [
        `From the 1M/month run scaled to ${formatNumber(results.monthlyQueries)} queries. Lambda duration is the measured handler time against DynamoDB Local and the stand-ins, ${results.serverless.memoryMb} MB arm64, each invocation rounded up to 1 ms, plus the init phase of ${COLD_STARTS_PER_ENVIRONMENT_PER_MONTH} cold starts per environment (${results.serverless.maxConcurrency} environments).`,
      ],
      table: {
        header: ['item', 'quantity / month', 'USD / month', 'naive baseline USD'],
        rows: [
          ...report.productCost.lines.map((line, index) => [
            line.item,
            line.quantity,
            usd(line.usd),
            usd(report.baselineCost.lines[index]?.usd ?? 0),
          ]),
          [
            'usage-driven total',
            '',
            usd(report.productCost.totalUsd),
            usd(report.baselineCost.totalUsd),
          ],
          ...report.fixedCost.lines.map((line) => [line.item, line.quantity, usd(line.usd), '']),
          ['monitor total', '', usd(monitorUsd), ''],
          [
            `queries on capacity: ${formatNumber(results.monthlyQueries)} x ${TARGETS.dpuHoursPerQuery} DPU-h x ${usd(PRICES.athenaCapacityDpuHour)}`,
            '',
            usd(report.queriesCostUsd),
            '',
          ],
          [
            'monitor / queries',
            '',
            `${formatNumber((monitorUsd / report.queriesCostUsd) * 100, 3)} %`,
            '',
          ],
          [
            `with attributePrincipals: Principal metrics (${results.principals.principals} principals, unknown, (other))`,
            `${formatNumber(report.principalsCost.metrics)} metrics`,
            usd(report.principalsCost.metricsUsd),
            '',
          ],
          [
            'with attributePrincipals: CloudTrail records through the queue and the ingest',
            `${formatNumber((results.principals.cloudTrail.records * results.monthlyQueries) / Math.max(1, results.principals.run.queries))} records`,
            usd(report.principalsCost.ingestUsd),
            '',
          ],
          [
            'monitor total with attributePrincipals',
            '',
            usd(monitorUsd + report.principalsCost.metricsUsd + report.principalsCost.ingestUsd),
            '',
          ],
        ],
        align: ['left', 'right', 'right', 'right'],
      },
      notes: [
        `Prices used (${PRICES.region}, list, ${PRICES.asOf}; not fetched by the run, check aws.amazon.com/pricing): Lambda arm64 $${PRICES.lambdaArmGbSecond} per GB-s and $${PRICES.lambdaRequestsPerMillion} per 1M requests; SQS standard $${PRICES.sqsRequestsPerMillion} per 1M requests; DynamoDB on-demand $${PRICES.dynamoWriteUnitsPerMillion} per 1M write units, $${PRICES.dynamoReadUnitsPerMillion} per 1M read units, $${PRICES.dynamoStorageGbMonth} per GB-month, PITR $${PRICES.dynamoPitrGbMonth} per GB-month; CloudWatch $${PRICES.cloudWatchPutMetricDataPerThousand} per 1,000 PutMetricData, $${PRICES.cloudWatchMetricMonth} per custom metric-month, $${PRICES.cloudWatchLogsIngestionGb} per GB of logs, $${PRICES.cloudWatchAlarmMonth} per alarm, $${PRICES.cloudWatchDashboardMonth} per dashboard; KMS $${PRICES.kmsKeyMonth} per key; SNS $${PRICES.snsPublishesPerMillion} per 1M publishes; EventBridge rule matching of AWS service events: free.`,
        `SQS: one SendMessage per event (EventBridge), ReceiveMessage and DeleteMessageBatch per 10 records, and ${IDLE_POLLERS} long polls of 20 s kept open by Lambda's poller when the queue is empty (an assumption: ${formatNumber((IDLE_POLLERS * SECONDS_PER_MONTH) / 20)} requests a month).`,
        `Principal metrics (with \`attributePrincipals\`, off by default): ${TARGETS.metricsPerPrincipal} per principal value counted in the month (DpuHours and CostUsd, dimension Principal) and ${TARGETS.principalMetricsBesideValues} for \`unknown\` and \`(other)\`: ${TARGETS.metricsPerPrincipal} x ${results.principals.principals} + ${TARGETS.principalMetricsBesideValues} = ${report.principalsCost.metrics} for the simulated account's principals. At most ${TARGETS.metricsPerPrincipal} x values + ${TARGETS.principalMetricsBesideValues}, where the values are capped by \`attributionValuesPerDay\` (100 by default) per workgroup and day; past it usage goes to \`(other)\`. The CloudTrail line is the busy run with principals less the busy run without, scaled to ${formatNumber(results.monthlyQueries)} queries (DynamoDB writes and reads, SQS requests, Lambda time): in batches of a busy queue, so a lower estimate at low volume.`,
        `Custom metrics: ${METRICS_PER_WORKGROUP} per workgroup (7 usage metrics + BudgetUsedPercent) x ${results.workgroups} workgroups = $${formatNumber(METRICS_PER_WORKGROUP * PRICES.cloudWatchMetricMonth, 2)} per workgroup a month, whatever the traffic: the largest item for small accounts.`,
        `Storage at steady state: ${formatNumber(TTL_DAYS)} days of records (TTL) = ${formatNumber((results.monthlyQueries * TTL_DAYS) / 30)} records of ${formatNumber(results.queryRecordBytes)} B in the table and ${formatNumber(results.queryIndexEntryBytes)} B in the byWorkgroupDayCost index (INCLUDE: keys and the ten attributes reports read, instead of the whole record with ALL), each + 100 B overhead: ${formatNumber(report.storageGb, 1)} GB.`,
        `Index projections (INCLUDE instead of ALL): a record's index entry is ${formatNumber(results.queryIndexEntryBytes)} B instead of ${formatNumber(results.queryRecordBytes)} B; both are under 1 KB, so each index write still costs one write unit (two in a transaction) and the write units are the same as with ALL. What INCLUDE saves is index storage, ${formatNumber(((results.queryRecordBytes - results.queryIndexEntryBytes) * results.monthlyQueries * (TTL_DAYS / 30)) / 1024 ** 3, 2)} GB here, and the write units of records that would pass 1 KB.`,
        `The naive baseline column prices the same month for one invocation per event and no SQS (EventBridge invokes Lambda directly).`,
      ],
    },
    {
      title: 'Monthly cost of the deployment by volume',
      intro: [
        `The same model at other volumes: the usage-driven lines scale with the queries (per-query usage of the ${formatNumber(results.monthlyQueries)}/month run), except the idle SQS polls and the custom metrics (${results.workgroups} workgroups), which do not; the fixed lines are the stack's alarms, dashboard, key and point-in-time recovery.`,
      ],
      table: {
        header: ['queries / month', 'usage-driven', 'fixed', 'monitor total'],
        rows: report.costAtVolumes.map((volume) => [
          formatNumber(volume.queries),
          usd(volume.usageUsd),
          usd(volume.fixedUsd),
          usd(volume.totalUsd),
        ]),
        align: ['right', 'right', 'right', 'right'],
      },
    },
    attributionSection(results, report),
    principalsSection(results, report),
    {
      title: 'Enforcement latency (event entering the queue → UpdateWorkGroup at Athena)',
      intro: [
        `Real time: ${formatNumber(latency.events)} events over ${f(latency.durationMs / 1000)} s (Poisson, ${results.flags.latencyRate}/s) for ${results.flags.latencyWorkgroups} workgroups with a 2 DPU-hour day budget (throttle to 8 DPUs at 50 %, disable at 100 %); SQS → Lambda modelled as the event source mapping: batch of ≤ ${results.serverless.batchSize}, invoked when full or ${results.serverless.batchingWindowMs / 1000} s after its first record, ≤ ${results.serverless.maxConcurrency} invocations at once; ${latency.invocations} invocations of ${latency.batchSizes.join(', ')} records.`,
      ],
      table: {
        header: ['figure', 'value'],
        rows: [
          [
            'samples (threshold actions)',
            `${latency.samples.length} of ${latency.expected} expected`,
          ],
          ['p50', `${f(latency.p50Ms / 1000, 2)} s`],
          ['p99', `${f(latency.p99Ms / 1000, 2)} s`],
          ['max', `${f(latency.maxMs / 1000, 2)} s`],
          [
            'median wait in the queue (batching window)',
            `${f(latency.medianQueuedMs / 1000, 2)} s`,
          ],
          ['median handler start → UpdateWorkGroup', `${f(latency.medianHandlerMs / 1000, 2)} s`],
          ['records failed', String(latency.failedRecords)],
        ],
      },
    },
    {
      title: 'Bundles (serverless.yml esbuild options) and cold start',
      intro: [
        `".mjs" zipped at deflate level 6 as \`sls package\` does; "deployed zip" is the zip \`npm run package\` writes (.mjs and .map). Cold init: median over ${results.flags.coldRuns} fresh \`node\` processes of the time \`import()\` of the bundle takes, with the function's environment and serverless.yml's NODE_OPTIONS (--enable-source-maps); "process" is node's start to exit, for scale.`,
      ],
      table: {
        header: ['function', '.mjs', '.map', 'zipped .mjs', 'deployed zip', 'cold init', 'process'],
        rows: results.bundles.map((bundled) => [
          bundled.entry,
          kb(bundled.mjsBytes),
          kb(bundled.mapBytes),
          kb(bundled.zippedMjsBytes),
          kb(bundled.deployedZipBytes),
          `${f(bundled.coldStart?.medianInitMs ?? Number.NaN)} ms`,
          `${f(bundled.coldStart?.medianProcessMs ?? Number.NaN, 0)} ms`,
        ]),
      },
      notes: [
        ...results.bundleFailures.map(
          (failure) => `${failure.entry} did not bundle: ${failure.reason}`,
        ),
        `Ingest: ${kb(ingest?.zippedMjsBytes)} zipped; the deployed zip, as \`npm run package\` writes it with the source map, is ${kb(ingest?.deployedZipBytes)}. The map is only read for stack traces.`,
      ],
    },
    ...(results.capacity === undefined || results.capacity.length === 0
      ? []
      : [capacitySection(results.capacity, results.serverless.memoryMb)]),
    {
      title: 'Targets',
      table: {
        header: ['target', 'measured', 'goal', 'result'],
        rows: report.targets.map((target) => [
          target.name,
          target.measured,
          target.target,
          target.pass ? 'PASS' : `FAIL${target.note ? ` (${target.note})` : ''}`,
        ]),
        align: ['left', 'left', 'left', 'left'],
      },
    },
  ];
}

/** What dbt models and tags cost: the busy run against the same queries untagged. */
function attributionSection(results: BenchResults, report: Report): Section {
  const { busy, unattributed } = report;
  const f = (value: number, decimals = 1) => formatNumber(value, decimals);
  const { attributedQueries, countedValues } = results.attribution;
  const itemsPerQuery = (run: RunResult) =>
    (run.dynamo.get('TransactWriteItems')?.items ?? 0) / Math.max(1, run.queries);
  const transactionsPer1000 = (figures: RunFigures) =>
    figures.callsPer1000.get('TransactWriteItems') ?? 0;
  const row = (label: string, withIt: number, without: number, decimals: number) => [
    label,
    f(withIt, decimals),
    f(without, decimals),
    `${withIt >= without ? '+' : ''}${f(withIt - without, decimals)}`,
  ];
  const monthlyUsd = (figures: RunFigures) =>
    (figures.writeUnitsPerQuery * results.monthlyQueries * PRICES.dynamoWriteUnitsPerMillion) / 1e6;
  return {
    title: 'Attribution: what dbt models and tags cost',
    intro: [
      `The busy run's ${formatNumber(busy.queries)} queries, of which ${formatNumber(attributedQueries)} (${f((attributedQueries / Math.max(1, busy.queries)) * 100)} %) carry a dbt model or tags (${f(countedValues / Math.max(1, attributedQueries), 2)} counted values each), against the same queries with their SQL text cut to the statement. Each counted value adds its day, week and month counter of the workgroup (and, the first time in a day, the day's value registry) to the transaction that records the query: no call of its own.`,
    ],
    table: {
      header: ['figure (busy)', 'with attribution', 'untagged', 'attribution adds'],
      rows: [
        row('API calls / 1,000 queries', busy.totalPer1000, unattributed.totalPer1000, 1),
        row(
          '· TransactWriteItems / 1,000 queries',
          transactionsPer1000(busy),
          transactionsPer1000(unattributed),
          1,
        ),
        row(
          'DynamoDB items written / query',
          itemsPerQuery(results.busy),
          itemsPerQuery(results.unattributed),
          3,
        ),
        row(
          'DynamoDB write units / 1,000 queries',
          busy.writeUnitsPerQuery * 1000,
          unattributed.writeUnitsPerQuery * 1000,
          0,
        ),
        row(
          `DynamoDB writes at ${formatNumber(results.monthlyQueries)} queries/month (USD)`,
          monthlyUsd(busy),
          monthlyUsd(unattributed),
          2,
        ),
        ['write units / counted value', '', '', f(report.writeUnitsPerValue, 2)],
      ],
      align: ['left', 'right', 'right', 'right'],
    },
    notes: [
      `A value's counters are shared by the queries of the same value in a transaction, so a counted value costs at most ${TARGETS.attributionWriteUnitsPerValue} write units (three transactional updates of an item under 1 KB) and less when values repeat in a batch. More actions per query fill the 100-action transactions sooner, hence the extra TransactWriteItems; the query record grows by the dbt model, target, invocation and tags (never the SQL text).`,
      "The 1M/month cost assumes the busy run's share of attributed queries; a cap (`attributionValuesPerDay`) bounds the values per key, workgroup and day, past which usage goes to `(other)`.",
    ],
  };
}

/** What IAM principals cost: the busy run with CloudTrail records and principals against it without. */
function principalsSection(results: BenchResults, report: Report): Section {
  const { busy, withPrincipals } = report;
  const run = results.principals.run;
  const f = (value: number, decimals = 1) => formatNumber(value, decimals);
  const callers = run.callers ?? { messages: 0, riding: 0, waiting: 0, moved: 0, repeated: 0 };
  const { cloudTrail } = results.principals;
  const records = Math.max(1, callers.messages);
  const row = (label: string, withIt: number, without: number, decimals: number) => [
    label,
    f(withIt, decimals),
    f(without, decimals),
    `${withIt >= without ? '+' : ''}${f(withIt - without, decimals)}`,
  ];
  const boundPer1000 = (of: RunResult, operation: string) =>
    per1000(
      (of.bound as unknown as Record<string, number | undefined>)[operation] ?? 0,
      of.queries,
    );
  const operations = [
    ...new Set([...withPrincipals.callsPer1000.keys(), ...busy.callsPer1000.keys()]),
  ].sort((a, b) => serviceOf(a).localeCompare(serviceOf(b)) || a.localeCompare(b));
  const sqsPer1000 = (of: RunResult) => per1000(of.messages + 2 * of.sqsReceiveCalls, of.queries);
  const extraWriteUnits =
    (withPrincipals.writeUnitsPerQuery - busy.writeUnitsPerQuery) * run.queries;
  const extraFailedUnits =
    (withPrincipals.failedWriteUnitsPerQuery - busy.failedWriteUnitsPerQuery) * run.queries;
  const monthlyUsd = (figures: RunFigures) =>
    ((figures.writeUnitsPerQuery + figures.failedWriteUnitsPerQuery) *
      results.monthlyQueries *
      PRICES.dynamoWriteUnitsPerMillion) /
    1e6;
  const check = results.principals.check;
  return {
    title: 'Attribution: what IAM principals cost',
    intro: [
      `The busy run's ${formatNumber(run.queries)} queries and state changes again (in a table of their own) with \`attributePrincipals\` on (ATTRIBUTE_PRINCIPALS=true), each query's CloudTrail StartQueryExecution record in the same queue where its delivery time puts it (local mode's CloudTrail feed: a minute to 15 minutes after the call, so after a short query's state change and before a long one's; ${formatNumber(cloudTrail.missing)} never arrive, ${formatNumber(cloudTrail.duplicates)} twice): ${formatNumber(callers.messages)} CloudTrail messages from ${results.principals.principals} principals, ${f(per1000(callers.messages, run.queries), 0)} per 1,000 queries. Against the busy run, without principals.`,
      `Of the callers (distinct per batch): ${formatNumber(callers.riding)} came in the batch that recorded their query, ${formatNumber(callers.waiting)} came before it (the caller waits on the query's item), ${formatNumber(callers.moved)} after it (a move from \`unknown\`), ${formatNumber(callers.repeated)} were repeats of a caller already handled.`,
    ],
    table: {
      header: ['figure (busy)', 'principals on', 'off', 'principals add'],
      rows: [
        row('API calls / 1,000 queries', withPrincipals.totalPer1000, busy.totalPer1000, 1),
        row('· lower bound', withPrincipals.boundPer1000, busy.boundPer1000, 1),
        ...operations.map((operation) =>
          row(
            `· ${serviceOf(operation)} ${operation}${operation in ZERO_BOUND ? ` (bound ${f(boundPer1000(run, operation))})` : ''}`,
            withPrincipals.callsPer1000.get(operation) ?? 0,
            busy.callsPer1000.get(operation) ?? 0,
            1,
          ),
        ),
        row(
          '· TransactWriteItems cancelled / 1,000 queries',
          withPrincipals.cancelledPer1000,
          busy.cancelledPer1000,
          1,
        ),
        row(
          'DynamoDB write units / 1,000 queries',
          withPrincipals.writeUnitsPerQuery * 1000,
          busy.writeUnitsPerQuery * 1000,
          0,
        ),
        row(
          '· + failed conditional writes (charged)',
          withPrincipals.failedWriteUnitsPerQuery * 1000,
          busy.failedWriteUnitsPerQuery * 1000,
          0,
        ),
        ['write units / CloudTrail record', '', '', f(extraWriteUnits / records, 2)],
        [
          '· with the failed conditional writes',
          '',
          '',
          f((extraWriteUnits + extraFailedUnits) / records, 2),
        ],
        row('SQS requests / 1,000 queries', sqsPer1000(run), sqsPer1000(results.busy), 0),
        row(
          `DynamoDB writes at ${formatNumber(results.monthlyQueries)} queries/month (USD)`,
          monthlyUsd(withPrincipals),
          monthlyUsd(busy),
          2,
        ),
      ],
      align: ['left', 'right', 'right', 'right'],
    },
    notes: [
      `Principal counters: ${check.matches && check.addsUp ? '✓' : '✗'} ${check.detail}.`,
      "The bound with principals: a caller whose query is recorded in the same batch rides in that recording (its principal's counters instead of unknown's: no call); the other distinct callers of a batch have their query items read with one BatchGetItem (100 keys a call), which tells a query recorded under unknown, a caller already waiting or attributed (a repeat: nothing to write) and a query not recorded yet; the batch's moves (the record, unknown's and the principal's day, week and month counters, an outbox entry) and waiting callers (one conditional update each) share TransactWriteItems packed 100 actions each, as recordings do.",
      `Where the product is above it: the packing keeps each workgroup's moves of a day in one transaction and never puts two pieces of one workgroup together, so a batch's moves can take a transaction more than its actions need; a recording transaction that meets a waiting caller another instance left (or one this instance no longer remembers) is cancelled once and sent again with the caller, and a join transaction that meets a concurrent recording or move is cancelled and its joins read again (the cancelled row). A caller that comes in the same batch as its query is recorded with it, as the bound counts.`,
      `A move's Principal metrics (unknown down, the principal up) are an outbox entry of its transaction, published by the outbox sweep (publish-metrics function) within about 11 minutes: their PutMetricData and delete are the sweep's calls, not in these figures. Write units are computed per request as in the first table (a waiting caller written in a transaction costs two write units, not one: DynamoDB's price of a transactional write); the write units of failed requests (cancelled transactions) are counted apart, hence the second per-record figure.`,
    ],
  };
}

function header(results: BenchResults): string[] {
  return [
    `athena-cost benchmark · ${results.generatedAt} · ${results.machine.platform}, ${results.machine.cpus} x ${results.machine.cpuModel} · Node ${results.machine.node} · ${formatNumber(results.flags.queries)} queries, seed ${results.flags.seed} · ${formatNumber(results.elapsedMs / 1000, 0)} s`,
    'One process: DynamoDB Local (behind a proxy counting calls and capacity) and the Athena, CloudWatch and SNS stand-ins; each function runs bundled as deployed, in its own Node process (one Lambda environment). A shared, noisy machine: figures, not assertions.',
  ];
}

export function renderText(results: BenchResults): string[] {
  const report = analyse(results);
  const lines = [...header(results)];
  for (const section of sections(results, report)) {
    lines.push('', `== ${section.title}`);
    if (section.intro) lines.push(...section.intro);
    lines.push(...formatTable(section.table.header, section.table.rows, section.table.align));
    if (section.notes) lines.push(...section.notes.map((note) => `* ${note}`));
  }
  return lines;
}

export function renderMarkdown(results: BenchResults): string[] {
  const report = analyse(results);
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); the raw figures are in bench/results/latest.json.',
    '',
  ];
  for (const line of header(results)) lines.push(line, '');
  lines.pop();
  for (const section of sections(results, report)) {
    lines.push('', `## ${section.title}`, '');
    if (section.intro) for (const paragraph of section.intro) lines.push(paragraph, '');
    lines.push(
      ...formatMarkdownTable(section.table.header, section.table.rows, section.table.align),
    );
    if (section.notes) lines.push('', ...section.notes.map((note) => `- ${note}`));
  }
  return lines;
}

/** The shortest window of the projection that reaches the 20x, for the FAIL note. */
function windowNote(results: BenchResults, baselinePer1000: number): string {
  const enough = results.windows.find(
    (window) => baselinePer1000 / window.boundPer1000 >= TARGETS.fewerThanBaseline,
  );
  return enough === undefined
    ? 'a few messages per batch: see notes'
    : `a few messages per batch; a ${enough.seconds} s window gives ${formatNumber(baselinePer1000 / enough.boundPer1000, 1)}x`;
}

/** Money to the cent, as every output writes it; an amount under a cent says so. */
function usd(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.01) return '< $0.01';
  return formatUsdWithSign(value);
}

function kb(bytes: number | undefined): string {
  return bytes === undefined ? '—' : formatBytes(bytes);
}
