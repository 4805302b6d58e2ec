/**
 * The monthly AWS bill of running the monitor, from usage figures the benchmark measured and
 * public list prices. Pure (test/unit/bench-cost-model.test.ts).
 */

/**
 * us-east-1 on-demand list prices, without free tiers or discounts. Compiled on the date below
 * from AWS's public pricing pages (DynamoDB on-demand after its 2024-11-01 price cut); they were
 * not fetched by the run: check them before relying on the figures.
 */
export const PRICES = {
  asOf: '2026-11-25',
  region: 'us-east-1',
  /** Lambda duration, arm64 (first 7.5 billion GB-s a month), per GB-second. */
  lambdaArmGbSecond: 0.000_013_333_4,
  lambdaRequestsPerMillion: 0.2,
  /** SQS standard queue, per million requests (each 64 KB chunk of a request is one). */
  sqsRequestsPerMillion: 0.4,
  /** DynamoDB on-demand, per million write / read request units. */
  dynamoWriteUnitsPerMillion: 0.625,
  dynamoReadUnitsPerMillion: 0.125,
  /** DynamoDB Standard table class storage, per GB-month. */
  dynamoStorageGbMonth: 0.25,
  /** Point-in-time recovery (continuous backups), per GB-month of table size. */
  dynamoPitrGbMonth: 0.2,
  cloudWatchPutMetricDataPerThousand: 0.01,
  /** GetMetricData, per 1,000 metrics requested (not per call). */
  cloudWatchGetMetricDataPerThousandMetrics: 0.01,
  /** ListMetrics and the other read APIs, per 1,000 requests. */
  cloudWatchApiRequestsPerThousand: 0.01,
  /** Per custom metric (name + dimensions) per month, first 10,000 metrics. */
  cloudWatchMetricMonth: 0.3,
  cloudWatchLogsIngestionGb: 0.5,
  cloudWatchAlarmMonth: 0.1,
  /** Beyond the 3 free dashboards of an account. */
  cloudWatchDashboardMonth: 3,
  kmsKeyMonth: 1,
  snsPublishesPerMillion: 0.5,
  /** AWS service events on the default bus and rule matching for them are free. */
  eventBridgeAwsServiceEvents: 0,
  /** Athena provisioned capacity, per DPU-hour: what the monitored queries cost, not the monitor. */
  athenaCapacityDpuHour: 0.3,
} as const;

/** START, END and REPORT lines Lambda writes per invocation, about 100 bytes each. */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 300;

/** What the monitor uses in a month. */
export interface MonthlyUsage {
  readonly lambdaInvocations: number;
  /** Sum of billed durations (each invocation rounded up to 1 ms), init phases included. */
  readonly lambdaBilledMs: number;
  readonly lambdaMemoryMb: number;
  readonly sqsRequests: number;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly dynamoStorageGb: number;
  readonly putMetricDataRequests: number;
  readonly customMetrics: number;
  readonly logBytes: number;
  readonly snsPublishes: number;
}

export interface CostLine {
  readonly item: string;
  readonly quantity: string;
  readonly usd: number;
}

const GB = 1024 ** 3;

/** The bill of a month's usage, line by line. */
export function monthlyCost(usage: MonthlyUsage): { lines: CostLine[]; totalUsd: number } {
  const gbSeconds = (usage.lambdaBilledMs / 1000) * (usage.lambdaMemoryMb / 1024);
  const lines: CostLine[] = [
    {
      item: 'Lambda requests',
      quantity: `${fmt(usage.lambdaInvocations)} invocations`,
      usd: (usage.lambdaInvocations / 1e6) * PRICES.lambdaRequestsPerMillion,
    },
    {
      item: `Lambda duration (arm64, ${usage.lambdaMemoryMb} MB)`,
      quantity: `${fmt(gbSeconds, 1)} GB-s`,
      usd: gbSeconds * PRICES.lambdaArmGbSecond,
    },
    {
      item: 'SQS requests',
      quantity: `${fmt(usage.sqsRequests)} requests`,
      usd: (usage.sqsRequests / 1e6) * PRICES.sqsRequestsPerMillion,
    },
    {
      item: 'DynamoDB writes (on-demand)',
      quantity: `${fmt(usage.dynamoWriteUnits)} WRU`,
      usd: (usage.dynamoWriteUnits / 1e6) * PRICES.dynamoWriteUnitsPerMillion,
    },
    {
      item: 'DynamoDB reads (on-demand)',
      quantity: `${fmt(usage.dynamoReadUnits)} RRU`,
      usd: (usage.dynamoReadUnits / 1e6) * PRICES.dynamoReadUnitsPerMillion,
    },
    {
      item: 'DynamoDB storage (steady state)',
      quantity: `${fmt(usage.dynamoStorageGb, 2)} GB`,
      usd: usage.dynamoStorageGb * PRICES.dynamoStorageGbMonth,
    },
    {
      item: 'CloudWatch PutMetricData',
      quantity: `${fmt(usage.putMetricDataRequests)} requests`,
      usd: (usage.putMetricDataRequests / 1000) * PRICES.cloudWatchPutMetricDataPerThousand,
    },
    {
      item: 'CloudWatch custom metrics',
      quantity: `${fmt(usage.customMetrics)} metrics`,
      usd: usage.customMetrics * PRICES.cloudWatchMetricMonth,
    },
    {
      item: 'CloudWatch Logs ingestion',
      quantity: `${fmt(usage.logBytes / GB, 3)} GB`,
      usd: (usage.logBytes / GB) * PRICES.cloudWatchLogsIngestionGb,
    },
    {
      item: 'SNS alerts',
      quantity: `${fmt(usage.snsPublishes)} publishes`,
      usd: (usage.snsPublishes / 1e6) * PRICES.snsPublishesPerMillion,
    },
    { item: 'EventBridge (AWS service events)', quantity: 'rule matches', usd: 0 },
  ];
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) };
}

