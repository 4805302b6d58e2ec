import { randomUUID } from 'node:crypto';
import { AthenaClient, UpdateWorkGroupCommand, type WorkGroup } from '@aws-sdk/client-athena';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseBudget } from '../../lib/budgets/budget.js';
import type { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import type { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import {
  messageForProtocol,
  type SnsStandIn,
  startSnsStandIn,
} from '../../local/stand-ins/sns-stand-in.js';
import * as scenario from '../support/budget-scenario.js';
import { aQueryExecution } from '../support/factories.js';
import {
  eventsFor,
  type IngestHarness,
  lambdaContext,
  startIngestHarness,
} from '../support/ingest-harness.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:athena-cost-test-alerts';
const NOON = new Date('2026-11-25T12:00:00Z');
let harness: IngestHarness;
let sns: SnsStandIn;
let restore: scenario.RestoreHandler;
let budgets: DynamoDbBudgetStore;
let enforcement: DynamoDbEnforcementStore;

beforeAll(async () => {
  sns = await startSnsStandIn({ topics: [TOPIC] });
  harness = await startIngestHarness({
    BUDGET_CACHE_SECONDS: '0',
    ALERTS_TOPIC_ARN: TOPIC,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
  });
  restore = await scenario.importRestoreHandler();
  ({ budgets, enforcement } = scenario.budgetStoresOf(harness.table));
});

afterAll(async () => {
  await Promise.all([harness?.close(), sns?.close()]);
});

scenario.runEachTestAt(NOON, () => harness.athena);

/** A capacity-reservation workgroup with DPU bounds 4..64, as an operator would have set it. */
function aCapacityWorkgroup(): string {
  const name = `capacity-${randomUUID().slice(0, 8)}`;
  scenario.addCapacityWorkgroup(harness.athena.account, name, [
    { Name: 'other', Properties: { keep: 'me' } },
  ]);
  return name;
}

async function setBudget(input: Record<string, unknown>) {
  const parsed = parseBudget({
    period: 'day',
    dryRun: false,
    protected: false,
    updatedAt: NOON.toISOString(),
    ...input,
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  await budgets.put(parsed.budget);
}

/** The 10 DPU-hour daily budget of the acceptance scenario: notify 50, throttle 80 to 8 DPU, disable 100. */
const scenarioBudget = (workgroup: string, extra: Record<string, unknown> = {}) =>
  budgets.put(scenario.scenarioBudget(workgroup, NOON.toISOString(), extra));

/** A capacity workgroup whose 2 DPU-hour budget's one threshold, at 100 %, is `stop`. */
async function aWorkgroupStoppedAtTwoDpuHours(stop: 'disable' | 'disable-now'): Promise<string> {
  const workgroup = aCapacityWorkgroup();
  await setBudget({ workgroup, limitDpuHours: 2, thresholds: [{ percent: 100, action: stop }] });
  return workgroup;
}

/** The max-dpu-count of a workgroup's engine classification, the first one. */
const engineMaxDpuOf = (workgroup: WorkGroup | undefined) =>
  workgroup?.Configuration?.EngineConfiguration?.Classifications?.[0]?.Properties?.[
    'max-dpu-count'
  ];

const updatesOf = (workgroup: string) =>
  scenario.successfulUpdatesOf(harness.athena.account, workgroup);

describe('budget enforcement', () => {
  it('throttles once and disables once, in that order, fed in random batches, then restores after midnight', async () => {
    // Prepare
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    const events = scenario.oneDpuHourQueries(harness, workgroup, 12);
    // Act: batches of 1 to 4 events, as they might arrive.
    for (let start = 0, size = 1; start < events.length; start += size, size = (size % 4) + 1) {
      expect(await harness.deliver(events.slice(start, start + size))).toEqual([]);
    }
    // Assess
    const updates = updatesOf(workgroup);
    expect(updates).toHaveLength(2);
    expect(updates[0]?.input.ConfigurationUpdates?.EngineConfiguration?.Classifications).toEqual([
      {
        Name: 'athena-query-engine-properties',
        Properties: { 'max-dpu-count': '8', 'min-dpu-count': '4' },
      },
      { Name: 'other', Properties: { keep: 'me' } },
    ]);
    expect(updates[0]?.input.State).toBeUndefined();
    expect(updates[1]?.input).toMatchObject({ WorkGroup: workgroup, State: 'DISABLED' });
    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('DISABLED');
    const actions = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(actions.map((action) => [action.thresholdId, action.status]).sort()).toEqual([
      ['100:disable', 'applied'],
      ['50:notify', 'applied'],
      ['80:throttle', 'applied'],
    ]);
    expect(
      sns.messages
        .filter((message) => message.message.includes(workgroup))
        .map((m) => JSON.parse(messageForProtocol(m, 'sqs')).action),
    ).toEqual(['notify', 'throttle', 'disable']);
    expect(
      harness.cloudWatch.metrics.sum('AthenaCostMonitor', 'BudgetUsedPercent', {
        WorkGroup: workgroup,
      }),
    ).toBeGreaterThan(0);

    // Before the day ends, restore leaves it alone.
    vi.setSystemTime(new Date('2026-11-25T23:59:00Z'));
    expect(
      (await restore({} as ScheduledEvent, lambdaContext)).filter((r) => r.workgroup === workgroup),
    ).toEqual([]);

    // After midnight UTC, restore gives back the ceiling and the state, once.
    vi.setSystemTime(new Date('2026-11-26T00:30:00Z'));
    const restored = (await restore({} as ScheduledEvent, lambdaContext)).filter(
      (r) => r.workgroup === workgroup,
    );
    expect(restored).toEqual([expect.objectContaining({ outcome: 'restored', conflicts: [] })]);
    const after = harness.athena.account.getWorkGroup(workgroup);
    expect(after?.State).toBe('ENABLED');
    expect(after?.Configuration?.EngineConfiguration?.Classifications).toEqual([
      {
        Name: 'athena-query-engine-properties',
        Properties: { 'max-dpu-count': '64', 'min-dpu-count': '4' },
      },
      { Name: 'other', Properties: { keep: 'me' } },
    ]);
    expect(
      (await restore({} as ScheduledEvent, lambdaContext)).filter((r) => r.workgroup === workgroup),
    ).toEqual([]);
    expect(updatesOf(workgroup)).toHaveLength(3);

    // The new day starts fresh: 6 DPU-hours today only notify.
    const today = scenario.oneDpuHourQueries(
      harness,
      workgroup,
      6,
      new Date('2026-11-26T00:20:00Z'),
    );
    expect(await harness.deliver(today)).toEqual([]);
    expect(updatesOf(workgroup)).toHaveLength(3);
    const newDay = await enforcement.actions({ workgroup, period: 'day', periodKey: '2026-11-26' });
    expect(newDay.map((action) => action.thresholdId)).toEqual(['50:notify']);
  });

  it('applies 50, 80 and 100 % in ascending order when one batch crosses them all', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 11))).toEqual([]);

    const updates = updatesOf(workgroup);
    expect(
      updates.map((update) => (update.input.State === 'DISABLED' ? 'disable' : 'throttle')),
    ).toEqual(['throttle', 'disable']);
    const alerts = sns.messages.filter((message) => message.message.includes(workgroup));
    expect(
      alerts.map((alert) => JSON.parse(messageForProtocol(alert, 'sqs')).thresholdPercent),
    ).toEqual([50, 80, 100]);
  });

  it('stores and enforces a budget with a USD limit only', async () => {
    // Prepare: an on-demand workgroup, a 20 USD day budget and no DPU-hour limit at all.
    const workgroup = `on-demand-${randomUUID().slice(0, 8)}`;
    harness.athena.account.addWorkGroup({ Name: workgroup, Configuration: {} });
    await setBudget({
      workgroup,
      limitUsd: 20,
      throttleBytesScannedCutoff: 10 * 1024 ** 3,
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 80, action: 'throttle' },
      ],
    });
    expect((await budgets.get(workgroup))?.limitDpuHours).toBeUndefined();
    // 1 TiB each at 5 USD per TiB: 25 USD, 125 % of the limit.
    const executions = Array.from({ length: 5 }, () =>
      aQueryExecution({ workgroup, dpuCount: undefined, bytes: 1024 ** 4 }),
    );
    harness.addExecutions(executions);

    // Act
    expect(await harness.deliver(eventsFor(executions))).toEqual([]);

    // Assess
    const updates = updatesOf(workgroup);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.input.ConfigurationUpdates?.BytesScannedCutoffPerQuery).toBe(10 * 1024 ** 3);
    const actions = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(actions.map((action) => [action.thresholdId, action.status])).toEqual([
      ['50:notify', 'applied'],
      ['80:throttle', 'applied'],
    ]);
    expect(actions.find((action) => action.action === 'throttle')?.detail).toBe(
      'throttle BytesScannedCutoffPerQuery to 10.0 GiB',
    );
  });

  it('makes exactly one UpdateWorkGroup per action when concurrent invocations cross the same thresholds', async () => {
    // Prepare: 11 DPU-hours are recorded before the budget exists, so the redeliveries below all
    // reach enforcement together, none held back by writing counters.
    const workgroup = aCapacityWorkgroup();
    const events = scenario.oneDpuHourQueries(harness, workgroup, 11);
    expect(await harness.deliver(events)).toEqual([]);
    await scenarioBudget(workgroup);
    // A slow GetWorkGroup widens the window in which a second invocation could act as well.
    harness.athena.faults = { GetWorkGroup: { latencyMs: 200 } };

    // Act
    const results = await Promise.all([1, 2, 3, 4].map(() => harness.deliver(events)));

    // Assess: an invocation that found the actions being applied by another had its records
    // redelivered; the redelivery finds them applied.
    const redelivered = results.filter((failed) => failed.length > 0);
    expect(redelivered.length).toBeLessThan(4);
    for (const failed of redelivered) expect(failed).toHaveLength(events.length);
    for (const _ of redelivered) expect(await harness.deliver(events)).toEqual([]);
    const updates = updatesOf(workgroup);
    expect(updates.filter((update) => update.input.State === 'DISABLED')).toHaveLength(1);
    expect(updates.filter((update) => update.input.State === undefined)).toHaveLength(1);
    const alerts = sns.messages.filter((message) => message.message.includes(workgroup));
    expect(alerts).toHaveLength(3);
  });

  it('retries a throttled UpdateWorkGroup through redelivery without doubling it', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    const events = scenario.oneDpuHourQueries(harness, workgroup, 9);
    // More throttles than the SDK's attempts: the throttle action fails this time.
    harness.athena.failNext('UpdateWorkGroup', 4, 'ThrottlingException');

    const failed = await harness.deliver(events);

    expect(failed).toHaveLength(9);
    expect(updatesOf(workgroup)).toHaveLength(0);
    // The usage is recorded all the same, once.
    expect(await harness.counter(workgroup, 'day#2026-11-25')).toMatchObject({ queries: 9 });
    const claims = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(claims.map((claim) => claim.thresholdId)).toEqual(['50:notify']);
    const failure = sns.messages
      .filter((message) => message.message.includes(workgroup))
      .map((message) => JSON.parse(messageForProtocol(message, 'https')))
      .find((card) => card.metadata.eventType === 'athena-cost-budget-action-failed');
    expect(failure?.content.title).toContain(`could not throttle ${workgroup}`);

    // SQS redelivers the batch: the records are already counted, and the throttle now goes through.
    expect(await harness.deliver(events)).toEqual([]);
    expect(await harness.deliver(events)).toEqual([]);
    expect(updatesOf(workgroup)).toHaveLength(1);
    expect(await harness.counter(workgroup, 'day#2026-11-25')).toMatchObject({ queries: 9 });
  });

  it('calls nothing for a dry-run budget and records what it would have done', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup, { dryRun: true });
    harness.athena.resetCalls();

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 12))).toEqual([]);

    expect(harness.athena.calls.get('GetWorkGroup') ?? 0).toBe(0);
    expect(harness.athena.calls.get('UpdateWorkGroup') ?? 0).toBe(0);
    const actions = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(
      Object.fromEntries(
        actions.map((action) => [action.thresholdId, [action.status, action.detail]]),
      ),
    ).toEqual({
      '50:notify': ['applied', 'notified'],
      '80:throttle': ['dry-run', 'would throttle max-dpu-count to 8'],
      '100:disable': ['dry-run', 'would disable the workgroup'],
    });
  });

  it('only notifies for a protected budget', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup, { protected: true });

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 12))).toEqual([]);

    expect(updatesOf(workgroup)).toHaveLength(0);
    const actions = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(actions.map((action) => action.action)).toEqual(['notify', 'notify', 'notify']);
  });

  it('leaves a manually changed setting alone at restore, reports it, and restores the rest', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 12))).toEqual([]);
    // An operator raises the ceiling by hand while the workgroup is throttled and disabled.
    const athena = new AthenaClient({ endpoint: harness.athena.endpoint });
    await athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: workgroup,
        ConfigurationUpdates: {
          EngineConfiguration: {
            Classifications: [
              {
                Name: 'athena-query-engine-properties',
                Properties: { 'max-dpu-count': '16', 'min-dpu-count': '4' },
              },
              { Name: 'other', Properties: { keep: 'me' } },
            ],
          },
        },
      }),
    );

    vi.setSystemTime(new Date('2026-11-26T01:00:00Z'));
    const results = (await restore({} as ScheduledEvent, lambdaContext)).filter(
      (r) => r.workgroup === workgroup,
    );

    expect(results).toHaveLength(1);
    expect(results[0]?.conflicts).toEqual([expect.stringContaining('max-dpu-count')]);
    const after = harness.athena.account.getWorkGroup(workgroup);
    expect(after?.State).toBe('ENABLED');
    expect(engineMaxDpuOf(after)).toBe('16');
  });

  it('stops running and queued queries for disable-now', async () => {
    const workgroup = await aWorkgroupStoppedAtTwoDpuHours('disable-now');
    const running = [
      aQueryExecution({ workgroup, state: 'RUNNING' }),
      aQueryExecution({ workgroup, state: 'QUEUED' }),
    ];
    harness.addExecutions(running);

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 2))).toEqual([]);

    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('DISABLED');
    expect(
      harness.athena.account.stopQueryExecutionCalls.map((call) => call.queryExecutionId).sort(),
    ).toEqual(running.map((execution) => execution.QueryExecutionId).sort());
    const [action] = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(action?.detail).toContain('stopped 2 running or queued queries');
  });

  it('keeps the action when the alert cannot be sent', async () => {
    const workgroup = await aWorkgroupStoppedAtTwoDpuHours('disable');
    sns.failNext('Publish', 10, 'InternalError');

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 2))).toEqual([]);

    expect(updatesOf(workgroup)).toHaveLength(1);
    expect((await enforcement.actions(scenario.scenarioDayKey(workgroup)))[0]?.status).toBe(
      'applied',
    );
  });
});

