import { type CapacityBenchRun, WORKGROUPS_PER_RESERVATION } from './capacity-function.js';
import {
  type CostLine,
  capacityFunctionMonthlyCost,
  HOURS_PER_MONTH,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  PRICES,
  runsPerMonth,
} from './cost-model.js';
import { formatNumber, type TargetResult } from './figures.js';

/**
 * The capacity function's figures in the bench report: a row per reservation count (calls,
 * duration and cost per month of a run every 5 minutes) and its targets.
 */

export const CAPACITY_TARGETS = {
  /** A reservation's monitoring against what the smallest reservation (4 DPUs) bills a month. */
  costShareOfSmallestReservation: 0.01,
  smallestReservationDpus: 4,
  /** A run at 100 reservations: well inside its 120 s timeout and its 5-minute schedule. */
  wallMsAt100: 30_000,
} as const;

const SCHEDULE_MINUTES = 5;
/** ReservationAllocatedDpuHours, ReservationIdleDpuHours, ReservationCostUsd, ReservationUtilizationPercent. */
const METRICS_PER_RESERVATION = 4;
const ATHENA_OPERATIONS = new Set([
  'ListCapacityReservations',
  'GetCapacityReservation',
  'GetCapacityAssignmentConfiguration',
]);
const CLOUDWATCH_OPERATIONS = new Set(['ListMetrics', 'GetMetricData', 'PutMetricData']);

export interface CapacityFigures {
  readonly run: CapacityBenchRun;
  readonly athenaCalls: number;
  readonly cloudWatchCalls: number;
  readonly dynamoCalls: number;
  readonly cost: { lines: CostLine[]; totalUsd: number };
}

export function capacityFiguresOf(run: CapacityBenchRun, memoryMb: number): CapacityFigures {
  const calls = (filter: (operation: string) => boolean) =>
    [...run.callsPerRun]
      .filter(([operation]) => filter(operation))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    run,
    athenaCalls: calls((operation) => ATHENA_OPERATIONS.has(operation)),
    cloudWatchCalls: calls((operation) => CLOUDWATCH_OPERATIONS.has(operation)),
    dynamoCalls: calls(
      (operation) => !ATHENA_OPERATIONS.has(operation) && !CLOUDWATCH_OPERATIONS.has(operation),
    ),
    cost: capacityFunctionMonthlyCost(
      {
        reservations: run.reservations,
        billedMs: Math.ceil(run.medianWallMs),
        memoryMb,
        dynamoWriteUnits: run.writeUnitsPerRun,
        dynamoReadUnits: run.readUnitsPerRun,
        putMetricDataRequests: run.callsPerRun.get('PutMetricData') ?? 0,
        getMetricDataMetrics: run.metricsRequestedPerRun,
        listMetricsRequests: run.callsPerRun.get('ListMetrics') ?? 0,
        logBytes: run.logBytesPerRun + PLATFORM_LOG_BYTES_PER_INVOCATION,
        metricsPerReservation: METRICS_PER_RESERVATION,
      },
      runsPerMonth(SCHEDULE_MINUTES),
    ),
  };
}

/** The smallest reservation's month, the yardstick of the cost target. */
const smallestReservationMonthUsd =
  CAPACITY_TARGETS.smallestReservationDpus * PRICES.athenaCapacityDpuHour * HOURS_PER_MONTH;

