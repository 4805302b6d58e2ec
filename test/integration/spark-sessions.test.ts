import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../lib/config.js';
import { loadUsageReport, toReportJson } from '../../lib/reports/usage-report.js';
import type { RecordSparkSessions } from '../../lib/spark/record-spark-sessions.js';
import { sparkCostNanoUsd } from '../../lib/spark/session-accounting.js';
import { DynamoDbSessionStore } from '../../lib/store/dynamodb-session-store.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { TableKeys } from '../../lib/store/table-keys.js';
import type { Period } from '../../lib/usage/period-keys.js';
import { wireRecordSparkSessions } from '../../lib/wiring/wire-spark-sessions-function.js';
import { aSparkEngineVersion } from '../support/factories.js';
import { aTestConfig, startTestAws, type TestAws } from '../support/test-aws.js';

/**
 * The Spark sweep through the real SDK clients against DynamoDB Local and the Athena and
 * CloudWatch stand-ins, on a simulated clock; the ground truth is the stand-in's own DPU time of
 * each session.
 */

const MINUTE = 60_000;
const PRICE = 0.35;
const ARN_PREFIX = 'arn:aws:athena:us-east-1:123456789012';

let aws: TestAws;
let now = new Date('2026-11-30T10:00:00Z');
let config: Config;
let sweep: RecordSparkSessions;
let workgroupCounter = 0;

/** A second sweep over its own clients: what a concurrent or retried invocation is. */
function wireSweep(
  afterSparkUsage?: (workgroups: readonly string[]) => Promise<ReadonlyMap<string, string>>,
): RecordSparkSessions {
  return wireRecordSparkSessions({
    ...(afterSparkUsage === undefined ? {} : { afterSparkUsage }),
    ...aws.wiring(config, () => now),
    sparkConfig: { pricePerSparkDpuHourUsd: PRICE },
  });
}

beforeAll(async () => {
  aws = await startTestAws({ tablePrefix: 'athena-cost-spark', clock: () => now });
  config = aTestConfig(aws.table.name);
  sweep = wireSweep();
});

afterAll(async () => {
  await aws?.stop();
});

/** A fresh Spark workgroup per test, so counters start at zero. */
let workgroup = '';
beforeEach(() => {
  workgroupCounter += 1;
  workgroup = `spark-${workgroupCounter}`;
  aws.athena.account.addWorkGroup({
    Name: workgroup,
    Configuration: {
      EngineVersion: aSparkEngineVersion(),
    },
  });
});

async function runAt(iso: string, run: RecordSparkSessions = sweep) {
  now = new Date(iso);
  const result = await run({ athenaArnPrefix: ARN_PREFIX });
  expect(result.failed).toBe(0);
  return result;
}

async function counter(period: Period, key: string, name = workgroup) {
  const output = await aws.table.documents.send(
    new GetCommand({
      TableName: aws.table.name,
      Key: TableKeys.usage(name, period, key),
      ConsistentRead: true,
    }),
  );
  return output.Item ?? {};
}

async function record(sessionId: string) {
  return (
    await new DynamoDbSessionStore(aws.table.documents, aws.table.name).load([sessionId])
  ).get(sessionId);
}

/** Starts a session `<workgroup>-<name>` of the test's workgroup with `dpus` DPUs; returns its id. */
function startSession(name: string, dpus: number): string {
  const id = `${workgroup}-${name}`;
  aws.athena.account.sessions.startSession({ SessionId: id, WorkGroup: workgroup, dpus });
  return id;
}

const truth = (sessionId: string) => aws.athena.account.sessions.dpuMillisOf(sessionId);

