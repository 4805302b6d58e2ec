import { describe, expect, it } from 'vitest';
import type { CapacityBenchRun } from '../../bench/capacity-function.js';
import { capacityTargets } from '../../bench/capacity-report.js';
import {
  capacityCostUsd,
  capacityFunctionMonthlyCost,
  fixedMonthlyCost,
  monthlyCost,
  PRICES,
  runsPerMonth,
  SECONDS_PER_MONTH,
  sqsRequestsPerMonth,
} from '../../bench/cost-model.js';

const NONE = {
  lambdaInvocations: 0,
  lambdaBilledMs: 0,
  lambdaMemoryMb: 512,
  sqsRequests: 0,
  dynamoWriteUnits: 0,
  dynamoReadUnits: 0,
  dynamoStorageGb: 0,
  putMetricDataRequests: 0,
  customMetrics: 0,
  logBytes: 0,
  snsPublishes: 0,
};

describe('bench cost model', () => {
  it('prices the capacity function’s month: its runs, metrics requested and per-reservation metrics', () => {
    // Prepare: a run every 5 minutes, 8,640 a month.
    const runs = runsPerMonth(5);
    const { lines, totalUsd } = capacityFunctionMonthlyCost(
      {
        reservations: 10,
        billedMs: 500,
        memoryMb: 1024,
        dynamoWriteUnits: 100,
        dynamoReadUnits: 10,
        putMetricDataRequests: 1,
        getMetricDataMetrics: 20,
        listMetricsRequests: 2,
        logBytes: 0,
        metricsPerReservation: 4,
      },
      runs,
    );

    // Assess
    const usd = (item: string) => lines.find((line) => line.item.startsWith(item))?.usd;
    expect(runs).toBe(8_640);
    expect(usd('Lambda requests')).toBeCloseTo((8_640 / 1e6) * PRICES.lambdaRequestsPerMillion, 12);
    expect(usd('Lambda duration')).toBeCloseTo(8_640 * 0.5 * PRICES.lambdaArmGbSecond, 9);
    expect(usd('CloudWatch GetMetricData')).toBeCloseTo(
      172.8 * PRICES.cloudWatchGetMetricDataPerThousandMetrics,
      9,
    );
    expect(usd('CloudWatch ListMetrics')).toBeCloseTo(
      17.28 * PRICES.cloudWatchApiRequestsPerThousand,
      9,
    );
    expect(usd('CloudWatch custom metrics')).toBeCloseTo(40 * PRICES.cloudWatchMetricMonth, 9);
    expect(lines.some((line) => line.item.startsWith('SQS'))).toBe(false);
    expect(totalUsd).toBeCloseTo(
      lines.reduce((sum, line) => sum + line.usd, 0),
      12,
    );
  });

  it('prices each item at its list price and sums them', () => {
    const { lines, totalUsd } = monthlyCost({
      ...NONE,
      lambdaInvocations: 1_000_000,
      lambdaBilledMs: 2_000_000_000, // 2,000,000 s at 0.5 GB = 1,000,000 GB-s
      dynamoWriteUnits: 2_000_000,
      putMetricDataRequests: 10_000,
      customMetrics: 8,
    });
    const usd = (item: string) => lines.find((line) => line.item.startsWith(item))?.usd;
    expect(usd('Lambda requests')).toBeCloseTo(PRICES.lambdaRequestsPerMillion, 9);
    expect(usd('Lambda duration')).toBeCloseTo(1_000_000 * PRICES.lambdaArmGbSecond, 6);
    expect(usd('DynamoDB writes')).toBeCloseTo(2 * PRICES.dynamoWriteUnitsPerMillion, 9);
    expect(usd('CloudWatch PutMetricData')).toBeCloseTo(
      10 * PRICES.cloudWatchPutMetricDataPerThousand,
      9,
    );
    expect(usd('CloudWatch custom metrics')).toBeCloseTo(8 * PRICES.cloudWatchMetricMonth, 9);
    expect(usd('EventBridge')).toBe(0);
    expect(totalUsd).toBeCloseTo(
      lines.reduce((sum, line) => sum + line.usd, 0),
      9,
    );
    expect(monthlyCost(NONE).totalUsd).toBe(0);
  });

  it('counts SQS sends, receives and deletes, and the idle long polls', () => {
    expect(
      sqsRequestsPerMonth({
        messages: 1_000,
        receiveCalls: 100,
        idlePollers: 0,
        secondsPerMonth: SECONDS_PER_MONTH,
      }),
    ).toBe(1_200);
    expect(
      sqsRequestsPerMonth({
        messages: 0,
        receiveCalls: 0,
        idlePollers: 5,
        secondsPerMonth: SECONDS_PER_MONTH,
      }),
    ).toBe(648_000);
  });

  it('prices fixed resources and the queries themselves', () => {
    expect(
      fixedMonthlyCost({ alarms: 6, dashboards: 1, kmsKeys: 1, pitrGb: 10 }).totalUsd,
    ).toBeCloseTo(
      6 * PRICES.cloudWatchAlarmMonth +
        PRICES.cloudWatchDashboardMonth +
        PRICES.kmsKeyMonth +
        10 * PRICES.dynamoPitrGbMonth,
      9,
    );
    expect(capacityCostUsd(1_000_000, 0.05, 0.3)).toBeCloseTo(15_000, 6);
  });
});

describe('capacity function targets', () => {
  const run = (
    reservations: number,
    overrides: Partial<CapacityBenchRun> = {},
  ): CapacityBenchRun => ({
    reservations,
    callsPerRun: new Map([
      ['ListCapacityReservations', 1],
      ['GetCapacityAssignmentConfiguration', reservations],
      ['GetMetricData', 1],
      ['TransactWriteItems', reservations],
    ]),
    metricsRequestedPerRun: 2 * reservations,
    writeUnitsPerRun: 8 * reservations,
    readUnitsPerRun: 1,
    medianWallMs: 100 * reservations,
    medianCpuMs: 5 * reservations,
    logBytesPerRun: 0,
    errors: [],
    countedPerRun: [reservations, reservations, reservations],
    ...overrides,
  });

  it('passes a cheap, quick run that counted every reservation', () => {
    const targets = capacityTargets([run(1), run(10), run(100)], 512);
    expect(targets.map((target) => target.pass)).toEqual([true, true]);
  });

  it('fails a run at 100 reservations that left one uncounted, or took too long', () => {
    const missed = run(100, { countedPerRun: [100, 99, 100] });
    const slow = run(100, { medianWallMs: 31_000 });
    expect(capacityTargets([missed], 512)[1]?.pass).toBe(false);
    expect(capacityTargets([slow], 512)[1]?.pass).toBe(false);
  });

  it('fails when a reservation’s month costs 1 % of the smallest reservation’s or more', () => {
    // 100,000 metrics requested a run: 864M a month at $0.01 per 1,000, far over the $8.64 line.
    const dear = run(1, {
      callsPerRun: new Map([['PutMetricData', 1]]),
      metricsRequestedPerRun: 100_000,
    });
    expect(capacityTargets([dear], 512)[0]?.pass).toBe(false);
  });
});