const alertActionsOf = (workgroup: string) =>
  sns.messages
    .filter((message) => message.message.includes(workgroup))
    .map(
      (message) =>
        JSON.parse(messageForProtocol(message, 'sqs')) as { kind: string; action?: string },
    );

describe('--enforce-workgroup-config', () => {
  it('sets EnforceWorkGroupConfiguration in the throttle update and restore gives it back', async () => {
    // Prepare
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup, { enforceWorkgroupConfiguration: true });

    // Act: 8 DPU-hours, 80 %: the throttle.
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 8))).toEqual([]);

    // Assess: one update, carrying both the ceiling and the flag.
    const [throttle, ...others] = updatesOf(workgroup);
    expect(others).toEqual([]);
    expect(throttle?.input.ConfigurationUpdates?.EnforceWorkGroupConfiguration).toBe(true);
    expect(throttle?.input.ConfigurationUpdates?.EngineConfiguration?.Classifications?.[0]).toEqual(
      {
        Name: 'athena-query-engine-properties',
        Properties: { 'max-dpu-count': '8', 'min-dpu-count': '4' },
      },
    );
    expect(
      harness.athena.account.getWorkGroup(workgroup)?.Configuration?.EnforceWorkGroupConfiguration,
    ).toBe(true);

    // After midnight, restore gives back the ceiling and the flag.
    vi.setSystemTime(new Date('2026-11-26T00:01:00Z'));
    const restored = (await restore({} as ScheduledEvent, lambdaContext)).filter(
      (result) => result.workgroup === workgroup,
    );
    expect(restored).toEqual([expect.objectContaining({ outcome: 'restored', conflicts: [] })]);
    const after = harness.athena.account.getWorkGroup(workgroup)?.Configuration;
    expect(after?.EnforceWorkGroupConfiguration).toBe(false);
    expect(after?.EngineConfiguration?.Classifications?.[0]?.Properties).toEqual({
      'max-dpu-count': '64',
      'min-dpu-count': '4',
    });
  });

  it('leaves the flag alone without the option', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 8))).toEqual([]);

    const [throttle] = updatesOf(workgroup);
    expect(throttle?.input.ConfigurationUpdates?.EnforceWorkGroupConfiguration).toBeUndefined();
    expect(
      harness.athena.account.getWorkGroup(workgroup)?.Configuration?.EnforceWorkGroupConfiguration,
    ).toBe(false);
  });
});

