import { describe, expect, it } from 'vitest';
import {
  budgetStatusOf,
  currentPeriodOf,
  thresholdPercentOf,
} from '../../lib/budgets/budget-status.js';
import type { ActionRecord } from '../../lib/store/enforcement-store.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { aBudget } from '../support/factories.js';

const HOUR_MS = 3_600_000;
const NOON = new Date('2026-11-25T12:00:00Z');

const totals = (values: Partial<UsageTotals>): UsageTotals => ({ ...ZERO_TOTALS, ...values });

const anAction = (overrides: Partial<ActionRecord>): ActionRecord => ({
  thresholdId: '50:notify',
  action: 'notify',
  status: 'applied',
  claimedAt: '2026-11-25T09:00:00.000Z',
  completedAt: '2026-11-25T09:00:01.000Z',
  detail: 'notified',
  ...overrides,
});

describe('budgetStatusOf', () => {
  it('gives usage, actions and a forecast for the current period', () => {
    // 6 DPU-hours by noon: 0.5 an hour, 12 by midnight, the 10 reached at 16:00.
    const status = budgetStatusOf({
      budget: aBudget(),
      totals: totals({ queries: 3, dpuMillis: 6 * HOUR_MS, costNanoUsd: 1_800_000_000 }),
      actions: [
        anAction({
          thresholdId: '80:throttle',
          action: 'throttle',
          claimedAt: '2026-11-25T11:00:00.000Z',
          completedAt: '2026-11-25T11:00:02.000Z',
          detail: 'throttle max-dpu-count to 8',
        }),
        anAction({}),
      ],
      bypassedQueries: 0,
      at: NOON,
    });

    expect(status).toEqual({
      workgroup: 'analytics',
      period: 'day',
      periodKey: '2026-11-25',
      limitDpuHours: 10,
      usedDpuHours: 6,
      limitUsd: null,
      usedUsd: null,
      limitBytes: null,
      usedBytes: null,
      usedPercent: 60,
      bindingLimit: 'dpuHours',
      bindingLimitValue: 10,
      dryRun: false,
      protected: false,
      pause: null,
      bypassedQueries: 0,
      actions: [
        {
          threshold: 50,
          action: 'notify',
          status: 'applied',
          at: '2026-11-25T09:00:01.000Z',
          detail: 'notified',
        },
        {
          threshold: 80,
          action: 'throttle',
          status: 'applied',
          at: '2026-11-25T11:00:02.000Z',
          detail: 'throttle max-dpu-count to 8',
        },
      ],
      forecast: {
        projectedDpuHours: 12,
        projected: { unit: 'dpuHours', value: 12 },
        projectedPercent: 120,
        limitCrossed: false,
        limitReachedAt: '2026-11-25T20:00:00.000Z',
        burnRateDpuHoursPerHour: 0.5,
        extrapolated: true,
        periodEnd: '2026-11-26T00:00:00.000Z',
      },
    });
  });

  it('shows USD and bytes where the budget limits them, and which limit binds', () => {
    const status = budgetStatusOf({
      budget: aBudget({ limitUsd: 2, limitBytes: 1_000_000 }),
      totals: totals({ dpuMillis: HOUR_MS, costNanoUsd: 1_500_000_000, dataScannedBytes: 250_000 }),
      actions: [],
      bypassedQueries: 0,
      at: NOON,
    });

    expect(status).toMatchObject({
      usedDpuHours: 1,
      limitUsd: 2,
      usedUsd: 1.5,
      limitBytes: 1_000_000,
      usedBytes: 250_000,
      usedPercent: 75,
      bindingLimit: 'usd',
    });
    // The forecast is of the binding limit: 1.5 USD by noon, 3 by midnight, the 2 reached at 16:00.
    expect(status.forecast).toMatchObject({
      projectedDpuHours: 2,
      projected: { unit: 'usd', value: 3 },
      projectedPercent: 150,
      limitCrossed: false,
      limitReachedAt: '2026-11-25T16:00:00.000Z',
    });
  });

  it('has no crossing in sight without usage, and dates a crossed limit by its action', () => {
    const idle = budgetStatusOf({
      budget: aBudget(),
      totals: ZERO_TOTALS,
      actions: [],
      bypassedQueries: 0,
      at: NOON,
    });
    expect(idle.forecast).toMatchObject({
      projectedDpuHours: 0,
      projectedPercent: 0,
      limitReachedAt: null,
    });

    const over = budgetStatusOf({
      budget: aBudget(),
      totals: totals({ dpuMillis: 11 * HOUR_MS }),
      actions: [],
      bypassedQueries: 0,
      at: NOON,
    });
    expect(over.usedPercent).toBe(110);
    expect(over.forecast).toMatchObject({ limitCrossed: true, limitReachedAt: null });

    const crossed = budgetStatusOf({
      budget: aBudget(),
      totals: totals({ dpuMillis: 11 * HOUR_MS }),
      actions: [
        anAction({
          thresholdId: '120:disable',
          action: 'disable',
          completedAt: '2026-11-25T11:30:00.000Z',
        }),
        anAction({ thresholdId: '100:notify', completedAt: '2026-11-25T10:15:00.000Z' }),
      ],
      at: NOON,
    });
    expect(crossed.forecast.limitReachedAt).toBe('2026-11-25T10:15:00.000Z');
  });

  it('projects no further use once the enforcer disabled the workgroup', () => {
    // 108 % of a 39 USD day budget at 03:00, disabled at 02:50: it stays at 108 %.
    const status = budgetStatusOf({
      budget: aBudget({ limitDpuHours: undefined, limitUsd: 39 }),
      totals: totals({ costNanoUsd: 42_180_000_000 }),
      actions: [
        anAction({
          thresholdId: '100:disable',
          action: 'disable',
          completedAt: '2026-11-25T02:50:00.000Z',
        }),
      ],
      at: new Date('2026-11-25T03:00:00Z'),
    });
    expect(status).toMatchObject({
      limitDpuHours: null,
      bindingLimit: 'usd',
      bindingLimitValue: 39,
      usedPercent: 108.15,
    });
    expect(status.forecast).toMatchObject({
      projected: { unit: 'usd', value: 42.18 },
      projectedPercent: 108.15,
      extrapolated: false,
      burnRateDpuHoursPerHour: 0,
      limitCrossed: true,
      limitReachedAt: '2026-11-25T02:50:00.000Z',
    });
  });

  it('rounds percents to the hundredth', () => {
    const status = budgetStatusOf({
      budget: aBudget({ limitDpuHours: 3 }),
      totals: totals({ dpuMillis: HOUR_MS }),
      actions: [],
      bypassedQueries: 0,
      at: NOON,
    });
    expect(status.usedPercent).toBe(33.33);
    expect(status.forecast.projectedPercent).toBe(66.67);
  });

  it('uses the week and month keys of the budget period', () => {
    const week = budgetStatusOf({
      budget: aBudget({ period: 'week' }),
      totals: ZERO_TOTALS,
      actions: [],
      bypassedQueries: 0,
      at: NOON,
    });
    expect(week.periodKey).toBe('2026-W48');
    expect(week.forecast.periodEnd).toBe('2026-11-30T00:00:00.000Z');
    expect(currentPeriodOf(aBudget({ period: 'month' }), NOON)).toEqual({
      workgroup: 'analytics',
      period: 'month',
      periodKey: '2026-11',
    });
  });

  it('shows a claimed action at its claim time, and orders by threshold then severity', () => {
    const status = budgetStatusOf({
      budget: aBudget({ protected: true }),
      totals: ZERO_TOTALS,
      actions: [
        anAction({
          thresholdId: '100:disable',
          action: 'notify',
          status: 'claimed',
          completedAt: undefined,
          detail: undefined,
          claimedAt: '2026-11-25T11:59:00.000Z',
        }),
        anAction({ thresholdId: '80:throttle', action: 'notify' }),
        anAction({ thresholdId: '80:notify', action: 'notify' }),
      ],
      bypassedQueries: 0,
      at: NOON,
    });
    expect(status.protected).toBe(true);
    expect(
      status.actions.map((action) => [action.threshold, action.status, action.at, action.detail]),
    ).toEqual([
      [80, 'applied', '2026-11-25T09:00:01.000Z', 'notified'],
      [80, 'applied', '2026-11-25T09:00:01.000Z', 'notified'],
      [100, 'claimed', '2026-11-25T11:59:00.000Z', null],
    ]);
  });
});

describe('thresholdPercentOf', () => {
  it.each([
    ['80:throttle', 80],
    ['87.5:notify', 87.5],
    ['garbled', null],
    [':notify', null],
  ])('reads the percent of the threshold id %j: %s', (thresholdId, percent) => {
    expect(thresholdPercentOf(thresholdId)).toBe(percent);
  });
});
