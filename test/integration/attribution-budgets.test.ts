import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributionBudgetAlert } from '../../lib/alerts/budget-alert.js';
import { SnsAlertPublisher } from '../../lib/alerts/sns-alert-publisher.js';
import { parseAttributionBudget } from '../../lib/budgets/attribution-budget.js';
import {
  cachedWorkgroupsWithUsage,
  createAttributionBudgetNotifier,
} from '../../lib/budgets/notify-attribution-budgets.js';
import { DynamoDbAttributionCounterReader } from '../../lib/store/dynamodb-attribution-counter-reader.js';
import { DynamoDbAttributionEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { localTopicArn } from '../../local/environment/local-account.js';
import { seededRandom } from '../../local/simulation/seeded-random.js';
import { messageForProtocol } from '../../local/stand-ins/sns-stand-in.js';
import { anAssumedRole, aQueryExecution, aQueryStartedEvent } from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { eventsFor, type IngestHarness, startIngestHarness } from '../support/ingest-harness.js';

const quietLog = { info() {}, warn() {}, error() {} };
let harness: IngestHarness;

beforeAll(async () => {
  harness = await startIngestHarness({
    ATTRIBUTE_PRINCIPALS: 'true',
    ALERTS_TOPIC_ARN: localTopicArn('athena-cost-local-alerts'),
    // Each test sets its budget just before its batches: no instance may keep an older list.
    BUDGET_CACHE_SECONDS: '0',
  });
});

afterAll(async () => {
  await harness?.close();
});

/** The CLI against the harness's table, on the wall clock the handler's budgets read. */
const cli = (...args: string[]) =>
  runCliInMemory([...args, '--table', harness.table.name], {
    env: process.env,
    now: () => new Date(),
  });

const attributionAlerts = (value: string): AttributionBudgetAlert[] =>
  harness.aws.sns.messages
    .map((message) => JSON.parse(messageForProtocol(message, 'sqs')) as AttributionBudgetAlert)
    .filter((alert) => alert.kind === 'attribution-budget' && alert.value === value);

/** Shuffles with a seed, so a failure replays. */
const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  const random = seededRandom(seed);
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
};

