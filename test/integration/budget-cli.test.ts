import { randomUUID } from 'node:crypto';
import type { Classification } from '@aws-sdk/client-athena';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBudget } from '../../lib/budgets/budget.js';
import { forecastUsage } from '../../lib/budgets/forecast.js';
import type { WorkgroupSettings } from '../../lib/budgets/workgroup-settings.js';
import type { Pricing } from '../../lib/config.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbQueryRecordStore } from '../../lib/store/dynamodb-query-record-store.js';
import type { EnforcementKey } from '../../lib/store/enforcement-store.js';
import { TableKeys } from '../../lib/store/table-keys.js';
import { periodBounds, periodKeyFor } from '../../lib/usage/period-keys.js';
import { deriveQueryUsage } from '../../lib/usage/query-usage.js';
import { localTopicArn } from '../../local/environment/local-account.js';

import type { AthenaStandIn } from '../../local/stand-ins/athena-stand-in.js';
import type { CloudWatchStandIn } from '../../local/stand-ins/cloudwatch-stand-in.js';
import { messageForProtocol, type SnsStandIn } from '../../local/stand-ins/sns-stand-in.js';
import { runCliProcess } from '../support/cli-process.js';
import { aQueryExecution, aSparkEngineVersion } from '../support/factories.js';
import { startTestAws, type TestAws } from '../support/test-aws.js';
import type { TestTable } from '../support/test-table.js';

const TOPIC_NAME = 'athena-cost-test-alerts';
const TOPIC = localTopicArn(TOPIC_NAME);
const PRICING: Pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const UNREACHABLE = 'http://127.0.0.1:9';
const ENGINE = 'athena-query-engine-properties';

let table: TestTable;
let aws: TestAws;
let athena: AthenaStandIn;
let cloudWatch: CloudWatchStandIn;
let sns: SnsStandIn;
let budgets: DynamoDbBudgetStore;
let enforcement: DynamoDbEnforcementStore;

beforeAll(async () => {
  aws = await startTestAws({ tablePrefix: 'athena-cost-budget-cli', alertsTopicName: TOPIC_NAME });
  ({ table, athena, cloudWatch, sns } = aws);
  budgets = new DynamoDbBudgetStore(table.documents, table.name);
  enforcement = new DynamoDbEnforcementStore(table.documents, table.name);
});

afterAll(async () => {
  await aws?.stop();
});

/** Variables of the surrounding environment the CLI reads, dropped so each test sets its own. */
const OWN_VARIABLES = [
  'TABLE_NAME',
  'ALERTS_TOPIC_ARN',
  'STACK_NAME',
  'METRICS_NAMESPACE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_ATHENA',
  'AWS_ENDPOINT_URL_CLOUDWATCH',
  'AWS_ENDPOINT_URL_SNS',
];

/** Runs the real CLI entry point against DynamoDB Local and the stand-ins. */
const athenaCost = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCliProcess(
    args,
    {
      TABLE_NAME: table.name,
      ...aws.env,
      ...env,
    },
    OWN_VARIABLES,
  );

/** A workgroup in the Athena stand-in, with a unique name. */
function aWorkgroup(prefix = 'wg', maxDpu?: string): string {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  athena.account.addWorkGroup({
    Name: name,
    ...(maxDpu === undefined ? {} : { Configuration: engineConfiguration(maxDpu) }),
  });
  return name;
}

function engineConfiguration(maxDpu: string): {
  EngineConfiguration: { Classifications: Classification[] };
} {
  return {
    EngineConfiguration: {
      Classifications: [
        { Name: ENGINE, Properties: { 'max-dpu-count': maxDpu, 'min-dpu-count': '4' } },
        { Name: 'other', Properties: { keep: 'me' } },
      ],
    },
  };
}

const alarmName = (workgroup: string, percent: number) =>
  `athena-cost-budget-${workgroup}-notify-${percent}`;