describe('Spark session accounting', () => {
  it('adds only the growth of each session, once, however often a sweep is retried', async () => {
    // Prepare
    now = new Date('2026-11-30T10:00:00Z');
    startSession('a', 4);
    // Act
    await runAt('2026-11-30T10:05:00Z');
    await runAt('2026-11-30T10:05:00Z'); // a retry of the same sweep
    aws.athena.account.sessions.setActivity(`${workgroup}-a`, { dpus: 10, state: 'BUSY' });
    await runAt('2026-11-30T10:15:00Z');
    await runAt('2026-11-30T10:15:00Z');
    // Assess
    const expected = 4 * 5 * MINUTE + 10 * 10 * MINUTE;
    expect(truth(`${workgroup}-a`)).toBe(expected);
    const day = await counter('day', '2026-11-30');
    expect(day.dpuMillis).toBe(expected);
    expect(day.sparkDpuMillis).toBe(expected);
    expect(day.sparkSessions).toBe(1);
    expect(day.queries).toBe(0);
    // Two growths priced separately: their rounding differs from the total's by under a nano-dollar each.
    expect(Math.abs(day.costNanoUsd - sparkCostNanoUsd(expected, PRICE))).toBeLessThanOrEqual(1);
    expect((await counter('week', '2026-W49')).dpuMillis).toBe(expected);
    expect((await counter('month', '2026-11')).dpuMillis).toBe(expected);
    const stored = await record(`${workgroup}-a`);
    expect(stored).toMatchObject({
      workgroup,
      state: 'BUSY',
      dpuMillis: expected,
      costNanoUsd: sparkCostNanoUsd(expected, PRICE),
      engine: { coordinatorDpuSize: 1, maxConcurrentDpus: 20, defaultExecutorDpuSize: 1 },
      sessionArn: `${ARN_PREFIX}:workgroup/${workgroup}/session/${workgroup}-a`,
    });
  });

  it('counts a session exactly once when two sweeps run at the same time', async () => {
    // Prepare
    now = new Date('2026-11-30T11:00:00Z');
    for (const suffix of ['x', 'y', 'z']) startSession(suffix, 3);
    const other = wireSweep();
    // Act
    now = new Date('2026-11-30T11:07:00Z');
    const results = await Promise.all([
      sweep({ athenaArnPrefix: ARN_PREFIX }),
      other({ athenaArnPrefix: ARN_PREFIX }),
    ]);
    now = new Date('2026-11-30T11:12:00Z');
    await Promise.all([sweep(), other(), sweep()]);
    // Assess
    expect(results.map((result) => result.failed)).toEqual([0, 0]);
    const expected = ['x', 'y', 'z'].reduce(
      (sum, suffix) => sum + truth(`${workgroup}-${suffix}`),
      0,
    );
    expect(expected).toBe(3 * 3 * 12 * MINUTE);
    const day = await counter('day', '2026-11-30');
    expect(day.dpuMillis).toBe(expected);
    expect(day.sparkSessions).toBe(3);
  });

  it('reads a session that ended between sweeps once more by id for its final figure', async () => {
    // Prepare
    now = new Date('2026-11-30T12:00:00Z');
    const id = startSession('ends', 2);
    await runAt('2026-11-30T12:05:00Z');
    now = new Date('2026-11-30T12:08:00Z');
    aws.athena.account.sessions.setActivity(id, { dpus: 6, state: 'BUSY' });
    now = new Date('2026-11-30T12:09:00Z');
    aws.athena.account.sessions.endSession(id);
    // Act
    await runAt('2026-11-30T12:10:00Z');
    const readsBefore = aws.athena.account.sessions.getSessionCalls.length;
    await runAt('2026-11-30T12:15:00Z');
    // Assess
    const expected = 2 * 8 * MINUTE + 6 * 1 * MINUTE;
    expect(truth(id)).toBe(expected);
    expect((await counter('day', '2026-11-30')).dpuMillis).toBe(expected);
    expect(await record(id)).toMatchObject({ state: 'TERMINATED', dpuMillis: expected });
    expect(
      (await new DynamoDbSessionStore(aws.table.documents, aws.table.name).loadActive()).map(
        (ref) => ref.sessionId,
      ),
    ).not.toContain(id);
    // An ended, recorded session is not read again.
    expect(aws.athena.account.sessions.getSessionCalls.slice(readsBefore)).not.toContain(id);
  });

  it('adds the whole gap after a missed sweep', async () => {
    // Prepare
    now = new Date('2026-11-30T13:00:00Z');
    const id = startSession('gap', 5);
    await runAt('2026-11-30T13:05:00Z');
    // Act: the sweeps of 13:10 to 13:55 never ran.
    await runAt('2026-11-30T14:00:00Z');
    // Assess
    expect((await counter('day', '2026-11-30')).dpuMillis).toBe(5 * 60 * MINUTE);
    expect(truth(id)).toBe(5 * 60 * MINUTE);
  });

  it('splits usage that spans midnight between the two days by the sweeps’ times', async () => {
    // Prepare
    now = new Date('2026-11-30T23:50:00Z');
    startSession('midnight', 8);
    // Act
    await runAt('2026-11-30T23:55:00Z');
    await runAt('2026-12-01T00:05:00Z');
    // Assess: 23:50–00:00 on the 30th, 00:00–00:05 on the 1st.
    expect((await counter('day', '2026-11-30')).dpuMillis).toBe(8 * 10 * MINUTE);
    expect((await counter('day', '2026-12-01')).dpuMillis).toBe(8 * 5 * MINUTE);
    expect((await counter('month', '2026-11')).dpuMillis).toBe(8 * 10 * MINUTE);
    expect((await counter('month', '2026-12')).dpuMillis).toBe(8 * 5 * MINUTE);
    expect((await counter('week', '2026-W49')).dpuMillis).toBe(8 * 15 * MINUTE);
    expect((await counter('day', '2026-11-30')).sparkSessions).toBe(1);
    expect((await counter('day', '2026-12-01')).sparkSessions ?? 0).toBe(0);
  });

  it('shows a Spark workgroup in the usage report and publishes its session metrics', async () => {
    // Prepare
    now = new Date('2026-11-29T09:00:00Z');
    aws.cloudWatch.metrics.clear();
    startSession('r', 6);
    // Act
    await runAt('2026-11-29T10:00:00Z');
    const report = toReportJson(
      await loadUsageReport(new DynamoDbUsageReportSource(aws.table.documents, aws.table.name), {
        range: { from: '2026-11-29', to: '2026-11-29' },
        by: 'day',
        top: 0,
        workgroup,
      }),
    );
    // Assess: the same DPU-hours and cost fields as a SQL workgroup's.
    expect(report.rows).toEqual([
      expect.objectContaining({ workgroup, period: '2026-11-29', dpuHours: 6, costUsd: 2.1 }),
    ]);
    const dimensions = { WorkGroup: workgroup };
    expect(aws.cloudWatch.metrics.sum('AthenaCostMonitor', 'SparkDpuHours', dimensions)).toBe(6);
    expect(aws.cloudWatch.metrics.sum('AthenaCostMonitor', 'DpuHours', dimensions)).toBe(6);
    expect(aws.cloudWatch.metrics.sum('AthenaCostMonitor', 'SessionCount', dimensions)).toBe(1);
    expect(aws.cloudWatch.metrics.sum('AthenaCostMonitor', 'CostUsd', dimensions)).toBeCloseTo(
      6 * PRICE,
      9,
    );
  });

  it('hands the swept Spark workgroups to the budget hook after committing, counting its failures', async () => {
    // Prepare
    now = new Date('2026-11-28T10:00:00Z');
    startSession('b', 2);
    const seen: { workgroups: readonly string[]; dpuMillis: unknown }[] = [];
    const withBudgets = wireSweep(async (workgroups) => {
      seen.push({ workgroups, dpuMillis: (await counter('day', '2026-11-28')).dpuMillis });
      return new Map([[workgroup, 'UpdateWorkGroup failed']]);
    });
    // Act
    now = new Date('2026-11-28T11:00:00Z');
    const result = await withBudgets({ athenaArnPrefix: ARN_PREFIX });
    // Assess: the hook saw this sweep's usage already in the counters.
    expect(seen).toHaveLength(1);
    expect(seen[0]?.workgroups).toContain(workgroup);
    expect(seen[0]?.dpuMillis).toBe(2 * 60 * MINUTE);
    expect(result.failed).toBe(1);
  });

  it('counts a session whose read failed at the next sweep, and keeps the last figure of one Athena forgot', async () => {
    // Prepare
    now = new Date('2026-11-27T10:00:00Z');
    const forgotten = startSession('forgotten', 1);
    await runAt('2026-11-27T10:30:00Z');
    aws.athena.account.sessions.forgetSession(forgotten);
    const flaky = startSession('flaky', 3);
    // Every GetSession of the next sweep fails (the registry's sessions and the new one).
    const reads =
      (await new DynamoDbSessionStore(aws.table.documents, aws.table.name).loadActive()).length + 1;
    aws.athena.failNext('GetSession', reads, 'InvalidRequestException');
    // Act
    now = new Date('2026-11-27T11:00:00Z');
    const failing = await sweep();
    await runAt('2026-11-27T11:05:00Z');
    // Assess: the failed read cost nothing but time; the forgotten session keeps 30 DPU-minutes.
    expect(failing.failed).toBe(reads);
    expect((await counter('day', '2026-11-27')).dpuMillis).toBe(30 * MINUTE + 3 * 35 * MINUTE);
    expect(await record(flaky)).toMatchObject({ dpuMillis: 3 * 35 * MINUTE });
    expect(await record(forgotten)).toMatchObject({ state: 'GONE', dpuMillis: 30 * MINUTE });
    expect(
      (await new DynamoDbSessionStore(aws.table.documents, aws.table.name).loadActive()).map(
        (ref) => ref.sessionId,
      ),
    ).not.toContain(forgotten);
  });
});
