import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordReservationUsage } from '../../lib/capacity/record-reservation-usage.js';
import { loadReservationReport } from '../../lib/reports/reservation-report.js';
import { loadUsageReport } from '../../lib/reports/usage-report.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { TableKeys } from '../../lib/store/table-keys.js';
import { wireRecordReservationUsage } from '../../lib/wiring/wire-capacity-function.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { aTestConfig, startTestAws, type TestAws } from '../support/test-aws.js';

/**
 * The capacity use case through the real SDK clients against DynamoDB Local and the Athena and
 * CloudWatch stand-ins, on a simulated clock, checked against figures computed here by hand.
 */

const MINUTE = 60_000;
const DAY = '2026-11-30';
const START = Date.parse(`${DAY}T10:00:00Z`);
/** A run at START + n minutes counts up to 3 minutes before it (the metrics' delay). */
const LAG_MINUTES = 3;

let aws: TestAws;
let now = new Date(START);
let record: RecordReservationUsage;

const at = (minutes: number) => new Date(START + minutes * MINUTE);

beforeAll(async () => {
  aws = await startTestAws({ tablePrefix: 'athena-cost-capacity', clock: () => now });
  record = wireRecordReservationUsage(aws.wiring(aTestConfig(aws.table.name), () => now));
});

afterAll(async () => {
  await aws?.stop();
});

/** Runs the use case at START + `minutes`. */
async function runAt(minutes: number) {
  now = at(minutes);
  const result = await record();
  expect(result.failed).toBe(0);
  return result;
}

async function counter(reservation: string, period = 'day', key = DAY) {
  const output = await aws.table.documents.send(
    new GetCommand({
      TableName: aws.table.name,
      Key: TableKeys.reservationUsage(reservation, period as 'day', key),
      ConsistentRead: true,
    }),
  );
  return output.Item ?? {};
}

/**
 * What ingest does for recorded capacity queries: their DPU-ms and attributed cost (at $0.30
 * per DPU-hour) into the workgroup's day counter, which reports read through `byPeriod`.
 */
async function recordQueryUsage(workgroup: string, dpuMillis: number) {
  await aws.table.documents.send(
    new UpdateCommand({
      TableName: aws.table.name,
      Key: TableKeys.usage(workgroup, 'day', DAY),
      UpdateExpression:
        'ADD dpuMillis :dpuMillis, costNanoUsd :cost, queries :one ' +
        'SET workgroup = :workgroup, period = :period, periodKey = :periodKey',
      ExpressionAttributeValues: {
        ':dpuMillis': dpuMillis,
        ':cost': Math.round((dpuMillis * 0.3 * 1e9) / 3_600_000),
        ':one': 1,
        ':workgroup': workgroup,
        ':period': 'day',
        ':periodKey': `day#${DAY}`,
      },
    }),
  );
}

/** DPU-ms a constant allocation holds over [from, to) minutes after START. */
const dpuMillis = (dpus: number, from: number, to: number) => dpus * (to - from) * MINUTE;