const alarmsOf = (workgroup: string) =>
  [...cloudWatch.alarms.keys()].filter((name) => name.includes(`-budget-${workgroup}-`)).sort();

const listJson = async () => {
  const { code, stdout } = await athenaCost(['budget', 'list', '--format', 'json']);
  expect(code).toBe(0);
  return JSON.parse(stdout) as {
    budgets: { workgroup: string }[];
    invalid: { workgroup: string; reason: string }[];
  };
};

/** The arguments of `budget set` for a DPU-hour budget, then any further flags. */
const budgetSet = (
  workgroup: string,
  period: string,
  limitDpuHours: string,
  ...flags: string[]
) => [
  'budget',
  'set',
  '--workgroup',
  workgroup,
  '--period',
  period,
  '--limit-dpu-hours',
  limitDpuHours,
  ...flags,
];

async function storeBudget(input: Record<string, unknown>) {
  const parsed = parseBudget({ period: 'day', updatedAt: new Date().toISOString(), ...input });
  if (!parsed.ok) throw new Error(parsed.reason);
  await budgets.put(parsed.budget);
  return parsed.budget;
}

describe('athena-cost budget set, list and rm', () => {
  it('stores a budget that budget list shows, with one alarm per notify threshold', async () => {
    const workgroup = aWorkgroup('analytics', '64');

    const { code, stdout, stderr } = await athenaCost(
      budgetSet(
        workgroup,
        'day',
        '10',
        '--notify-at',
        '80,50',
        '--throttle-at',
        '90',
        '--throttle-max-dpu',
        '8',
        '--disable-at',
        '100',
        '--format',
        'json',
      ),
      { ALERTS_TOPIC_ARN: TOPIC },
    );

    // The stand-in's workgroups, like new real ones, do not enforce their configuration.
    expect(stderr).toContain(
      `does not enforce its configuration ("Override client-side settings"): a client that passes its own max-dpu-count bypasses the throttle`,
    );
    expect(stderr).toContain('--enforce-workgroup-config');
    expect(code).toBe(0);
    const budget = {
      workgroup,
      period: 'day',
      limitDpuHours: 10,
      limitUsd: null,
      limitBytes: null,
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 80, action: 'notify' },
        { percent: 90, action: 'throttle' },
        { percent: 100, action: 'disable' },
      ],
      throttleMaxDpu: 8,
      throttleBytesScannedCutoff: null,
      throttleMaxConcurrentDpus: null,
      dryRun: false,
      protected: false,
      enforceWorkgroupConfiguration: false,
      onBypass: 'notify',
      pausedAt: null,
      pausedUntil: null,
      resumedAt: null,
      anomalyAlarm: null,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    };
    expect(JSON.parse(stdout)).toEqual({
      budget,
      alarms: {
        namespace: 'AthenaCostMonitor',
        metricName: 'BudgetUsedPercent',
        alarmActions: [TOPIC],
        put: [alarmName(workgroup, 50), alarmName(workgroup, 80)],
        deleted: [],
      },
    });
    expect((await listJson()).budgets).toContainEqual(budget);
    expect(await budgets.get(workgroup)).toMatchObject({ throttleMaxDpu: 8, limitDpuHours: 10 });

    expect(alarmsOf(workgroup)).toEqual([alarmName(workgroup, 50), alarmName(workgroup, 80)]);
    expect(cloudWatch.alarms.get(alarmName(workgroup, 80))).toMatchObject({
      Namespace: 'AthenaCostMonitor',
      MetricName: 'BudgetUsedPercent',
      Dimensions: [{ Name: 'WorkGroup', Value: workgroup }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      ActionsEnabled: true,
      AlarmActions: [TOPIC],
    });
  });

  it('updates the thresholds: new alarms are put, stale ones deleted, no other alarm touched', async () => {
    const workgroup = aWorkgroup('etl');
    const set = (notifyAt: string) =>
      athenaCost(
        budgetSet(workgroup, 'week', '100', '--notify-at', notifyAt, '--alerts-topic-arn', TOPIC),
        { STACK_NAME: 'athena-cost-prod', METRICS_NAMESPACE: 'Custom/Athena' },
      );
    expect((await set('50,80')).code).toBe(0);
    // Another workgroup whose name starts like this one's alarm prefix, and another stack.
    for (const name of [
      `athena-cost-prod-budget-${workgroup}-notify-x-notify-50`,
      `athena-cost-budget-${workgroup}-notify-50`,
    ]) {
      cloudWatch.alarms.set(name, { AlarmName: name, MetricName: 'BudgetUsedPercent' });
    }

    const { code, stdout } = await set('60,80');

    expect(code).toBe(0);
    const prod = (percent: number) => `athena-cost-prod-budget-${workgroup}-notify-${percent}`;
    expect(stdout).toContain(`Stored the week budget of ${workgroup}.`);
    expect(stdout).toMatch(/^WORKGROUP +PERIOD +LIMIT DPU-H/m);
    expect(stdout).toContain(`  put      ${prod(60)}\n  put      ${prod(80)}\n`);
    expect(stdout).toContain(`  deleted  ${prod(50)}\n`);
    expect(alarmsOf(workgroup)).toEqual(
      [
        `athena-cost-budget-${workgroup}-notify-50`,
        prod(60),
        prod(80),
        `athena-cost-prod-budget-${workgroup}-notify-x-notify-50`,
      ].sort(),
    );
    expect(cloudWatch.alarms.get(prod(60))).toMatchObject({
      Namespace: 'Custom/Athena',
      Threshold: 60,
      AlarmActions: [TOPIC],
    });
    expect((await budgets.get(workgroup))?.thresholds).toEqual([
      { percent: 60, action: 'notify' },
      { percent: 80, action: 'notify' },
    ]);
  });

  it('creates alarms without actions, with a warning, when there is no alerts topic', async () => {
    const workgroup = aWorkgroup('adhoc');

    const { code, stderr } = await athenaCost(
      budgetSet(workgroup, 'month', '1', '--limit-bytes', '5TiB', '--notify-at', '75'),
    );

    expect(code).toBe(0);
    expect(stderr).toBe(
      'athena-cost: warning: no alerts topic (--alerts-topic-arn or ALERTS_TOPIC_ARN): the alarms have no actions\n',
    );
    expect(cloudWatch.alarms.get(alarmName(workgroup, 75))?.AlarmActions).toEqual([]);
    expect(await budgets.get(workgroup)).toMatchObject({ limitBytes: 5 * 1024 ** 4 });
  });

  it('refuses a workgroup Athena does not know, unless told to skip the check', async () => {
    const workgroup = `missing-${randomUUID().slice(0, 8)}`;
    const args = budgetSet(workgroup, 'day', '10', '--notify-at', '50');

    const unknown = await athenaCost(args);

    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      `athena-cost: Athena workgroup '${workgroup}' does not exist in us-east-1\nCheck --workgroup and --region; pass --skip-workgroup-check to store the budget without asking Athena.\n`,
    );
    expect(await budgets.get(workgroup)).toBeUndefined();
    expect(alarmsOf(workgroup)).toEqual([]);

    // Offline: Athena is not even reachable, and not asked.
    const skipped = await athenaCost([...args, '--skip-workgroup-check'], {
      AWS_ENDPOINT_URL_ATHENA: UNREACHABLE,
    });
    expect(skipped.code).toBe(0);
    expect(await budgets.get(workgroup)).toMatchObject({ workgroup });
    expect(alarmsOf(workgroup)).toEqual([alarmName(workgroup, 50)]);
  });

  it('refuses a throttle lever the workgroup cannot use: max-dpu on Spark, session DPUs on SQL', async () => {
    const spark = `spark-${randomUUID().slice(0, 8)}`;
    athena.account.addWorkGroup({
      Name: spark,
      Configuration: {
        EngineVersion: aSparkEngineVersion(),
      },
    });
    const sql = aWorkgroup('sql', '16');

    const onSpark = await athenaCost(
      budgetSet(spark, 'day', '10', '--throttle-at', '80', '--throttle-max-dpu', '8'),
    );
    const onSql = await athenaCost(
      budgetSet(sql, 'day', '10', '--throttle-at', '80', '--throttle-max-concurrent-dpus', '4'),
    );
    const sparkLever = await athenaCost(
      budgetSet(spark, 'day', '10', '--throttle-at', '80', '--throttle-max-concurrent-dpus', '4'),
    );

    expect(onSpark.code).toBe(1);
    expect(onSpark.stderr).toContain(
      `athena-cost: workgroup '${spark}' runs Apache Spark: --throttle-max-dpu limits SQL queries and would not throttle its sessions; use --throttle-max-concurrent-dpus\nNothing was stored.\n`,
    );
    expect(onSql.code).toBe(1);
    expect(onSql.stderr).toContain(`workgroup '${sql}' runs SQL, not Apache Spark`);
    expect(await budgets.get(sql)).toBeUndefined();
    expect(alarmsOf(sql)).toEqual([]);
    expect(sparkLever.code).toBe(0);
    expect(await budgets.get(spark)).toMatchObject({ throttleMaxConcurrentDpus: 4 });
  });

  it('says when Athena cannot be reached for the workgroup check', async () => {
    const { code, stderr } = await athenaCost(budgetSet('analytics', 'day', '1'), {
      AWS_ENDPOINT_URL_ATHENA: UNREACHABLE,
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `athena-cost: could not check that workgroup 'analytics' exists: cannot reach Athena at ${UNREACHABLE}: connection refused\n`,
    );
  });

  it('keeps the stored budget and says so when CloudWatch cannot be reached', async () => {
    const workgroup = aWorkgroup('cw-down');

    const { code, stderr } = await athenaCost(
      budgetSet(workgroup, 'day', '10', '--notify-at', '50'),
      { AWS_ENDPOINT_URL_CLOUDWATCH: UNREACHABLE, ALERTS_TOPIC_ARN: TOPIC },
    );

    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^athena-cost: stored the budget of '${workgroup}', but could not update its alarms \\(run the command again\\): cannot reach CloudWatch at http://127\\.0\\.0\\.1:9: connection refused\n`,
      ),
    );
    expect(await budgets.get(workgroup)).toMatchObject({ workgroup });
  });

  it('removes a budget and its alarms; removing an unknown one fails', async () => {
    const workgroup = aWorkgroup('gone');
    const other = `athena-cost-budget-${workgroup}-notify-x-notify-50`;
    cloudWatch.alarms.set(other, { AlarmName: other });
    expect(
      (
        await athenaCost(
          budgetSet(workgroup, 'day', '10', '--notify-at', '50,80', '--anomaly-alarm', 'cost'),
        )
      ).code,
    ).toBe(0);
    expect(alarmsOf(workgroup)).toHaveLength(4);
    // The anomaly alarm: the hourly CostUsd sum against its learned band.
    const anomaly = cloudWatch.alarms.get(`athena-cost-budget-${workgroup}-anomaly`);
    expect(anomaly).toMatchObject({
      ThresholdMetricId: 'band',
      ComparisonOperator: 'GreaterThanUpperThreshold',
      Metrics: [
        expect.objectContaining({
          Id: 'usage',
          MetricStat: expect.objectContaining({
            Metric: expect.objectContaining({ MetricName: 'CostUsd' }),
            Period: 3600,
            Stat: 'Sum',
          }),
        }),
        expect.objectContaining({ Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(usage, 2)' }),
      ],
    });

    const removed = await athenaCost([
      'budget',
      'rm',
      '--workgroup',
      workgroup,
      '--format',
      'json',
    ]);

    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({
      workgroup,
      removed: true,
      deletedAlarms: [
        `athena-cost-budget-${workgroup}-anomaly`,
        alarmName(workgroup, 50),
        alarmName(workgroup, 80),
      ],
    });
    expect(alarmsOf(workgroup)).toEqual([other]);
    expect(await budgets.get(workgroup)).toBeUndefined();
    expect((await listJson()).budgets.map((budget) => budget.workgroup)).not.toContain(workgroup);

    const again = await athenaCost(['budget', 'rm', '--workgroup', workgroup]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `athena-cost: workgroup '${workgroup}' has no budget\nRun 'athena-cost budget list' to see the budgets.\n`,
    );
  });

  it('lists budgets as a table and reports invalid stored ones on stderr', async () => {
    await table.documents.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...TableKeys.budget('broken'),
          workgroup: 'broken',
          period: 'day',
          limitDpuHours: -1,
          thresholds: [],
          updatedAt: '2026-11-01T00:00:00.000Z',
        },
      }),
    );

    const { code, stdout, stderr } = await athenaCost(['budget', 'list']);

    expect(code).toBe(0);
    expect(stderr).toBe(
      'athena-cost: warning: the stored budget of broken is invalid and not enforced: limitDpuHours must be greater than 0\n',
    );
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^WORKGROUP +PERIOD +LIMIT DPU-H +LIMIT USD +LIMIT BYTES +THRESHOLDS/);
    expect(
      lines.some((line) =>
        /^analytics-\S+ +day +10\.000 +- +- +50% notify, 80% notify, 90% throttle, 100% disable +max-dpu 8 +enforce /.test(
          line,
        ),
      ),
    ).toBe(true);
    expect((await listJson()).invalid).toEqual([
      { workgroup: 'broken', reason: 'limitDpuHours must be greater than 0' },
    ]);
    await budgets.remove('broken');
  });
});