describe('budget pause and resume', () => {
  it('a paused budget notifies but takes no action; once resumed, the actions apply', async () => {
    // Prepare
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    await budgets.pause(workgroup, NOON, undefined);

    // Act: 11 DPU-hours, 110 % while paused.
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 11))).toEqual([]);

    // Assess: notified, nothing changed, nothing claimed but the notification.
    expect(updatesOf(workgroup)).toEqual([]);
    expect(alertActionsOf(workgroup).map((alert) => alert.action)).toEqual(['notify']);
    const key = { workgroup, period: 'day' as const, periodKey: '2026-11-25' };
    expect((await enforcement.actions(key)).map((action) => action.thresholdId)).toEqual([
      '50:notify',
    ]);

    // Act: resume, then one more query.
    vi.setSystemTime(new Date('2026-11-25T12:10:00Z'));
    await budgets.resume(workgroup, new Date());
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);

    // Assess: throttled, then disabled, once each.
    expect(updatesOf(workgroup).map((call) => call.input.State ?? 'throttle')).toEqual([
      'throttle',
      'DISABLED',
    ]);
    expect(alertActionsOf(workgroup).map((alert) => alert.action)).toEqual([
      'notify',
      'throttle',
      'disable',
    ]);
  });

  it('a pause with an end takes no action before it and acts after it', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    await budgets.pause(workgroup, NOON, new Date('2026-11-25T13:00:00Z'));

    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 9))).toEqual([]);
    expect(updatesOf(workgroup)).toEqual([]);

    vi.setSystemTime(new Date('2026-11-25T13:00:00Z'));
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);
    // 10 DPU-hours: the throttle and the disable both apply at the first batch after the pause.
    expect(updatesOf(workgroup).map((call) => call.input.State ?? 'throttle')).toEqual([
      'throttle',
      'DISABLED',
    ]);
  });
});