describe('capacity reservation accounting', () => {
  it('counts allocated DPU-ms minute-exactly across a TargetDpus change, into day, week and month', async () => {
    // Prepare: 8 DPUs, then 24 from 10:12:30 (LastSuccessfulAllocationTime); no CloudWatch metrics.
    aws.athena.account.addWorkGroup({ Name: 'etl-a' });
    aws.athena.account.putCapacityReservation({
      Name: 'grow',
      TargetDpus: 8,
      LastSuccessfulAllocationTime: at(-60),
    });
    aws.athena.account.assignWorkGroups('grow', ['etl-a']);

    // Act: runs every 5 minutes from 10:03 (first sight: starts counting at 10:00).
    await runAt(LAG_MINUTES);
    await runAt(LAG_MINUTES + 5);
    aws.athena.account.changeCapacityReservation('grow', {
      TargetDpus: 24,
      AllocatedDpus: 24,
      LastSuccessfulAllocationTime: new Date(START + 12.5 * MINUTE),
    });
    await runAt(LAG_MINUTES + 15);
    await runAt(LAG_MINUTES + 20);

    // Assess: [10:00, 10:20) = 12.5 minutes at 8 and 7.5 at 24.
    const expected = 8 * 12.5 * MINUTE + 24 * 7.5 * MINUTE;
    const day = await counter('grow');
    expect(day).toMatchObject({
      allocatedDpuMillis: expected,
      // 280 DPU-minutes at $0.30 an hour: $1.40.
      costNanoUsd: 1_400_000_000,
      minutes: 20,
      reservation: 'grow',
      period: 'day',
    });
    expect(await counter('grow', 'week', '2026-W49')).toMatchObject({
      allocatedDpuMillis: expected,
    });
    expect(await counter('grow', 'month', '2026-11')).toMatchObject({
      allocatedDpuMillis: expected,
    });
    // Kept out of the workgroup index: no `workgroup` attribute.
    expect(day.workgroup).toBeUndefined();
    // The same figures as metrics, per CapacityReservation, for the dashboard.
    const metric = (name: string) =>
      aws.cloudWatch.metrics.sum('AthenaCostMonitor', name, { CapacityReservation: 'grow' });
    expect(metric('ReservationAllocatedDpuHours')).toBeCloseTo(expected / 3_600_000, 9);
    expect(metric('ReservationCostUsd')).toBeCloseTo(1.4, 9);
    // No queries: all of it idle, 0 % used.
    expect(metric('ReservationIdleDpuHours')).toBeCloseTo(expected / 3_600_000, 9);
    expect(
      aws.cloudWatch.metrics.datums({ metricName: 'ReservationUtilizationPercent' }).length,
    ).toBeGreaterThan(0);
  });

  it('counts a missed run’s minutes in the next run, and a repeated or overlapping run not at all', async () => {
    // Prepare
    aws.athena.account.putCapacityReservation({ Name: 'gap', TargetDpus: 12 });
    await runAt(LAG_MINUTES);

    // Act: the runs at +8 and +13 never happen; +23 runs twice in a row, +28 twice at once.
    await runAt(LAG_MINUTES + 5);
    await runAt(LAG_MINUTES + 20);
    await runAt(LAG_MINUTES + 20);
    now = at(LAG_MINUTES + 25);
    const overlapping = await Promise.all([record(), record()]);

    // Assess: every minute of [10:00, 10:25) once; of the two overlapping runs, one counted
    // the last five minutes and the other nothing.
    expect((await counter('gap')).allocatedDpuMillis).toBe(dpuMillis(12, 0, 25));
    const counted = overlapping
      .map((result) => result.reservations.find((run) => run.reservation === 'gap'))
      .filter((run) => run?.committed === true)
      .map((run) => run?.allocatedDpuMillis ?? 0);
    expect(counted.reduce((sum, value) => sum + value, 0)).toBe(dpuMillis(12, 20, 25));
  });

  it('takes allocated and used DPUs from CloudWatch when published, under the dimension ListMetrics names, and stops at a cancellation', async () => {
    // Prepare: the metrics spelled `Capacity Reservation`; 16 DPUs until the reservation is
    // cancelled at 10:07, queries using 5 DPUs in the minutes 10:02-10:05.
    aws.athena.account.putCapacityReservation({ Name: 'cancelled', TargetDpus: 16 });
    const dimensions = [{ Name: 'Capacity Reservation', Value: 'cancelled' }];
    const truth = { allocated: 0, used: 0 };
    for (let minute = -5; minute < 30; minute++) {
      const timestamp = at(minute);
      const allocated = minute < 7 ? 16 : 0;
      const consumed = minute >= 2 && minute < 5 ? 5 : 0;
      if (minute >= 0 && minute < 7) truth.allocated += allocated * MINUTE;
      if (minute >= 0) truth.used += consumed * MINUTE;
      if (allocated > 0)
        aws.cloudWatch.metrics.publishServiceDatum({
          namespace: 'AWS/Athena',
          metricName: 'DPUAllocated',
          dimensions,
          timestamp,
          value: allocated,
        });
      aws.cloudWatch.metrics.publishServiceDatum({
        namespace: 'AWS/Athena',
        metricName: 'DPUConsumed',
        dimensions,
        timestamp,
        value: consumed,
      });
    }
    // Another reservation's metric and a per-workgroup one must not be taken for it.
    aws.cloudWatch.metrics.publishServiceDatum({
      namespace: 'AWS/Athena',
      metricName: 'DPUAllocated',
      dimensions: [
        { Name: 'Capacity Reservation', Value: 'cancelled' },
        { Name: 'WorkGroup', Value: 'x' },
      ],
      timestamp: at(1),
      value: 1_000,
    });

    // Act: the poll at 10:08 sees it CANCELLED; at 10:18 Athena no longer lists it.
    await runAt(LAG_MINUTES);
    await runAt(LAG_MINUTES + 5);
    aws.athena.account.changeCapacityReservation('cancelled', { Status: 'CANCELLED' });
    await runAt(LAG_MINUTES + 10);
    aws.athena.account.removeCapacityReservation('cancelled');
    await runAt(LAG_MINUTES + 15);
    await runAt(LAG_MINUTES + 25);

    // Assess: exactly the published minutes, 7 × 16 DPUs, and 3 × 5 used.
    expect(await counter('cancelled')).toMatchObject({
      allocatedDpuMillis: truth.allocated,
      usedDpuMillis: truth.used,
      usedSource: 'DPUConsumed',
    });
    expect(truth.allocated).toBe(dpuMillis(16, 0, 7));
    expect(truth.used).toBe(dpuMillis(5, 2, 5));
    // The day's minute profile: its hour, and the 7 minutes it held DPUs by the DPUs their use
    // needed (4 at none, 3 at 5 → 8); only in the day counter.
    expect(await counter('cancelled')).toMatchObject({
      'allocatedHour#10': truth.allocated,
      'usedHour#10': truth.used,
      'usedMinutesAtDpus#0': 4,
      'usedMinutesAtDpus#8': 3,
      sampledAllocatedDpuMillis: truth.allocated,
    });
    expect(await counter('cancelled', 'week', '2026-W49')).not.toHaveProperty('allocatedHour#10');
    // Its hint: the p95 minute needed 8 DPUs; 8 instead of 16 over those 7 minutes halves the
    // 0.56 USD they cost.
    const report = await loadReservationReport(
      new DynamoDbUsageReportSource(aws.table.documents, aws.table.name),
      { from: DAY, to: DAY },
    );
    expect(report.rightSizing.find((hint) => hint.reservation === 'cancelled')).toEqual({
      ok: true,
      reservation: 'cancelled',
      sampledMinutes: 7,
      countedMinutes: 15,
      p95UsedDpus: 8,
      hintDpus: 8,
      sampledCostNanoUsd: 560_000_000,
      hintCostNanoUsd: 280_000_000,
      savingNanoUsd: 280_000_000,
    });
    // Settled: further runs no longer touch it.
    const later = await runAt(LAG_MINUTES + 40);
    expect(later.reservations.map((run) => run.reservation)).not.toContain('cancelled');
  });

  it('credits a workgroup’s usage to the reservation it served when it ran, across a move', async () => {
    // Prepare: etl-m on `left`, bi-m on `right`.
    for (const name of ['etl-m', 'bi-m']) aws.athena.account.addWorkGroup({ Name: name });
    aws.athena.account.putCapacityReservation({ Name: 'left', TargetDpus: 8 });
    aws.athena.account.putCapacityReservation({ Name: 'right', TargetDpus: 8 });
    aws.athena.account.assignWorkGroups('left', ['etl-m']);
    aws.athena.account.assignWorkGroups('right', ['bi-m']);
    await recordQueryUsage('etl-m', 50_000); // before the first run: not this interval's
    await runAt(LAG_MINUTES);

    // Act: etl-m uses 100,000 DPU-ms on left, moves to right, then uses 30,000 more.
    await recordQueryUsage('etl-m', 100_000);
    await recordQueryUsage('bi-m', 7_000);
    await runAt(LAG_MINUTES + 5);
    aws.athena.account.assignWorkGroups('left', []);
    aws.athena.account.assignWorkGroups('right', ['bi-m', 'etl-m']);
    await runAt(LAG_MINUTES + 10);
    await recordQueryUsage('etl-m', 30_000);
    await runAt(LAG_MINUTES + 15);

    // Assess: no DPUConsumed here, so used = attributed.
    expect(await counter('left')).toMatchObject({
      attributedDpuMillis: 100_000,
      usedDpuMillis: 100_000,
      'attributed#etl-m': 100_000,
      usedSource: 'attributed',
    });
    expect(await counter('right')).toMatchObject({
      attributedDpuMillis: 37_000,
      'attributed#etl-m': 30_000,
      'attributed#bi-m': 7_000,
    });
    expect((await counter('left')).allocatedDpuMillis).toBe(dpuMillis(8, 0, 15));
  });

  it('bills a reservation’s whole cost, idle included, to its workgroups to the nano-dollar', async () => {
    // Prepare: `split` (4 DPUs) serves a-s and b-s, which use 2:1 of what they are attributed.
    for (const name of ['a-s', 'b-s']) aws.athena.account.addWorkGroup({ Name: name });
    aws.athena.account.putCapacityReservation({ Name: 'split', TargetDpus: 4 });
    aws.athena.account.assignWorkGroups('split', ['a-s', 'b-s']);
    await runAt(LAG_MINUTES);
    await recordQueryUsage('a-s', 200_000);
    await recordQueryUsage('b-s', 100_000);
    await runAt(LAG_MINUTES + 7);
    const source = new DynamoDbUsageReportSource(aws.table.documents, aws.table.name);
    const range = { from: DAY, to: DAY };

    // Act
    const reservations = await loadReservationReport(source, range);
    const usage = await loadUsageReport(source, { range, by: 'day', top: 0 });

    // Assess: 4 DPUs × 7 minutes = 28 DPU-minutes = 0.14 USD, split 2:1 exactly.
    const split = reservations.rows.find((row) => row.reservation === 'split')?.counter;
    expect(split).toMatchObject({
      allocatedDpuMillis: dpuMillis(4, 0, 7),
      costNanoUsd: 140_000_000,
    });
    const billed = (workgroup: string) =>
      usage.rows.find((row) => row.workgroup === workgroup)?.billedNanoUsd ?? Number.NaN;
    expect(billed('a-s') + billed('b-s')).toBe(140_000_000);
    // 93,333,333.3 and 46,666,666.7: the one nano-dollar left goes to the larger fraction.
    expect(billed('a-s')).toBe(93_333_333);
    expect(billed('b-s')).toBe(46_666_667);
    // The attributed cost is far below the bill: 300,000 DPU-ms is 0.025 USD.
    const cost = (workgroup: string) =>
      usage.rows.find((row) => row.workgroup === workgroup)?.totals.costNanoUsd ?? 0;
    expect(cost('a-s') + cost('b-s')).toBe(25_000_000);
  });

  it('shows the reservations and their days through the CLI', async () => {
    // Prepare: the CLI's SDK client reaches the same DynamoDB Local with the same dummy
    // credentials, through the environment as in a shell.
    aws.stubEnvironment();
    const cli = (args: string[]) =>
      runCliInMemory([...args, '--table', aws.table.name, '--format', 'json'], {
        env: process.env,
        now: () => at(60),
      });

    // Act
    const reservations = await cli(['reservations']);
    const report = await cli(['report', '--by', 'reservation', '--from', DAY, '--to', DAY]);
    vi.unstubAllEnvs();

    // Assess
    expect(reservations.stderr).toBe('');
    expect(JSON.parse(reservations.stdout).reservations).toContainEqual(
      expect.objectContaining({
        reservation: 'split',
        status: 'ACTIVE',
        targetDpus: 4,
        allocatedDpus: 4,
        workgroups: ['a-s', 'b-s'],
        costMonthUsd: 0.14,
        rightSizing: expect.objectContaining({
          hintDpus: null,
          reason: 'no minute-level use: its workgroups publish no DPUConsumed metric',
        }),
      }),
    );
    // The reservation with DPUConsumed minutes gets a hint from this month's days.
    expect(JSON.parse(reservations.stdout).reservations).toContainEqual(
      expect.objectContaining({
        reservation: 'cancelled',
        rightSizing: expect.objectContaining({ hintDpus: 8, p95UsedDpus: 8, savingUsd: 0.28 }),
      }),
    );
    expect(JSON.parse(report.stdout).rightSizing).toContainEqual({
      reservation: 'cancelled',
      hintDpus: 8,
      p95UsedDpus: 8,
      sampledMinutes: 7,
      countedMinutes: 15,
      costUsd: 0.56,
      hintCostUsd: 0.28,
      savingUsd: 0.28,
      reason: null,
    });
    expect(report.stderr).toBe('');
    const row = JSON.parse(report.stdout).rows.find(
      (candidate: { reservation: string }) => candidate.reservation === 'split',
    );
    // 28 DPU-minutes allocated, 300,000 DPU-ms (0.083 DPU-hours) attributed and so used.
    expect(row).toEqual({
      reservation: 'split',
      period: DAY,
      allocatedDpuHours: 0.466667,
      usedDpuHours: 0.083333,
      idleDpuHours: 0.383333,
      utilizationPercent: 17.86,
      costUsd: 0.14,
      idleCostUsd: 0.115,
    });
  });
});