describe('athena-cost status', () => {
  it('shows usage, the actions of the period and a forecast, as JSON', async () => {
    const workgroup = aWorkgroup('status');
    await storeBudget({
      workgroup,
      limitDpuHours: 10,
      limitUsd: 5,
      throttleMaxDpu: 8,
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 80, action: 'throttle' },
      ],
      dryRun: true,
    });
    // The CLI reads the clock on its own: keep clear of midnight UTC, when the day would change
    // between writing the usage and reading it back.
    const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
    if (msToMidnight < 30_000)
      await new Promise((resolve) => setTimeout(resolve, msToMidnight + 1_000));
    // 24 DPUs for 15 minutes: 6 DPU-hours, $1.80, finished now.
    const now = new Date();
    const derived = deriveQueryUsage(
      aQueryExecution({ workgroup, dpuCount: 24, engineMs: 900_000, completedAt: now }),
      PRICING,
    );
    if (!derived.ok) throw new Error(derived.reason);
    const records = new DynamoDbQueryRecordStore(table.documents, {
      tableName: table.name,
      queryRecordTtlDays: 400,
    });
    expect((await records.recordQueries([derived.usage])).failed).toEqual([]);
    const key: EnforcementKey = { workgroup, period: 'day', periodKey: periodKeyFor('day', now) };
    await enforcement.complete(
      key,
      {
        thresholdId: '50:notify',
        action: 'notify',
        status: 'applied',
        usedPercent: 60,
        detail: 'notified',
      },
      now,
    );

    const { code, stdout, stderr } = await athenaCost([
      'status',
      '--workgroup',
      workgroup,
      '--format',
      'json',
    ]);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['at', 'budgets']);
    const at = new Date(json.at);
    expect(Math.abs(at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(json.budgets).toHaveLength(1);
    const [status] = json.budgets;
    expect(Object.keys(status)).toEqual([
      'workgroup',
      'period',
      'periodKey',
      'limitDpuHours',
      'usedDpuHours',
      'limitUsd',
      'usedUsd',
      'limitBytes',
      'usedBytes',
      'usedPercent',
      'bindingLimit',
      'bindingLimitValue',
      'dryRun',
      'protected',
      'paused',
      'actions',
      'bypassedQueries',
      'forecast',
    ]);
    expect(status).toMatchObject({
      workgroup,
      period: 'day',
      periodKey: key.periodKey,
      limitDpuHours: 10,
      usedDpuHours: 6,
      limitUsd: 5,
      usedUsd: 1.8,
      limitBytes: null,
      usedBytes: null,
      usedPercent: 60,
      bindingLimit: 'dpuHours',
      bindingLimitValue: 10,
      dryRun: true,
      protected: false,
      actions: [
        {
          threshold: 50,
          action: 'notify',
          status: 'applied',
          at: now.toISOString(),
          detail: 'notified',
        },
      ],
    });
    const expected = forecastUsage({
      period: 'day',
      periodKey: key.periodKey,
      used: 6,
      limit: 10,
      now: at,
    });
    expect(Object.keys(status.forecast)).toEqual([
      'projectedDpuHours',
      'projected',
      'projectedPercent',
      'limitCrossed',
      'limitReachedAt',
      'burnRateDpuHoursPerHour',
      'extrapolated',
      'periodEnd',
    ]);
    expect(status.forecast.projectedDpuHours).toBeCloseTo(expected.projectedAtPeriodEnd, 5);
    expect(status.forecast.projectedPercent).toBeCloseTo(expected.projectedPercent, 1);
    expect(status.forecast.projectedDpuHours).toBeGreaterThanOrEqual(6);
    expect(status.forecast.limitReachedAt).toBe(expected.limitReachedAt?.toISOString() ?? null);
    expect(status.forecast.periodEnd).toBe(periodBounds('day', key.periodKey).end.toISOString());
  }, 90_000);

  it('shows every budget as a table, with the actions below', async () => {
    const { code, stdout } = await athenaCost(['status']);

    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^WORKGROUP +PERIOD +DPU-H +USD +BYTES +USED +PROJECTED +PROJECTED % +LIMIT REACHED \(UTC\) +BYPASSED +MODE$/,
    );
    expect(
      lines.some((line) =>
        /^status-\S+ +day \d{4}-\d\d-\d\d +6\.000 \/ 10\.000 +1\.80 \/ 5\.00 +- +60\.0% /.test(
          line,
        ),
      ),
    ).toBe(true);
    expect(
      lines.some((line) =>
        /^analytics-\S+ +day \S+ +0\.000 \/ 10\.000 +- +- +0\.0% +0\.000 DPU-h +0\.0% +— +0 +enforce$/.test(
          line,
        ),
      ),
    ).toBe(true);
    expect(stdout).toContain('Actions this period');
    expect(
      lines.some((line) =>
        /^status-\S+ +\d{4}-\d\d-\d\d +50\.0% +notify +applied +\S+ \S+Z +notified$/.test(line),
      ),
    ).toBe(true);
  });
});

