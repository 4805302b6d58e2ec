import { describe, expect, it } from 'vitest';
import type { BudgetAlert } from '../../lib/alerts/budget-alert.js';
import { MAX_SUBJECT_LENGTH, renderAlert } from '../../lib/alerts/render-alert.js';
import {
  type AttributionBudget,
  crossedAttributionThresholds,
  parseAttributionBudget,
} from '../../lib/budgets/attribution-budget.js';
import {
  createAttributionBudgetNotifier,
  type TouchedAttribution,
  touchedAttributionsOf,
} from '../../lib/budgets/notify-attribution-budgets.js';
import { attributionAlarmDefinitions } from '../../lib/budgets/plan-budget-alarms.js';
import type { MetricPoint } from '../../lib/metrics/usage-metrics.js';
import type {
  AttributionCounterReader,
  AttributionRead,
} from '../../lib/store/attribution-counter-reader.js';
import { MILLIS_PER_HOUR } from '../../lib/usage/pricing.js';
import { principalOfArn } from '../../lib/usage/query-principal.js';
import { ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { runCliInMemory as cli } from '../support/in-memory-cli.js';

const NOW = new Date('2026-11-25T12:00:00Z');

function aBudget(overrides: Record<string, unknown> = {}): AttributionBudget {
  const parsed = parseAttributionBudget({
    key: 'tag:team',
    value: 'finance',
    period: 'day',
    limitDpuHours: 10,
    thresholds: [
      { percent: 100, action: 'notify' },
      { percent: 50, action: 'notify' },
    ],
    updatedAt: '2026-11-25T09:00:00Z',
    ...overrides,
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.budget;
}

describe('attribution budget', () => {
  it('sorts its thresholds and reads back what it stores', () => {
    const budget = aBudget();
    expect(budget.thresholds.map((threshold) => threshold.percent)).toEqual([50, 100]);
    expect(parseAttributionBudget({ ...budget, pk: 'BUDGET#attribution', sk: 'x' })).toEqual({
      ok: true,
      budget,
    });
  });

  it.each([
    [
      { thresholds: [{ percent: 80, action: 'disable' }] },
      'thresholds[0].action must be one of notify',
    ],
    [{ key: 'team' }, 'key must be principal, dbt.model or tag:<key>'],
    [{ key: 'tag:Team' }, 'key must be principal, dbt.model or tag:<key>'],
    [{ value: '(other)' }, 'value is where usage past the cap'],
    [{ value: 'has space' }, 'value is not a value the tag:team counters can hold'],
    [{ key: 'principal', value: 'role/a#b' }, 'value is not a value the principal counters'],
    [{ limitDpuHours: undefined }, 'budget needs at least one limit'],
    [
      {
        thresholds: [
          { percent: 80, action: 'notify' },
          { percent: 80, action: 'notify' },
        ],
      },
      'thresholds must have at most one 80% notify threshold',
    ],
  ])('refuses %j', (overrides, reason) => {
    const parsed = parseAttributionBudget({
      key: 'tag:team',
      value: 'finance',
      period: 'day',
      limitDpuHours: 10,
      thresholds: [],
      updatedAt: '2026-11-25T09:00:00Z',
      ...overrides,
    });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it('crosses each threshold reached and not yet notified, ascending', () => {
    const budget = aBudget();
    expect(crossedAttributionThresholds(budget, 49.99, new Set())).toEqual([]);
    expect(crossedAttributionThresholds(budget, 120, new Set(['50:notify']))).toEqual([
      { percent: 100, action: 'notify' },
    ]);
  });

  it.each([
    ['arn:aws:iam::123456789012:role/etl/dbt-runner', 'role/dbt-runner'],
    ['arn:aws:sts::123456789012:assumed-role/dbt-runner/run-42', 'role/dbt-runner'],
    [
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Analyst_0123/ana@example.com',
      'identity-center/ana@example.com',
    ],
    ['arn:aws:iam::123456789012:user/ops/bob', 'user/bob'],
    ['arn:aws:iam::123456789012:root', 'root'],
    ['arn:aws:s3:::bucket', undefined],
    ['arn:aws:iam::123456789012:group/admins', undefined],
  ])('counts %s as the principal %s, as CloudTrail records are normalised', (arn, principal) => {
    expect(principalOfArn(arn)).toBe(principal);
  });
});

describe('budget set --principal, --tag, --dbt-model flags', () => {
  const set = (...args: string[]) => cli(['budget', 'set', '--table', 't', ...args]);

  it.each([
    [
      ['--tag', 'team=finance', '--period', 'day', '--limit-usd', '5', '--throttle-at', '90'],
      '--throttle-at applies to workgroup budgets only: Athena has no per-principal or per-tag lever',
    ],
    [
      ['--principal', 'role/dbt', '--period', 'day', '--limit-usd', '5', '--disable-at', '100'],
      '--disable-at applies to workgroup budgets only: Athena has no per-principal or per-tag lever',
    ],
    [
      ['--dbt-model', 'model.shop.orders', '--period', 'day', '--limit-usd', '5', '--dry-run'],
      '--dry-run applies to workgroup budgets only: Athena has no per-principal or per-tag lever',
    ],
    [
      ['--tag', 'team=finance', '--period', 'day', '--limit-bytes', '1GiB'],
      '--limit-bytes applies to workgroup budgets only, not with --principal, --tag or --dbt-model',
    ],
    [
      ['--tag', 'team=finance', '--period', 'day', '--limit-usd', '5', '--scale-down-at', '90'],
      '--scale-down-at applies to reservation budgets only',
    ],
    [
      ['--workgroup', 'wg', '--tag', 'team=finance', '--period', 'day', '--limit-usd', '5'],
      '--tag cannot be combined with --workgroup',
    ],
    [
      ['--tag', 'team=finance', '--period', 'day'],
      '--limit-dpu-hours is required unless --limit-usd',
    ],
    [['--tag', 'Team=finance', '--period', 'day', '--limit-usd', '5'], '--tag must be KEY=VALUE'],
    [['--tag', 'team', '--period', 'day', '--limit-usd', '5'], '--tag must be KEY=VALUE'],
    [
      ['--principal', 'arn:aws:s3:::bucket', '--period', 'day', '--limit-usd', '5'],
      '--principal must be an IAM role, user or assumed-role ARN',
    ],
    [
      ['--dbt-model', 'model shop', '--period', 'day', '--limit-usd', '5'],
      '--dbt-model is not a value the dbt.model counters can hold',
    ],
  ])('exits 2 with a one-line reason, storing nothing: %o', async (args, reason) => {
    const run = await set(...args);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toContain(reason);
    expect(run.stdout).toBe('');
  });

  it('shows the attribution budget form in its synopsis', async () => {
    const help = await cli(['budget', 'set', '--help']);
    expect(help.stdout).toContain(
      'athena-cost budget set --principal ARN|--tag KEY=VALUE|--dbt-model NODE --period',
    );
  });
});

/** In-memory counters: usage per `workgroup`, read as the DynamoDB reader sums them. */
function fakeCounters(dpuHoursByWorkgroup: Record<string, number>, listed: string[]) {
  const reads: AttributionRead[][] = [];
  const reader: AttributionCounterReader = {
    async totalsFor(periods) {
      reads.push([...periods]);
      return new Map(
        periods.map((read) => [
          `${read.key}#${read.value}#${read.period}#${read.periodKey}`,
          {
            ...ZERO_TOTALS,
            dpuMillis: read.workgroups.reduce(
              (sum, workgroup) => sum + (dpuHoursByWorkgroup[workgroup] ?? 0) * MILLIS_PER_HOUR,
              0,
            ),
          },
        ]),
      );
    },
    async workgroupsWithUsage() {
      return listed;
    },
  };
  return { reader, reads };
}

/** The action records, as the conditional put keeps them: the first writer of a key wins. */
function fakeNotifications() {
  const records = new Set<string>();
  return {
    records,
    async recordOnce(
      key: { attribution: string; periodKey: string },
      record: { thresholdId: string },
    ) {
      const id = `${key.attribution}#${key.periodKey}#${record.thresholdId}`;
      if (records.has(id)) return false;
      records.add(id);
      return true;
    },
  };
}

function aNotifier(options: {
  budgets: AttributionBudget[];
  counters: AttributionCounterReader;
  notifications: ReturnType<typeof fakeNotifications>;
}) {
  const alerts: BudgetAlert[] = [];
  const points: MetricPoint[] = [];
  const notify = createAttributionBudgetNotifier({
    budgets: async () => options.budgets,
    counters: options.counters,
    workgroupsWithUsage: (period, periodKey) =>
      options.counters.workgroupsWithUsage(period, periodKey),
    notifications: options.notifications,
    alerts: { publish: async (alert) => void alerts.push(alert) },
    metrics: { publish: async (published) => void points.push(...published) },
    logger: { info() {}, warn() {}, error() {} },
    now: () => NOW,
  });
  return { notify, alerts, points };
}

const touchedFinance = (workgroup: string, changed = true): TouchedAttribution => ({
  key: 'tag:team',
  value: 'finance',
  workgroup,
  changed,
});

describe('attribution budget notifications', () => {
  it('reads nothing when no value the batch touched has a budget', async () => {
    // Prepare
    const counters = fakeCounters({ etl: 100 }, ['etl']);
    const { notify, alerts, points } = aNotifier({
      budgets: [aBudget({ value: 'growth' })],
      counters: counters.reader,
      notifications: fakeNotifications(),
    });
    // Act
    const failures = await notify([touchedFinance('etl')]);
    // Assess
    expect(failures.size).toBe(0);
    expect(counters.reads).toEqual([]);
    expect(alerts).toEqual([]);
    expect(points).toEqual([]);
  });

  it('sums the value over every workgroup with usage, in one read, and notifies each threshold once', async () => {
    // Prepare: 3 DPU-hours in the batch's workgroup, 3 in one the batch did not touch.
    const counters = fakeCounters({ etl: 3, adhoc: 3 }, ['adhoc']);
    const notifications = fakeNotifications();
    const budgets = [aBudget(), aBudget({ value: 'growth' })];
    const first = aNotifier({ budgets, counters: counters.reader, notifications });
    // Act: the batch, its redelivery, and another instance evaluating the same value.
    await first.notify([touchedFinance('etl'), touchedFinance('etl')]);
    await first.notify([touchedFinance('etl', false)]);
    const second = aNotifier({ budgets, counters: counters.reader, notifications });
    await second.notify([touchedFinance('etl')]);
    // Assess
    expect(counters.reads[0]).toEqual([
      {
        attribution: 'tag:team=finance',
        key: 'tag:team',
        value: 'finance',
        period: 'day',
        periodKey: '2026-11-25',
        workgroups: ['adhoc', 'etl'],
      },
    ]);
    expect([...first.alerts, ...second.alerts]).toEqual([
      {
        kind: 'attribution-budget',
        attribution: 'tag:team=finance',
        key: 'tag:team',
        value: 'finance',
        period: 'day',
        periodKey: '2026-11-25',
        at: NOW.toISOString(),
        thresholdPercent: 50,
        usedPercent: 60,
        usage: expect.objectContaining({ usedDpuHours: 6, limitDpuHours: 10, usedPercent: 60 }),
      },
    ]);
    // BudgetUsedPercent for batches that changed the value's usage only.
    expect(first.points).toEqual([
      expect.objectContaining({
        name: 'BudgetUsedPercent',
        attribution: 'tag:team=finance',
        value: { kind: 'value', value: 60 },
      }),
    ]);
    expect(second.points).toHaveLength(1);
  });

  it('has the records of the touched workgroups redelivered when usage cannot be read', async () => {
    // Prepare
    const counters = fakeCounters({}, []);
    counters.reader.totalsFor = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const { notify, alerts } = aNotifier({
      budgets: [aBudget()],
      counters: counters.reader,
      notifications: fakeNotifications(),
    });
    // Act
    const failures = await notify([
      touchedFinance('etl'),
      { key: 'tag:team', value: 'growth', workgroup: 'adhoc', changed: true },
    ]);
    // Assess
    expect([...failures.keys()]).toEqual(['etl']);
    expect(failures.get('etl')).toContain('ProvisionedThroughputExceededException');
    expect(alerts).toEqual([]);
  });

  it('touches the values recorded queries count under, new ones as changed', () => {
    const usage = (workgroup: string, tags: Record<string, string>, principal?: string) =>
      ({ workgroup, attribution: { tags, principal } }) as never;
    expect(
      touchedAttributionsOf(
        [usage('etl', { team: 'finance' }, 'role/dbt')],
        [usage('etl', { team: 'finance' }), usage('adhoc', { team: 'growth' })],
      ),
    ).toEqual([
      { key: 'tag:team', value: 'finance', workgroup: 'etl', changed: true },
      { key: 'tag:team', value: 'growth', workgroup: 'adhoc', changed: false },
      { key: 'principal', value: 'role/dbt', workgroup: 'etl', changed: true },
    ]);
  });
});

describe('attribution budget alert', () => {
  it('names the value, its usage over every workgroup and why it only notifies', () => {
    const rendered = renderAlert({
      kind: 'attribution-budget',
      attribution: 'principal=role/dbt-runner',
      key: 'principal',
      value: 'role/dbt-runner',
      period: 'month',
      periodKey: '2026-11',
      at: NOW.toISOString(),
      thresholdPercent: 80,
      usedPercent: 81.5,
      usage: {
        limitDpuHours: null,
        usedDpuHours: 100,
        limitUsd: 500,
        usedUsd: 407.5,
        limitBytes: null,
        usedBytes: null,
        usedPercent: 81.5,
        bindingLimit: 'usd',
        bindingLimitValue: 500,
      },
    });
    expect(rendered.subject).toBe(
      'athena-cost: principal role/dbt-runner at 81.5% of its month budget (notify at 80%)',
    );
    expect(rendered.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(rendered.text).toContain('Attribution:principal=role/dbt-runner');
    expect(rendered.text).toContain('no per-principal or per-tag lever');
    expect(rendered.text).toContain('athena-cost report --by principal --period month --top 10');
    expect(rendered.chat.metadata?.threadId).toBe(
      'athena-cost-attribution-principal=role/dbt-runner-month-2026-11',
    );
  });
});

describe('attribution budget alarms', () => {
  const settings = {
    stackName: 'athena-cost',
    namespace: 'AthenaCostMonitor',
    alertsTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
  };

  it('plans one alarm per notify threshold on the Attribution dimension, apart from workgroup alarms', () => {
    const definitions = attributionAlarmDefinitions(aBudget({ limitUsd: 50 }), settings);
    expect(definitions.map((definition) => definition.name)).toEqual([
      'athena-cost-attribution-budget-tag:team=finance-notify-50',
      'athena-cost-attribution-budget-tag:team=finance-notify-100',
    ]);
    expect(definitions[0]).toMatchObject({
      metricName: 'BudgetUsedPercent',
      attribution: 'tag:team=finance',
      threshold: 50,
      alarmActions: [settings.alertsTopicArn],
    });
    expect(definitions[0]?.description).toContain('athena-cost report --by tag:team --period day');
    // A workgroup named `attribution` keeps alarms of its own prefix.
    expect(definitions[0]?.name.startsWith('athena-cost-budget-attribution-')).toBe(false);
  });

  it('keeps names of long values within 255 characters, told apart by a hash', () => {
    const value = `role/${'a'.repeat(240)}`;
    const [first] = attributionAlarmDefinitions(aBudget({ key: 'principal', value }), settings);
    const [second] = attributionAlarmDefinitions(
      aBudget({ key: 'principal', value: `${value.slice(0, -1)}b` }),
      settings,
    );
    expect(first?.name.length).toBeLessThanOrEqual(255);
    expect(first?.name).not.toBe(second?.name);
    expect(first?.attribution).toBe(`principal=${value}`);
  });
});