/** Queries of 64 DPUs for 6 s (0.1 DPU-hour each), finished at `completedAt`: above a throttle to 8. */
function queriesAbove(workgroup: string, count: number, completedAt: Date) {
  const executions = Array.from({ length: count }, () =>
    aQueryExecution({ workgroup, dpuCount: 64, engineMs: 6_000, completedAt }),
  );
  harness.addExecutions(executions);
  return {
    ids: executions.map((execution) => execution.QueryExecutionId),
    events: eventsFor(executions),
  };
}

const alertsOf = (workgroup: string) =>
  sns.messages
    .map((message) => JSON.parse(messageForProtocol(message, 'sqs')) as Record<string, unknown>)
    .filter((alert) => alert.workgroup === workgroup);

const minutesAfterNoon = (minutes: number) => new Date(NOON.getTime() + minutes * 60_000);

describe('throttle bypasses', () => {
  it('counts each query above the throttled ceiling once, under concurrent batches and redelivery, and alerts once', async () => {
    // Prepare: throttled at noon.
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 8))).toEqual([]);
    vi.setSystemTime(minutesAfterNoon(20));
    const above = queriesAbove(workgroup, 3, minutesAfterNoon(15));
    const within = scenario.oneDpuHourQueries(harness, workgroup, 1, minutesAfterNoon(15));
    const before = queriesAbove(workgroup, 1, new Date('2026-11-25T11:59:59Z'));

    // Act: two overlapping batches at once, then all of it again.
    const results = await Promise.all([
      harness.deliver([...above.events.slice(0, 2), ...before.events]),
      harness.deliver([...above.events.slice(1), ...within]),
    ]);
    expect(results.flat()).toEqual([]);
    expect(await harness.deliver([...above.events, ...within, ...before.events])).toEqual([]);

    // Assess
    expect(await enforcement.bypassCount(scenario.scenarioDayKey(workgroup))).toBe(3);
    expect(
      harness.cloudWatch.metrics.sum('AthenaCostMonitor', 'ThrottleBypassedQueries', {
        WorkGroup: workgroup,
      }),
    ).toBe(3);
    const bypassAlerts = alertsOf(workgroup).filter((alert) => alert.kind === 'throttle-bypass');
    expect(bypassAlerts).toHaveLength(1);
    expect(bypassAlerts[0]).toMatchObject({ ceiling: 8 });
    const named = (
      (bypassAlerts[0]?.queries ?? []) as { queryExecutionId: string; dpuCount: number }[]
    ).map((query) => query.queryExecutionId);
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((id) => above.ids.includes(id))).toBe(true);
    // notify: the default; the workgroup is left enabled.
    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('ENABLED');
  });

  it('counts nothing once the throttle enforces the workgroup configuration', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup, { enforceWorkgroupConfiguration: true });
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 8))).toEqual([]);
    vi.setSystemTime(minutesAfterNoon(20));
    // What Athena would report under the enforced ceiling: 8 DPUs, however the client asked.
    expect(
      await harness.deliver(
        scenario.oneDpuHourQueries(harness, workgroup, 1, minutesAfterNoon(15)),
      ),
    ).toEqual([]);

    expect(await enforcement.bypassCount(scenario.scenarioDayKey(workgroup))).toBe(0);
    expect(alertsOf(workgroup).filter((alert) => alert.kind === 'throttle-bypass')).toEqual([]);
  });

  it('--on-bypass disable disables the workgroup at the first bypass, once', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup, { onBypass: 'disable' });
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 8))).toEqual([]);
    vi.setSystemTime(minutesAfterNoon(20));

    expect(await harness.deliver(queriesAbove(workgroup, 1, minutesAfterNoon(15)).events)).toEqual(
      [],
    );
    vi.setSystemTime(minutesAfterNoon(30));
    expect(await harness.deliver(queriesAbove(workgroup, 2, minutesAfterNoon(25)).events)).toEqual(
      [],
    );

    expect(updatesOf(workgroup).map((call) => call.input.State ?? 'throttle')).toEqual([
      'throttle',
      'DISABLED',
    ]);
    const actions = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(actions.find((action) => action.thresholdId === 'bypass:disable')).toMatchObject({
      action: 'disable',
      status: 'applied',
    });
    expect(await enforcement.bypassCount(scenario.scenarioDayKey(workgroup))).toBe(3);
  });
});