describe('notify-only budgets on attribution values, through the ingest handler', () => {
  it('notifies each threshold of a tag budget once, summed over workgroups, under redelivery and a second instance', async () => {
    // Prepare: a day budget of 1 DPU-hour on a team, notify at 50 and 100; 12 of its queries
    // of 0.1 DPU-hour each (4 DPUs, 90 s) in two workgroups, and 6 of another team.
    const team = `t${randomUUID().slice(0, 8)}`;
    const set = await cli(
      'budget',
      'set',
      '--tag',
      `team=${team}`,
      '--period',
      'day',
      '--limit-dpu-hours',
      '1',
      '--notify-at',
      '50,100',
    );
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    const workgroups = [`wg-${randomUUID().slice(0, 8)}`, `wg-${randomUUID().slice(0, 8)}`];
    const completedAt = new Date();
    const executions = Array.from({ length: 18 }, (_, index) =>
      aQueryExecution({
        workgroup: workgroups[index % 2] ?? '',
        dpuCount: 4,
        engineMs: 90_000,
        completedAt,
        query: `select 1 -- athena-cost: team=${index < 12 ? team : `${team}-other`}`,
      }),
    );
    harness.addExecutions(executions);
    // Another Lambda instance: its own caches, the same table and topic.
    const counters = new DynamoDbAttributionCounterReader(
      harness.table.documents,
      harness.table.name,
    );
    const budget = parseAttributionBudget({
      key: 'tag:team',
      value: team,
      period: 'day',
      limitDpuHours: 1,
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 100, action: 'notify' },
      ],
      updatedAt: new Date().toISOString(),
    });
    if (!budget.ok) throw new Error(budget.reason);
    const otherInstance = createAttributionBudgetNotifier({
      budgets: async () => [budget.budget],
      counters,
      workgroupsWithUsage: cachedWorkgroupsWithUsage(counters),
      notifications: new DynamoDbAttributionEnforcementStore(
        harness.table.documents,
        harness.table.name,
      ),
      alerts: new SnsAlertPublisher(
        quietLog,
        harness.aws.clients.sns,
        localTopicArn('athena-cost-local-alerts'),
      ),
      metrics: { publish: async () => {} },
      logger: quietLog,
    });
    // Act: every event three times, shuffled into 6 batches, the first two at once with the
    // other instance evaluating the team's budget.
    const events = shuffled([...eventsFor(executions), ...eventsFor(executions)], 48);
    const batches = Array.from({ length: 6 }, (_, index) => events.slice(index * 6, index * 6 + 6));
    const [first, second] = await Promise.all([
      harness.deliver(batches[0] ?? []),
      harness.deliver(batches[1] ?? []),
      otherInstance(
        workgroups.map((workgroup) => ({ key: 'tag:team', value: team, workgroup, changed: true })),
      ),
    ]);
    const failed = [...(first ?? []), ...(second ?? [])];
    for (const batch of batches.slice(2)) failed.push(...(await harness.deliver(batch)));
    await otherInstance(
      workgroups.map((workgroup) => ({ key: 'tag:team', value: team, workgroup, changed: true })),
    );
    // Assess: 12 x 0.1 = 1.2 DPU-hours over both workgroups, 120 %: each threshold once, with
    // the usage seen when it was crossed.
    expect(failed).toEqual([]);
    const alerts = attributionAlerts(team);
    expect(alerts.map((alert) => alert.thresholdPercent).sort((a, b) => a - b)).toEqual([50, 100]);
    const atLimit = alerts.find((alert) => alert.thresholdPercent === 100);
    expect(atLimit).toMatchObject({ key: 'tag:team', period: 'day', usage: { limitDpuHours: 1 } });
    expect(atLimit?.usedPercent).toBeGreaterThanOrEqual(100);
    // status shows the same sum, both workgroups and the two notifications.
    const status = await cli('status', '--format', 'json');
    expect(status.code).toBe(0);
    const mine = (
      JSON.parse(status.stdout) as {
        attributionBudgets: { value: string; actions: unknown[] }[];
      }
    ).attributionBudgets.find((entry) => entry.value === team);
    expect(mine).toMatchObject({
      key: 'tag:team',
      usedDpuHours: 1.2,
      usedPercent: 120,
      workgroups: 2,
    });
    expect(mine?.actions).toHaveLength(2);
    // A notify alarm per threshold on the value's BudgetUsedPercent, which the batches published.
    const label = `tag:team=${team}`;
    const alarms = [...harness.cloudWatch.alarms.values()].filter((alarm) =>
      alarm.AlarmName?.startsWith(`athena-cost-attribution-budget-${label}-notify-`),
    );
    expect(alarms.map((alarm) => [alarm.Threshold, alarm.Dimensions])).toEqual([
      [50, [{ Name: 'Attribution', Value: label }]],
      [100, [{ Name: 'Attribution', Value: label }]],
    ]);
    const percents = harness.cloudWatch.metrics
      .datums({ metricName: 'BudgetUsedPercent', dimensions: { Attribution: label } })
      .map((datum) => datum.value ?? 0);
    expect(Math.max(...percents)).toBe(120);
  });

  it("notifies a principal budget once the query's CloudTrail record moved its usage, once under redelivery", async () => {
    // Prepare: a budget of 0.2 DPU-hours on a role, given by its ARN; one query of 0.3.
    const role = `role-${randomUUID().slice(0, 8)}`;
    const set = await cli(
      'budget',
      'set',
      '--principal',
      `arn:aws:iam::123456789012:role/${role}`,
      '--period',
      'month',
      '--limit-dpu-hours',
      '0.2',
      '--notify-at',
      '100',
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`principal role/${role}`);
    const execution = aQueryExecution({
      workgroup: `wg-${randomUUID().slice(0, 8)}`,
      dpuCount: 4,
      engineMs: 270_000,
      completedAt: new Date(),
    });
    harness.addExecutions([execution]);
    const started = aQueryStartedEvent(execution.QueryExecutionId ?? '', anAssumedRole(role));
    // Act: the query first (counted under unknown: no alert), then its CloudTrail record twice.
    expect(await harness.deliver(eventsFor([execution]))).toEqual([]);
    const beforeCloudTrail = attributionAlerts(`role/${role}`).length;
    expect(await harness.deliver([started])).toEqual([]);
    expect(await harness.deliver([started])).toEqual([]);
    // Assess
    expect(beforeCloudTrail).toBe(0);
    const alerts = attributionAlerts(`role/${role}`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      key: 'principal',
      thresholdPercent: 100,
      usedPercent: 150,
    });
    // The budget goes with budget rm, and its alarm with it; another removal says there is none.
    const removed = await cli('budget', 'rm', '--principal', `role/${role}`);
    expect(removed.stdout).toBe(`Removed the budget of principal=role/${role} and 1 alarm.\n`);
    expect(
      [...harness.cloudWatch.alarms.keys()].filter((name) => name.includes(`role/${role}`)),
    ).toEqual([]);
    const again = await cli('budget', 'rm', '--principal', `role/${role}`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`principal=role/${role} has no budget`);
  });
});
