import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RestoreResult } from '../../lib/budgets/restore-workgroups.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { type SnsStandIn, startSnsStandIn } from '../../local/stand-ins/sns-stand-in.js';
import { budgetScenarios } from '../support/budget-scenarios.js';
import {
  type IngestHarness,
  lambdaContext,
  startIngestHarness,
} from '../support/ingest-harness.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:athena-cost-test-alerts';
const NOON = new Date('2026-11-25T12:00:00Z');
const MORNING = new Date('2026-11-25T11:00:00Z');
let harness: IngestHarness;
let sns: SnsStandIn;
let restore: (event: ScheduledEvent, context: typeof lambdaContext) => Promise<RestoreResult[]>;
let budgets: DynamoDbBudgetStore;
let enforcement: DynamoDbEnforcementStore;
let scenarios: ReturnType<typeof budgetScenarios>;

beforeAll(async () => {
  sns = await startSnsStandIn({ topics: [TOPIC] });
  harness = await startIngestHarness({
    BUDGET_CACHE_SECONDS: '0',
    ALERTS_TOPIC_ARN: TOPIC,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
  });
  ({ handler: restore } = (await import('../../functions/restore.js')) as unknown as {
    handler: typeof restore;
  });
  budgets = new DynamoDbBudgetStore(harness.table.documents, harness.table.name);
  enforcement = new DynamoDbEnforcementStore(harness.table.documents, harness.table.name);
  scenarios = budgetScenarios(harness, budgets, () => new Date());
});

afterAll(async () => {
  await Promise.all([harness?.close(), sns?.close()]);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOON);
});

afterEach(() => {
  vi.useRealTimers();
});

const alertActionsOf = (workgroup: string) =>
  sns.messages
    .filter((message) => message.message.includes(workgroup))
    .map((message) => JSON.parse(message.message) as { kind: string; action?: string });

describe('--enforce-workgroup-config', () => {
  it('sets EnforceWorkGroupConfiguration in the throttle update and restore gives it back', async () => {
    // Prepare
    const { aCapacityWorkgroup, scenarioBudget, oneDpuHourQueries, updatesOf } = scenarios;
    const workgroup = aCapacityWorkgroup({ enforce: false });
    await scenarioBudget(workgroup, { enforceWorkgroupConfiguration: true });

    // Act: 8 DPU-hours, 80 %: the throttle.
    expect(await harness.deliver(oneDpuHourQueries(workgroup, 8, MORNING))).toEqual([]);

    // Assess: one update, carrying both the ceiling and the flag.
    const [throttle, ...others] = updatesOf(workgroup);
    expect(others).toEqual([]);
    expect(throttle?.input.ConfigurationUpdates).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      EngineConfiguration: {
        Classifications: [
          {
            Name: 'athena-query-engine-properties',
            Properties: { 'max-dpu-count': '8', 'min-dpu-count': '4' },
          },
        ],
      },
    });
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
    const { aCapacityWorkgroup, scenarioBudget, oneDpuHourQueries, updatesOf } = scenarios;
    const workgroup = aCapacityWorkgroup({ enforce: false });
    await scenarioBudget(workgroup);

    expect(await harness.deliver(oneDpuHourQueries(workgroup, 8, MORNING))).toEqual([]);

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
    const { aCapacityWorkgroup, scenarioBudget, oneDpuHourQueries, updatesOf } = scenarios;
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    await budgets.pause(workgroup, NOON, undefined);

    // Act: 11 DPU-hours, 110 % while paused.
    expect(await harness.deliver(oneDpuHourQueries(workgroup, 11, MORNING))).toEqual([]);

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
    expect(await harness.deliver(oneDpuHourQueries(workgroup, 1, MORNING))).toEqual([]);

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
    const { aCapacityWorkgroup, scenarioBudget, oneDpuHourQueries, updatesOf } = scenarios;
    const workgroup = aCapacityWorkgroup();
    await scenarioBudget(workgroup);
    await budgets.pause(workgroup, NOON, new Date('2026-11-25T13:00:00Z'));

    expect(await harness.deliver(oneDpuHourQueries(workgroup, 9, MORNING))).toEqual([]);
    expect(updatesOf(workgroup)).toEqual([]);

    vi.setSystemTime(new Date('2026-11-25T13:00:00Z'));
    expect(await harness.deliver(oneDpuHourQueries(workgroup, 1, MORNING))).toEqual([]);
    // 10 DPU-hours: the throttle and the disable both apply at the first batch after the pause.
    expect(updatesOf(workgroup).map((call) => call.input.State ?? 'throttle')).toEqual([
      'throttle',
      'DISABLED',
    ]);
  });
});