describe('a disable that stays', () => {
  const reEnableByHand = (workgroup: string) =>
    harness.athena.account.updateWorkGroup({ WorkGroup: workgroup, State: 'ENABLED' });
  const enforcerStates = (workgroup: string) =>
    updatesOf(workgroup)
      .map((call) => call.input.State ?? 'throttle')
      .filter((state) => state !== 'ENABLED');

  it('disables again, once per re-enable, a workgroup re-enabled by hand while over budget', async () => {
    // Prepare: throttled and disabled at noon.
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 10))).toEqual([]);
    expect(enforcerStates(workgroup)).toEqual(['throttle', 'DISABLED']);

    // Act: re-enabled by hand; the next batch a minute later finds it.
    reEnableByHand(workgroup);
    vi.setSystemTime(minutesAfterNoon(2));
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);
    // Assess
    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('DISABLED');
    expect(enforcerStates(workgroup)).toEqual(['throttle', 'DISABLED', 'DISABLED']);
    const alerts = alertsOf(workgroup).filter((alert) => alert.kind === 'budget-action');
    expect(alerts.at(-1)?.detail).toContain('re-enabled by hand while over budget; disabled again');

    // Not a loop: batches after it change nothing while it stays disabled.
    for (const minutes of [3, 5, 7]) {
      vi.setSystemTime(minutesAfterNoon(minutes));
      expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);
    }
    expect(enforcerStates(workgroup)).toHaveLength(3);

    // A second re-enable: a second re-disable.
    reEnableByHand(workgroup);
    vi.setSystemTime(minutesAfterNoon(9));
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);
    expect(enforcerStates(workgroup)).toEqual(['throttle', 'DISABLED', 'DISABLED', 'DISABLED']);
  });

  it('throttles again when the ceiling was raised by hand while over the throttle', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 8))).toEqual([]);
    harness.athena.account.updateWorkGroup({
      WorkGroup: workgroup,
      ConfigurationUpdates: {
        EngineConfiguration: {
          Classifications: [
            {
              Name: 'athena-query-engine-properties',
              Properties: { 'max-dpu-count': '64', 'min-dpu-count': '4' },
            },
          ],
        },
      },
    });

    vi.setSystemTime(minutesAfterNoon(2));
    expect(
      await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1, minutesAfterNoon(1))),
    ).toEqual([]);

    const classifications =
      harness.athena.account.getWorkGroup(workgroup)?.Configuration?.EngineConfiguration
        ?.Classifications;
    expect(classifications?.[0]?.Properties?.['max-dpu-count']).toBe('8');
    expect(updatesOf(workgroup)).toHaveLength(3);
  });

  it('leaves a re-enabled workgroup running while its budget is paused', async () => {
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 10))).toEqual([]);
    await budgets.pause(workgroup, minutesAfterNoon(1), undefined);
    reEnableByHand(workgroup);

    vi.setSystemTime(minutesAfterNoon(2));
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);

    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('ENABLED');
    expect(enforcerStates(workgroup)).toEqual(['throttle', 'DISABLED']);
  });

  it('releases the actions of thresholds a raised limit no longer crosses; they apply again later', async () => {
    // Prepare: 10 of 10 DPU-hours: throttled and disabled.
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 10))).toEqual([]);

    // Act: the limit raised to 20, the workgroup re-enabled by hand.
    vi.setSystemTime(minutesAfterNoon(5));
    await budgets.put(
      scenario.scenarioBudget(workgroup, new Date().toISOString(), { limitDpuHours: 20 }),
    );
    reEnableByHand(workgroup);
    vi.setSystemTime(minutesAfterNoon(7));
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);

    // Assess: 55 %: the throttle and the disable are released, the notification kept.
    const key = scenario.scenarioDayKey(workgroup);
    expect((await enforcement.actions(key)).map((action) => action.thresholdId)).toEqual([
      '50:notify',
    ]);
    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('ENABLED');

    // Later, 85 %: the throttle applies again.
    vi.setSystemTime(minutesAfterNoon(9));
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 6))).toEqual([]);
    expect((await enforcement.actions(key)).map((action) => action.thresholdId).sort()).toEqual([
      '50:notify',
      '80:throttle',
    ]);
    expect(alertsOf(workgroup).filter((alert) => alert.action === 'throttle')).toHaveLength(2);
  });
});

