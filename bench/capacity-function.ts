import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TableKeys } from '../lib/store/table-keys.js';
import type { OperationCapacity } from './capacity-proxy.js';
import type { BenchEnvironment } from './environment.js';
import { startFunction } from './scenarios.js';

/**
 * The capacity function (every 5 minutes) at 1, 10 and 100 capacity reservations: the bundled
 * handler in its own process, as deployed, against the Athena and CloudWatch stand-ins and
 * DynamoDB Local. Each reservation serves two workgroups and has a minute of `DPUAllocated` and
 * `DPUConsumed` for every minute of the runs. A first run sees the reservations (and counts
 * nothing); then each measured run counts five minutes, as every scheduled run does: before it,
 * the reservations' watermarks are moved back five minutes (uncounted), since the handler runs
 * on the real clock.
 */

/** The reservation counts the bench measures. */
export const CAPACITY_BENCH_RESERVATIONS = [1, 10, 100] as const;
/** Measured runs per count (after the first, which only sees the reservations). */
const MEASURED_RUNS = 3;
export const WORKGROUPS_PER_RESERVATION = 2;
const MINUTE_MS = 60_000;
const RUN_INTERVAL_MS = 5 * MINUTE_MS;
/** Minutes of metrics published before the first run: more than a run reads. */
const METRIC_MINUTES = 40;

/** One count of reservations: what one steady-state run did, the median of the measured runs. */
export interface CapacityBenchRun {
  readonly reservations: number;
  /** Calls per run by operation (Athena, CloudWatch, DynamoDB), from the last measured run. */
  readonly callsPerRun: ReadonlyMap<string, number>;
  /** GetMetricData queries per run (CloudWatch bills the metrics requested). */
  readonly metricsRequestedPerRun: number;
  readonly writeUnitsPerRun: number;
  readonly readUnitsPerRun: number;
  /** Median wall time of a measured run, and the CPU time of that run. */
  readonly medianWallMs: number;
  readonly medianCpuMs: number;
  readonly logBytesPerRun: number;
  /** Runs that threw (the function throws when a reservation could not be counted). */
  readonly errors: readonly string[];
  /** Reservations each measured run reported counted (committed). */
  readonly countedPerRun: readonly number[];
}

export async function runCapacityBench(
  env: BenchEnvironment,
  bundlePath: string,
): Promise<CapacityBenchRun[]> {
  const results: CapacityBenchRun[] = [];
  let created = 0;
  for (const count of CAPACITY_BENCH_RESERVATIONS) {
    // The Athena stand-in lists every reservation made so far: add up to `count`.
    for (; created < count; created++) addReservation(env, created);
    const tableName = `bench-capacity-${count}`;
    await env.createTable(tableName);
    results.push(await measure(env, bundlePath, tableName, count));
  }
  return results;
}

const reservationName = (index: number) => `bench-reservation-${String(index).padStart(3, '0')}`;

function addReservation(env: BenchEnvironment, index: number): void {
  const name = reservationName(index);
  const workgroups = Array.from(
    { length: WORKGROUPS_PER_RESERVATION },
    (_, w) => `bench-capacity-${index}-${w}`,
  );
  for (const workgroup of workgroups) env.athena.account.addWorkGroup({ Name: workgroup });
  env.athena.account.putCapacityReservation({
    Name: name,
    TargetDpus: 24,
    AllocatedDpus: 24,
    LastSuccessfulAllocationTime: new Date(Date.now() - 24 * 3_600_000),
  });
  env.athena.account.assignWorkGroups(name, workgroups);
  const firstMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - METRIC_MINUTES * MINUTE_MS;
  // Enough minutes for the runs of every count after this one: 10 minutes a count.
  for (let minute = 0; minute < METRIC_MINUTES + 30; minute++) {
    const timestamp = new Date(firstMinute + minute * MINUTE_MS);
    const dimensions = [{ Name: 'CapacityReservation', Value: name }];
    env.cloudWatch.metrics.publishServiceDatum({
      namespace: 'AWS/Athena',
      metricName: 'DPUAllocated',
      dimensions,
      timestamp,
      value: 24,
    });
    env.cloudWatch.metrics.publishServiceDatum({
      namespace: 'AWS/Athena',
      metricName: 'DPUConsumed',
      dimensions,
      timestamp,
      value: (minute * 7 + index) % 25,
    });
  }
}

async function measure(
  env: BenchEnvironment,
  bundlePath: string,
  tableName: string,
  count: number,
): Promise<CapacityBenchRun> {
  const handler = await startFunction(env, bundlePath, 'capacity', tableName);
  const errors: string[] = [];
  try {
    const first = await handler.invoke(scheduledEvent());
    if (first.error !== undefined) errors.push(first.error);
    const wall: number[] = [];
    const cpu: number[] = [];
    const countedPerRun: number[] = [];
    let last = {
      calls: new Map<string, number>(),
      dynamo: new Map<string, OperationCapacity>(),
      metricsRequested: 0,
      logBytes: 0,
    };
    for (let run = 0; run < MEASURED_RUNS; run++) {
      await moveWatermarksBack(env, tableName, count);
      env.resetCalls();
      const logBefore = handler.logBytes();
      const metricsBefore = env.cloudWatch.metricsRequested();
      const invocation = await handler.invoke(scheduledEvent());
      if (invocation.error !== undefined) errors.push(invocation.error);
      wall.push(invocation.wallMs);
      cpu.push(invocation.cpuMicros / 1000);
      const result = invocation.result as { reservations?: { committed: boolean }[] } | undefined;
      countedPerRun.push(result?.reservations?.filter((each) => each.committed).length ?? 0);
      last = {
        calls: env.calls(),
        dynamo: new Map([...env.dynamo.operations].map(([key, value]) => [key, { ...value }])),
        metricsRequested: env.cloudWatch.metricsRequested() - metricsBefore,
        logBytes: handler.logBytes() - logBefore,
      };
    }
    const dynamo = [...last.dynamo.values()];
    const middle = medianIndex(wall);
    return {
      reservations: count,
      callsPerRun: last.calls,
      metricsRequestedPerRun: last.metricsRequested,
      writeUnitsPerRun: dynamo.reduce(
        (sum, stats) => sum + stats.estimatedWriteUnits + stats.estimatedFailedWriteUnits,
        0,
      ),
      readUnitsPerRun: dynamo.reduce((sum, stats) => sum + stats.readCapacityUnits, 0),
      medianWallMs: wall[middle] ?? Number.NaN,
      medianCpuMs: cpu[middle] ?? Number.NaN,
      logBytesPerRun: last.logBytes,
      errors,
      countedPerRun,
    };
  } finally {
    await handler.close();
  }
}

/** Sets every reservation's watermark five minutes back, as if the last run was 5 minutes ago. */
async function moveWatermarksBack(env: BenchEnvironment, tableName: string, count: number) {
  for (let index = 0; index < count; index++) {
    await env.documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: TableKeys.capacity(reservationName(index)),
        ConditionExpression: 'attribute_exists(watermark)',
        UpdateExpression: 'SET watermark = :watermark',
        ExpressionAttributeValues: {
          ':watermark': new Date(
            Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 3 * MINUTE_MS - RUN_INTERVAL_MS,
          ).toISOString(),
        },
      }),
    );
  }
}

function medianIndex(values: readonly number[]): number {
  const sorted = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  return sorted[Math.floor((sorted.length - 1) / 2)]?.index ?? 0;
}

const scheduledEvent = () => ({
  version: '0',
  id: 'bench-capacity',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/athena-cost-bench-capacity'],
  detail: {},
});