/** Runs a month of a function scheduled every `intervalMinutes`. */
export const runsPerMonth = (intervalMinutes: number): number =>
  SECONDS_PER_MONTH / (intervalMinutes * 60);

/** What one scheduled run of the capacity function used, measured. */
export interface CapacityRunUsage {
  readonly reservations: number;
  readonly billedMs: number;
  readonly memoryMb: number;
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly putMetricDataRequests: number;
  readonly getMetricDataMetrics: number;
  readonly listMetricsRequests: number;
  readonly logBytes: number;
  /** Custom metrics it keeps per reservation (Reservation* on the dashboard). */
  readonly metricsPerReservation: number;
}

/**
 * The month of the capacity function (`runs` runs of the measured one): the usage lines of
 * {@link monthlyCost} that apply, plus CloudWatch's GetMetricData (per metric requested) and
 * ListMetrics (per request). The Athena reservation APIs it calls carry no charge.
 */
export function capacityFunctionMonthlyCost(
  run: CapacityRunUsage,
  runs: number,
): { lines: CostLine[]; totalUsd: number } {
  const base = monthlyCost({
    lambdaInvocations: runs,
    lambdaBilledMs: run.billedMs * runs,
    lambdaMemoryMb: run.memoryMb,
    sqsRequests: 0,
    dynamoWriteUnits: run.dynamoWriteUnits * runs,
    dynamoReadUnits: run.dynamoReadUnits * runs,
    dynamoStorageGb: 0,
    putMetricDataRequests: run.putMetricDataRequests * runs,
    customMetrics: run.reservations * run.metricsPerReservation,
    logBytes: run.logBytes * runs,
    snsPublishes: 0,
  }).lines.filter(
    (line) =>
      !['SQS', 'SNS', 'EventBridge', 'DynamoDB storage'].some((i) => line.item.startsWith(i)),
  );
  const lines: CostLine[] = [
    ...base,
    {
      item: 'CloudWatch GetMetricData',
      quantity: `${fmt(run.getMetricDataMetrics * runs)} metrics requested`,
      usd:
        ((run.getMetricDataMetrics * runs) / 1000) *
        PRICES.cloudWatchGetMetricDataPerThousandMetrics,
    },
    {
      item: 'CloudWatch ListMetrics',
      quantity: `${fmt(run.listMetricsRequests * runs)} requests`,
      usd: ((run.listMetricsRequests * runs) / 1000) * PRICES.cloudWatchApiRequestsPerThousand,
    },
  ];
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) };
}

/** Resources billed by the month whatever the traffic, from serverless.yml. */
export interface FixedResources {
  readonly alarms: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  /** Table size for point-in-time recovery. */
  readonly pitrGb: number;
}

export function fixedMonthlyCost(resources: FixedResources): {
  lines: CostLine[];
  totalUsd: number;
} {
  const lines: CostLine[] = [
    {
      item: 'CloudWatch alarms',
      quantity: `${resources.alarms} alarms`,
      usd: resources.alarms * PRICES.cloudWatchAlarmMonth,
    },
    {
      item: 'CloudWatch dashboard (if beyond the free 3)',
      quantity: `${resources.dashboards} dashboard`,
      usd: resources.dashboards * PRICES.cloudWatchDashboardMonth,
    },
    {
      item: 'KMS key (alerts topic)',
      quantity: `${resources.kmsKeys} key`,
      usd: resources.kmsKeys * PRICES.kmsKeyMonth,
    },
    {
      item: 'DynamoDB point-in-time recovery',
      quantity: `${fmt(resources.pitrGb, 2)} GB`,
      usd: resources.pitrGb * PRICES.dynamoPitrGbMonth,
    },
  ];
  return { lines, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0) };
}

/** What the monitored queries cost on capacity: queries × DPU-hours each × price per DPU-hour. */
export function capacityCostUsd(
  queries: number,
  dpuHoursPerQuery: number,
  pricePerDpuHourUsd: number,
): number {
  return queries * dpuHoursPerQuery * pricePerDpuHourUsd;
}

/**
 * SQS requests in a month: EventBridge sends each event with its own SendMessage; Lambda's
 * poller receives at most 10 messages per ReceiveMessage and deletes at most 10 per
 * DeleteMessageBatch; and its long polls (20 s, `idlePollers` of them) keep running when the
 * queue is empty.
 */
export function sqsRequestsPerMonth(options: {
  readonly messages: number;
  /** Records per batch, summed over batches as Σ ceil(records / 10). */
  readonly receiveCalls: number;
  readonly idlePollers: number;
  readonly secondsPerMonth: number;
}): number {
  const idlePolls = (options.idlePollers * options.secondsPerMonth) / 20;
  return options.messages + 2 * options.receiveCalls + idlePolls;
}

export const SECONDS_PER_MONTH = 30 * 86_400;
export const HOURS_PER_MONTH = SECONDS_PER_MONTH / 3_600;

function fmt(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}