describe('a new period starts clean', () => {
  it("gives back the ended period's changes before the new period's first action, whatever restore's schedule", async () => {
    // Prepare: yesterday's budget throttled and disabled the workgroup; restore has not run yet.
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    expect(await harness.deliver(scenario.oneDpuHourQueries(harness, workgroup, 10))).toEqual([]);
    expect(harness.athena.account.getWorkGroup(workgroup)?.State).toBe('DISABLED');

    // Act: half a minute into the next day, today's queries already cross today's throttle.
    vi.setSystemTime(new Date('2026-11-26T00:00:30Z'));
    const today = scenario.oneDpuHourQueries(
      harness,
      workgroup,
      8,
      new Date('2026-11-26T00:00:10Z'),
    );
    expect(await harness.deliver(today)).toEqual([]);

    // Assess: enabled again, throttled for today, and today's snapshot is the workgroup's own.
    const after = harness.athena.account.getWorkGroup(workgroup);
    expect(after?.State).toBe('ENABLED');
    expect(engineMaxDpuOf(after)).toBe('8');
    const states = await enforcement.activeStates();
    const todays = states.find(
      (state) => state.workgroup === workgroup && state.periodKey === '2026-11-26',
    );
    expect(todays?.snapshot?.state).toBe('ENABLED');
    expect(engineMaxOf(todays?.snapshot)).toBe('64');
    expect(
      states.some((state) => state.workgroup === workgroup && state.periodKey === '2026-11-25'),
    ).toBe(false);
  });
});

function engineMaxOf(
  settings:
    | {
        classifications:
          | readonly { name: string; properties: Readonly<Record<string, string>> }[]
          | undefined;
      }
    | undefined,
) {
  return settings?.classifications?.find((c) => c.name === 'athena-query-engine-properties')
    ?.properties['max-dpu-count'];
}
