import { describe, expect, it } from 'vitest';
import {
  actionsInForce,
  BYPASS_DISABLE_ID,
  bypassesOf,
  describeBypasses,
  reappliedId,
  releasableActions,
  throttleInForceOf,
  undoneActions,
} from '../../lib/budgets/enforcement-holds.js';
import type { WorkgroupSettings } from '../../lib/budgets/workgroup-settings.js';
import { deriveQueryUsage } from '../../lib/usage/query-usage.js';
import { aBudget, anActionRecord, aQueryExecution } from '../support/factories.js';

const PRICING = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const KEY = { workgroup: 'analytics', period: 'day' as const, periodKey: '2026-11-25' };
const AT = new Date('2026-11-25T15:00:00Z');

const anAction = anActionRecord;

const THROTTLED = anAction({});
const DISABLED = anAction({
  thresholdId: '100:disable',
  action: 'disable',
  completedAt: '2026-11-25T12:00:00.000Z',
});

function usageOf(dpuCount: number, completedAt: string, workgroup = 'analytics') {
  const derived = deriveQueryUsage(
    aQueryExecution({ workgroup, dpuCount, engineMs: 60_000, completedAt: new Date(completedAt) }),
    PRICING,
  );
  if (!derived.ok) throw new Error(derived.reason);
  return derived.usage;
}

const settings = (overrides: Partial<WorkgroupSettings>): WorkgroupSettings => ({
  state: 'ENABLED',
  classifications: [
    { name: 'athena-query-engine-properties', properties: { 'max-dpu-count': '8' } },
  ],
  bytesScannedCutoffPerQuery: undefined,
  ...overrides,
});

describe('throttle bypasses', () => {
  it('knows the throttle in force from an applied throttle record only', () => {
    const budget = aBudget();
    expect(throttleInForceOf(budget, [THROTTLED])).toEqual({
      since: '2026-11-25T10:00:01.000Z',
      ceiling: 8,
      thresholdPercent: 80,
    });
    expect(throttleInForceOf(budget, [anAction({ status: 'dry-run' })])).toBeUndefined();
    expect(throttleInForceOf(budget, [anAction({ action: 'notify' })])).toBeUndefined();
    expect(throttleInForceOf(aBudget({ throttleMaxDpu: undefined }), [THROTTLED])).toBeUndefined();
  });

  it('counts queries submitted after the throttle above its ceiling, of this workgroup and period', () => {
    const throttle = { since: '2026-11-25T10:00:01.000Z', ceiling: 8, thresholdPercent: 80 };
    const above = usageOf(64, '2026-11-25T11:00:00Z');
    const usages = [
      above,
      usageOf(8, '2026-11-25T11:00:00Z'),
      // Submitted a minute before it finished, before the throttle.
      usageOf(64, '2026-11-25T10:00:30Z'),
      usageOf(64, '2026-11-25T11:00:00Z', 'other'),
      usageOf(64, '2026-11-26T00:30:00Z'),
    ];

    expect(bypassesOf(KEY, throttle, usages)).toEqual([
      { queryExecutionId: above.queryExecutionId, dpuCount: 64, submittedAt: above.submittedAt },
    ]);
  });

  it('names at most five queries in the alert', () => {
    const bypasses = Array.from({ length: 7 }, (_, index) => ({
      queryExecutionId: `q${index}`,
      dpuCount: 64,
      submittedAt: '2026-11-25T11:00:00Z',
    }));

    const text = describeBypasses(bypasses, {
      since: '2026-11-25T10:00:01.000Z',
      ceiling: 8,
      thresholdPercent: 80,
    });

    expect(text).toContain('7 queries ran above the throttled max-dpu-count 8');
    expect(text).toContain(
      'q0 (64 DPU), q1 (64 DPU), q2 (64 DPU), q3 (64 DPU), q4 (64 DPU), and 2 more',
    );
  });
});

describe('actions undone by hand', () => {
  const budget = aBudget({ updatedAt: '2026-11-25T09:00:00.000Z' });

  it('keeps a disable owed while usage is over its threshold', () => {
    expect(actionsInForce(budget, [THROTTLED, DISABLED], 105, AT)).toEqual([THROTTLED, DISABLED]);
    expect(actionsInForce(budget, [THROTTLED, DISABLED], 90, AT)).toEqual([THROTTLED]);
  });

  it('owes nothing once the budget was set again or paused after the action', () => {
    const changed = aBudget({ updatedAt: '2026-11-25T13:00:00.000Z' });
    expect(actionsInForce(changed, [THROTTLED, DISABLED], 105, AT)).toEqual([]);
    const pausedThenResumed = aBudget({
      updatedAt: '2026-11-25T09:00:00.000Z',
      pausedAt: '2026-11-25T12:30:00.000Z',
      resumedAt: '2026-11-25T12:40:00.000Z',
    });
    expect(actionsInForce(pausedThenResumed, [THROTTLED, DISABLED], 105, AT)).toEqual([]);
    expect(actionsInForce({ ...budget, dryRun: true }, [DISABLED], 105, AT)).toEqual([]);
  });

  it('keeps a bypass disable owed only while the budget disables on bypass', () => {
    const bypassDisable = anAction({ thresholdId: BYPASS_DISABLE_ID, action: 'disable' });
    expect(actionsInForce({ ...budget, onBypass: 'disable' }, [bypassDisable], 10, AT)).toEqual([
      bypassDisable,
    ]);
    expect(actionsInForce(budget, [bypassDisable], 10, AT)).toEqual([]);
  });

  it('finds a re-enabled workgroup and a raised ceiling', () => {
    expect(undoneActions(budget, [THROTTLED, DISABLED], settings({ state: 'DISABLED' }))).toEqual(
      [],
    );
    expect(undoneActions(budget, [THROTTLED, DISABLED], settings({}))).toEqual([
      { action: 'disable', record: DISABLED },
    ]);
    const raised = settings({
      state: 'DISABLED',
      classifications: [
        { name: 'athena-query-engine-properties', properties: { 'max-dpu-count': '64' } },
      ],
    });
    expect(undoneActions(budget, [THROTTLED, DISABLED], raised)).toEqual([
      { action: 'throttle', record: THROTTLED },
    ]);
  });

  it('names an action applied again after its threshold, with the time', () => {
    expect(reappliedId(DISABLED, AT)).toBe('100:disable@2026-11-25T15:00:00.000Z');
    expect(reappliedId(anAction({ thresholdId: reappliedId(DISABLED, AT) }), AT)).toBe(
      '100:disable@2026-11-25T15:00:00.000Z',
    );
  });
});

describe('releasing actions when the budget is set again', () => {
  it('releases the actions of thresholds no longer crossed under the new limit', () => {
    const raised = aBudget({ updatedAt: '2026-11-25T13:00:00.000Z' });
    const notified = anAction({ thresholdId: '50:notify', action: 'notify' });

    expect(releasableActions(raised, [notified, THROTTLED, DISABLED], 60)).toEqual([
      THROTTLED,
      DISABLED,
    ]);
  });

  it('keeps actions taken after the change, and bypass records', () => {
    const budget = aBudget({ updatedAt: '2026-11-25T11:00:00.000Z' });
    const bypass = anAction({ thresholdId: BYPASS_DISABLE_ID, action: 'disable' });

    expect(releasableActions(budget, [THROTTLED, DISABLED, bypass], 10)).toEqual([THROTTLED]);
  });
});
