import { describe, expect, it } from 'vitest';
import type { Budget } from '../../lib/budgets/budget.js';
import {
  anomalyAlarmDefinition,
  type BudgetAlarmSettings,
  budgetAlarmDefinitions,
  budgetAlarmName,
  budgetAlarmPercent,
  budgetAlarmPrefix,
  planBudgetAlarms,
  removeBudgetAlarms,
  staleBudgetAlarms,
  syncBudgetAlarms,
} from '../../lib/budgets/plan-budget-alarms.js';
import type {
  AnomalyAlarmDefinition,
  BudgetAlarmDefinition,
  BudgetAlarms,
} from '../../lib/metrics/budget-alarms.js';
import { aBudget as aDayBudget } from '../support/factories.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:athena-cost-prod-alerts';
const SETTINGS: BudgetAlarmSettings = {
  stackName: 'athena-cost-prod',
  namespace: 'AthenaCostMonitor',
  alertsTopicArn: TOPIC,
};

const aBudget = (overrides: Partial<Budget> = {}): Budget =>
  aDayBudget({
    thresholds: [
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'notify' },
      { percent: 90, action: 'throttle' },
      { percent: 100, action: 'disable' },
    ],
    updatedAt: '2026-11-25T12:00:00.000Z',
    ...overrides,
  });

/** An in-memory BudgetAlarms that records its calls. */
function fakeAlarms(initial: readonly string[]) {
  const names = new Set(initial);
  const calls: string[] = [];
  const alarms: BudgetAlarms = {
    namesWithPrefix: async (prefix) => {
      calls.push(`describe ${prefix}`);
      return [...names].filter((name) => name.startsWith(prefix)).sort();
    },
    put: async (definition: BudgetAlarmDefinition) => {
      calls.push(`put ${definition.name}`);
      names.add(definition.name);
    },
    putAnomaly: async (definition: AnomalyAlarmDefinition) => {
      calls.push(`put anomaly ${definition.name} on ${definition.metricName}`);
      names.add(definition.name);
    },
    delete: async (toDelete) => {
      calls.push(`delete ${toDelete.join(',')}`);
      for (const name of toDelete) {
        if (!names.has(name)) throw new Error(`ResourceNotFound: ${name}`);
        names.delete(name);
      }
    },
  };
  return { alarms, names, calls };
}

describe('budget alarm names', () => {
  it('derives names from the stack, the workgroup and the percent', () => {
    expect(budgetAlarmName('athena-cost-prod', 'analytics', 50)).toBe(
      'athena-cost-prod-budget-analytics-notify-50',
    );
    expect(budgetAlarmName('athena-cost', 'etl.v2', 87.5)).toBe(
      'athena-cost-budget-etl.v2-notify-87.5',
    );
    expect(budgetAlarmPrefix('athena-cost', 'etl')).toBe('athena-cost-budget-etl-notify-');
  });

  it.each([
    ['athena-cost-budget-a-notify-50', 50],
    ['athena-cost-budget-a-notify-87.5', 87.5],
    // Workgroup `a-notify-x` shares the prefix of workgroup `a`.
    ['athena-cost-budget-a-notify-x-notify-50', undefined],
    ['athena-cost-budget-a-notify-', undefined],
    ['athena-cost-budget-a-notify-050', undefined],
    ['athena-cost-budget-a-notify-0', undefined],
    ['other-stack-budget-a-notify-50', undefined],
  ])('recognises only the alarms of the exact workgroup: %s is %s', (name, percent) => {
    expect(budgetAlarmPercent(name, 'athena-cost', 'a')).toBe(percent);
  });
});

describe('budgetAlarmDefinitions', () => {
  it('makes one alarm per notify threshold on BudgetUsedPercent, acting on the alerts topic', () => {
    const definitions = budgetAlarmDefinitions(aBudget(), SETTINGS);

    expect(definitions.map((definition) => definition.name)).toEqual([
      'athena-cost-prod-budget-analytics-notify-50',
      'athena-cost-prod-budget-analytics-notify-80',
    ]);
    expect(definitions[0]).toEqual({
      name: 'athena-cost-prod-budget-analytics-notify-50',
      description:
        'athena-cost: workgroup analytics has used 50% of its day budget (10.000 DPU-hours).\nStatus: athena-cost status --workgroup analytics\nPause the budget (it records and notifies, acts no more until budget resume): athena-cost budget pause --workgroup analytics',
      namespace: 'AthenaCostMonitor',
      metricName: 'BudgetUsedPercent',
      workgroup: 'analytics',
      statistic: 'Maximum',
      periodSeconds: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: 50,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'ignore',
      alarmActions: [TOPIC],
    });
    expect(definitions[1]?.threshold).toBe(80);
  });

  it('has no actions without an alerts topic, and no alarms without notify thresholds', () => {
    const withoutTopic = budgetAlarmDefinitions(aBudget(), {
      ...SETTINGS,
      alertsTopicArn: undefined,
    });
    expect(withoutTopic.map((definition) => definition.alarmActions)).toEqual([[], []]);

    const enforceOnly = aBudget({ thresholds: [{ percent: 100, action: 'disable' }] });
    expect(budgetAlarmDefinitions(enforceOnly, SETTINGS)).toEqual([]);
  });

  it('names every limit in the description and uses the configured namespace', () => {
    const [definition] = budgetAlarmDefinitions(
      aBudget({ period: 'month', limitUsd: 250, limitBytes: 1_000_000_000 }),
      { ...SETTINGS, namespace: 'Custom/Athena' },
    );
    expect(definition?.namespace).toBe('Custom/Athena');
    expect(definition?.description).toBe(
      'athena-cost: workgroup analytics has used 50% of its month budget (10.000 DPU-hours, $250.00, 953.7 MiB scanned).\nStatus: athena-cost status --workgroup analytics\nPause the budget (it records and notifies, acts no more until budget resume): athena-cost budget pause --workgroup analytics',
    );
  });
});