describe('athena-cost restore', () => {
  const settings = (maxDpu: string): WorkgroupSettings => ({
    state: 'ENABLED',
    classifications: [
      { name: ENGINE, properties: { 'max-dpu-count': maxDpu, 'min-dpu-count': '4' } },
      { name: 'other', properties: { keep: 'me' } },
    ],
    bytesScannedCutoffPerQuery: undefined,
  });

  /** An enforcement state for two days ago: snapshot at 64 DPUs, throttled to 8 by the product. */
  async function throttledTwoDaysAgo(workgroup: string): Promise<EnforcementKey> {
    const periodKey = periodKeyFor('day', new Date(Date.now() - 2 * 86_400_000));
    const key: EnforcementKey = { workgroup, period: 'day', periodKey };
    await enforcement.saveSnapshot(key, settings('64'), periodBounds('day', periodKey).end);
    await enforcement.recordApplied(key, { maxDpuCount: '8' }, new Date());
    return key;
  }

  const classificationsOf = (workgroup: string) =>
    athena.account.getWorkGroup(workgroup)?.Configuration?.EngineConfiguration?.Classifications;

  it('gives back a throttled workgroup after its period ended and reports an operator change as a conflict', async () => {
    // Prepare: the product throttled both to 8; an operator has since set the second to 32.
    const throttled = aWorkgroup('restore-a', '8');
    const changed = aWorkgroup('restore-b', '32');
    const keyA = await throttledTwoDaysAgo(throttled);
    const keyB = await throttledTwoDaysAgo(changed);

    // Act
    const { code, stdout, stderr } = await athenaCost(['restore', '--format', 'json'], {
      ALERTS_TOPIC_ARN: TOPIC,
    });

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    // Without --workgroup, restore gives back reservation targets too: none here.
    expect(Object.keys(json)).toEqual(['at', 'results', 'reservations']);
    expect(json.reservations).toEqual([]);
    expect(json.results).toHaveLength(2);
    expect(json.results).toEqual(
      expect.arrayContaining([
        {
          ...keyA,
          outcome: 'restored',
          conflicts: [],
          detail: 'restored the settings from before the period',
        },
        {
          ...keyB,
          outcome: 'nothing-to-restore',
          conflicts: ['max-dpu-count: product set 8, now 32; left as is'],
          detail: 'operators have changed every field the enforcer set; nothing to restore',
        },
      ]),
    );
    expect(classificationsOf(throttled)).toEqual(
      engineConfiguration('64').EngineConfiguration.Classifications,
    );
    expect(classificationsOf(changed)).toEqual(
      engineConfiguration('32').EngineConfiguration.Classifications,
    );
    const alerts = sns.messages
      .map((message) => JSON.parse(messageForProtocol(message, 'sqs')))
      .filter((alert) => alert.kind === 'restore');
    expect(alerts.map((alert) => [alert.workgroup, alert.restored]).sort()).toEqual(
      [
        [throttled, true],
        [changed, false],
      ].sort(),
    );

    // Restored states are not looked at again.
    const again = await athenaCost(['restore']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      'Nothing to restore: no ended period has settings left to give back.\n',
    );
  });

  it('prints a table and exits 1 when a restore fails', async () => {
    const workgroup = aWorkgroup('restore-c', '8');
    await storeBudget({ workgroup, limitDpuHours: 10, thresholds: [] });
    await throttledTwoDaysAgo(workgroup);

    const failed = await athenaCost(['restore', '--workgroup', workgroup], {
      AWS_ENDPOINT_URL_ATHENA: UNREACHABLE,
    });

    expect(failed.code).toBe(1);
    const lines = failed.stdout.split('\n');
    expect(lines[0]).toMatch(/^WORKGROUP +PERIOD +OUTCOME +CONFLICTS +DETAIL$/);
    expect(lines[2]).toMatch(new RegExp(`^${workgroup} +day \\d{4}-\\d\\d-\\d\\d +failed +- +\\S`));
    expect(failed.stderr).toMatch(
      new RegExp(`^athena-cost: restore failed for ${workgroup} \\(day `),
    );
    expect(classificationsOf(workgroup)).toEqual(
      engineConfiguration('8').EngineConfiguration.Classifications,
    );

    // Once Athena answers again, the state is still there to restore.
    const retried = await athenaCost(['restore', '--workgroup', workgroup]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(
      new RegExp(`^${workgroup} +day \\S+ +restored +- +restored`, 'm'),
    );
    expect(classificationsOf(workgroup)).toEqual(
      engineConfiguration('64').EngineConfiguration.Classifications,
    );
  });
});

describe('a workgroup without a budget', () => {
  it.each([
    ['status', 'has no budget'],
    ['restore', 'has no budget and nothing to restore'],
  ])('fails for %s: the workgroup %s', async (command, what) => {
    const { code, stderr } = await athenaCost([command, '--workgroup', 'nobody']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `athena-cost: workgroup 'nobody' ${what}\nRun 'athena-cost budget list' to see the budgets.\n`,
    );
  });
});

describe('an unreachable or missing table', () => {
  it.each([
    [['budget', 'list']],
    [['status']],
    [budgetSet('x', 'day', '1', '--notify-at', '50', '--skip-workgroup-check', '--skip-alarms')],
    [['restore']],
  ])('%j says which table and endpoint it cannot reach', async (args) => {
    const { code, stdout, stderr } = await athenaCost(args, {
      AWS_ENDPOINT_URL_DYNAMODB: UNREACHABLE,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `athena-cost: cannot reach DynamoDB for table '${table.name}' at ${UNREACHABLE}: connection refused\nCheck --region, the network, or AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local.\n`,
    );
  });

  it('says when the table does not exist', async () => {
    const { code, stderr } = await athenaCost(['budget', 'list', '--table', 'no-such-table']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `athena-cost: table 'no-such-table' at ${table.endpoint} does not exist\nCheck --table (or TABLE_NAME) and --region.\n`,
    );
  });
});

describe('athena-cost budget: enforcement that holds', () => {
  const throttled = (workgroup: string) =>
    budgetSet(
      workgroup,
      'day',
      '10',
      '--throttle-at',
      '80',
      '--throttle-max-dpu',
      '8',
      '--skip-alarms',
    );

  it('stores --enforce-workgroup-config and --on-bypass, with no bypass warning', async () => {
    const workgroup = aWorkgroup('enforced', '64');

    const { code, stderr } = await athenaCost([
      ...throttled(workgroup),
      '--enforce-workgroup-config',
      '--on-bypass',
      'disable',
    ]);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(await budgets.get(workgroup)).toMatchObject({
      enforceWorkgroupConfiguration: true,
      onBypass: 'disable',
    });
  });

  it('does not warn about a workgroup that already enforces its configuration', async () => {
    const workgroup = aWorkgroup('enforcing', '64');
    athena.account.addWorkGroup({
      Name: workgroup,
      Configuration: { ...engineConfiguration('64'), EnforceWorkGroupConfiguration: true },
    });

    const { code, stderr } = await athenaCost(throttled(workgroup));

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((await budgets.get(workgroup))?.enforceWorkgroupConfiguration).toBeUndefined();
  });

  it('pauses a budget until a time, shows it in status and resumes it', async () => {
    const workgroup = aWorkgroup('paused');
    await storeBudget({ workgroup, limitDpuHours: 10, thresholds: [] });
    const until = new Date(Date.now() + 3_600_000).toISOString();

    const paused = await athenaCost([
      'budget',
      'pause',
      '--workgroup',
      workgroup,
      '--until',
      until,
      '--format',
      'json',
    ]);

    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.stdout).paused).toEqual({ since: expect.any(String), until });
    const status = await athenaCost(['status', '--workgroup', workgroup, '--format', 'json']);
    expect(JSON.parse(status.stdout).budgets[0].paused).toEqual({
      since: expect.any(String),
      until,
    });
    const table = await athenaCost(['status', '--workgroup', workgroup]);
    expect(table.stdout).toContain('paused until');

    const resumed = await athenaCost(['budget', 'resume', '--workgroup', workgroup]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(`Resumed the budget of ${workgroup}: its actions apply again.\n`);
    const after = await athenaCost(['status', '--workgroup', workgroup, '--format', 'json']);
    expect(JSON.parse(after.stdout).budgets[0].paused).toBeNull();
    const again = await athenaCost(['budget', 'resume', '--workgroup', workgroup]);
    expect(again.stdout).toBe(`The budget of ${workgroup} is not paused; nothing to do.\n`);
  }, 60_000);

  it('refuses to pause a workgroup without a budget', async () => {
    const workgroup = aWorkgroup('unpaused');

    const missing = await athenaCost(['budget', 'pause', '--workgroup', workgroup]);

    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`workgroup '${workgroup}' has no budget`);
    expect(await budgets.get(workgroup)).toBeUndefined();
  });
});
