import { describe, expect, it } from 'vitest';
import {
  capacityCostUsd,
  fixedMonthlyCost,
  monthlyCost,
  PRICES,
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