describe('stale alarms', () => {
  const existing = [
    'athena-cost-prod-budget-analytics-notify-50',
    'athena-cost-prod-budget-analytics-notify-80',
    'athena-cost-prod-budget-analytics-notify-95',
    // Another workgroup's alarm under the same prefix, and a hand-made one: never ours to delete.
    'athena-cost-prod-budget-analytics-notify-x-notify-50',
    'athena-cost-prod-budget-analytics-notify-manual',
  ];

  /** The budget of analytics with one threshold: notify at `percent`. */
  const notifyingAt = (percent: number) => aBudget({ thresholds: [{ percent, action: 'notify' }] });

  it('deletes the alarms of percentages no longer listed, and only those', () => {
    const wanted = budgetAlarmDefinitions(notifyingAt(80), SETTINGS);
    expect(staleBudgetAlarms(existing, wanted, SETTINGS.stackName, 'analytics')).toEqual([
      'athena-cost-prod-budget-analytics-notify-50',
      'athena-cost-prod-budget-analytics-notify-95',
    ]);
  });

  it('plans puts for every wanted alarm and deletes for the stale ones', () => {
    const plan = planBudgetAlarms(notifyingAt(60), existing, SETTINGS);
    expect(plan.put.map((definition) => definition.name)).toEqual([
      'athena-cost-prod-budget-analytics-notify-60',
    ]);
    expect(plan.delete).toEqual([
      'athena-cost-prod-budget-analytics-notify-50',
      'athena-cost-prod-budget-analytics-notify-80',
      'athena-cost-prod-budget-analytics-notify-95',
    ]);
  });
});

describe('syncBudgetAlarms and removeBudgetAlarms', () => {
  it('puts the new alarms before deleting the stale ones', async () => {
    const { alarms, names, calls } = fakeAlarms([
      'athena-cost-prod-budget-analytics-notify-50',
      'athena-cost-prod-budget-etl-notify-50',
    ]);

    const changes = await syncBudgetAlarms(
      alarms,
      aBudget({ thresholds: [{ percent: 75, action: 'notify' }] }),
      SETTINGS,
    );

    expect(changes).toEqual({
      put: ['athena-cost-prod-budget-analytics-notify-75'],
      deleted: ['athena-cost-prod-budget-analytics-notify-50'],
    });
    expect(calls).toEqual([
      'describe athena-cost-prod-budget-analytics-',
      'put athena-cost-prod-budget-analytics-notify-75',
      'delete athena-cost-prod-budget-analytics-notify-50',
    ]);
    expect([...names].sort()).toEqual([
      'athena-cost-prod-budget-analytics-notify-75',
      'athena-cost-prod-budget-etl-notify-50',
    ]);
  });

  it('makes no delete call when nothing is stale', async () => {
    const { alarms, calls } = fakeAlarms([]);
    await syncBudgetAlarms(alarms, aBudget(), SETTINGS);
    expect(calls.filter((call) => call.startsWith('delete'))).toEqual([]);
  });

  it('puts an anomaly alarm on the hourly metric asked for, and deletes it once not asked for', async () => {
    const { alarms, names, calls } = fakeAlarms(['athena-cost-prod-budget-analytics-x-anomaly']);

    const added = await syncBudgetAlarms(alarms, aBudget({ anomalyAlarm: 'cost' }), SETTINGS);
    const removed = await syncBudgetAlarms(alarms, aBudget(), SETTINGS);

    expect(added.put).toContain('athena-cost-prod-budget-analytics-anomaly');
    expect(calls).toContain('put anomaly athena-cost-prod-budget-analytics-anomaly on CostUsd');
    expect(removed.deleted).toEqual(['athena-cost-prod-budget-analytics-anomaly']);
    // Another workgroup's alarm whose name starts alike is left alone.
    expect([...names].filter((name) => name.endsWith('anomaly'))).toEqual([
      'athena-cost-prod-budget-analytics-x-anomaly',
    ]);
  });

  it('describes the anomaly alarm for chat: what left its band and what to run', () => {
    const definition = anomalyAlarmDefinition(aBudget({ anomalyAlarm: 'dpu-hours' }), SETTINGS);

    expect(definition).toMatchObject({
      metricName: 'DpuHours',
      periodSeconds: 3_600,
      bandWidth: 2,
      alarmActions: [TOPIC],
    });
    expect(definition?.description).toContain(
      'the hourly DPU-hours of workgroup analytics rose above its expected band',
    );
    expect(anomalyAlarmDefinition(aBudget(), SETTINGS)).toBeUndefined();
  });

  it("removes every alarm of the workgroup and nobody else's", async () => {
    const { alarms, names } = fakeAlarms([
      'athena-cost-prod-budget-analytics-notify-50',
      'athena-cost-prod-budget-analytics-notify-80',
      'athena-cost-prod-budget-analytics-notify-x-notify-50',
      'athena-cost-prod-budget-analytics-anomaly',
    ]);

    const deleted = await removeBudgetAlarms(alarms, 'analytics', SETTINGS.stackName);

    expect(deleted).toEqual([
      'athena-cost-prod-budget-analytics-anomaly',
      'athena-cost-prod-budget-analytics-notify-50',
      'athena-cost-prod-budget-analytics-notify-80',
    ]);
    expect([...names]).toEqual(['athena-cost-prod-budget-analytics-notify-x-notify-50']);
    expect(await removeBudgetAlarms(alarms, 'analytics', SETTINGS.stackName)).toEqual([]);
  });
});