export function capacitySection(runs: readonly CapacityBenchRun[], memoryMb: number) {
  const figures = runs.map((run) => capacityFiguresOf(run, memoryMb));
  const f = (value: number, decimals = 0) => formatNumber(value, decimals);
  const usd = (value: number) => `$${formatNumber(value, 2)}`;
  const largest = figures.at(-1);
  return {
    title: `Capacity function (every ${SCHEDULE_MINUTES} minutes) at ${runs.map((run) => run.reservations).join(', ')} reservations`,
    intro: [
      `The bundled handler in its own process against the stand-ins: each reservation serves ${WORKGROUPS_PER_RESERVATION} workgroups and has DPUAllocated and DPUConsumed minutes; a first run sees the reservations, then each measured run counts 5 minutes (median of 3). A month is ${f(runsPerMonth(SCHEDULE_MINUTES))} runs at ${memoryMb} MB.`,
    ],
    table: {
      header: [
        'reservations',
        'Athena calls',
        'CloudWatch calls',
        'metrics requested',
        'DynamoDB calls',
        'WRU / run',
        'RRU / run',
        'wall / run',
        'CPU / run',
        'cost / month',
        'per reservation',
      ],
      rows: figures.map((each) => [
        f(each.run.reservations),
        f(each.athenaCalls),
        f(each.cloudWatchCalls),
        f(each.run.metricsRequestedPerRun),
        f(each.dynamoCalls),
        f(each.run.writeUnitsPerRun),
        f(each.run.readUnitsPerRun, 1),
        `${f(each.run.medianWallMs)} ms`,
        `${f(each.run.medianCpuMs)} ms`,
        usd(each.cost.totalUsd),
        usd(each.cost.totalUsd / each.run.reservations),
      ]),
      align: Array.from({ length: 11 }, () => 'right' as const),
    },
    notes: [
      ...(largest === undefined
        ? []
        : [
            `At ${largest.run.reservations} reservations a run makes ${[...largest.run.callsPerRun]
              .filter(([, count]) => count > 0)
              .sort((a, b) => b[1] - a[1])
              .map(([operation, count]) => `${f(count)} ${operation}`)
              .join(
                ', ',
              )}; its month: ${largest.cost.lines.map((line) => `${line.item} ${usd(line.usd)}`).join(', ')}.`,
          ]),
      `Prices: CloudWatch GetMetricData $${PRICES.cloudWatchGetMetricDataPerThousandMetrics} per 1,000 metrics requested, ListMetrics $${PRICES.cloudWatchApiRequestsPerThousand} per 1,000 requests, ${METRICS_PER_RESERVATION} custom metrics per reservation (Reservation*) at $${PRICES.cloudWatchMetricMonth} a month each, the largest item; the Athena reservation APIs carry no charge. Write units grow with the day counters' minute profile (hours and the histogram of minute use).`,
      ...figures
        .filter((each) => each.run.errors.length > 0)
        .map(
          (each) => `${each.run.reservations} reservations: a run failed: ${each.run.errors[0]}`,
        ),
    ],
  };
}

export function capacityTargets(
  runs: readonly CapacityBenchRun[],
  memoryMb: number,
): TargetResult[] {
  const figures = runs.map((run) => capacityFiguresOf(run, memoryMb));
  const perReservation = Math.max(
    ...figures.map((each) => each.cost.totalUsd / each.run.reservations),
  );
  const at100 = figures.find((each) => each.run.reservations === 100);
  const limit = CAPACITY_TARGETS.costShareOfSmallestReservation * smallestReservationMonthUsd;
  return [
    {
      name: 'Capacity function cost / reservation / month (worst of 1, 10, 100)',
      measured: `$${formatNumber(perReservation, 2)}`,
      target: `< ${CAPACITY_TARGETS.costShareOfSmallestReservation * 100} % of a ${CAPACITY_TARGETS.smallestReservationDpus}-DPU reservation's month ($${formatNumber(limit, 2)})`,
      pass: figures.length > 0 && perReservation < limit,
    },
    {
      name: 'Capacity function run at 100 reservations (wall)',
      measured: at100 === undefined ? 'not run' : `${formatNumber(at100.run.medianWallMs)} ms`,
      target: `< ${CAPACITY_TARGETS.wallMsAt100 / 1000} s (timeout 120 s, schedule 5 min)`,
      pass:
        at100 !== undefined &&
        at100.run.errors.length === 0 &&
        at100.run.countedPerRun.every((counted) => counted === 100) &&
        at100.run.medianWallMs < CAPACITY_TARGETS.wallMsAt100,
    },
  ];
}
