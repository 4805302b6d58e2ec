import { describe, expect, it } from 'vitest';
import { type Budget, effectiveAction, type Threshold } from '../../lib/budgets/budget.js';
import { budgetUsageOf, usedPercentOf } from '../../lib/budgets/budget-usage.js';
import { evaluateBudget, thresholdId } from '../../lib/budgets/evaluate-budget.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { aBudget as aDayBudget } from '../support/factories.js';

const DPU_MILLIS_PER_HOUR = 3_600_000;
const NANO_USD_PER_USD = 1_000_000_000;
const GIB = 1024 ** 3;

const aBudget = (overrides: Partial<Budget> = {}): Budget =>
  aDayBudget({ period: 'month', limitDpuHours: 100, ...overrides });

const totals = (usage: { dpuHours?: number; usd?: number; bytes?: number }): UsageTotals => ({
  ...ZERO_TOTALS,
  queries: 1,
  dpuMillis: Math.round((usage.dpuHours ?? 0) * DPU_MILLIS_PER_HOUR),
  costNanoUsd: Math.round((usage.usd ?? 0) * NANO_USD_PER_USD),
  dataScannedBytes: usage.bytes ?? 0,
});

const NOTHING_APPLIED: ReadonlySet<string> = new Set();

describe('budgetUsageOf', () => {
  it('measures DPU-hours against the DPU-hour limit when it is the only one', () => {
    // Act
    const usage = budgetUsageOf(aBudget(), totals({ dpuHours: 42, usd: 12.6, bytes: GIB }));

    // Assess
    expect(usage).toEqual({
      dpuHours: 42,
      usd: 12.6,
      bytes: GIB,
      usedPercent: 42,
      bindingLimit: 'dpuHours',
      limit: 100,
      used: 42,
    });
  });

  it('measures a USD-only budget against its USD limit', () => {
    const { limitDpuHours: _none, ...usdOnly } = aBudget({ limitUsd: 39 });

    const usage = budgetUsageOf(usdOnly, totals({ dpuHours: 42, usd: 42.18 }));

    expect(usage).toMatchObject({ usedPercent: 108.153846, bindingLimit: 'usd', limit: 39 });
  });

  it('is bound by USD when that limit is the most used', () => {
    const budget = aBudget({ limitUsd: 20, limitBytes: 10 * GIB });

    const usage = budgetUsageOf(budget, totals({ dpuHours: 42, usd: 15, bytes: GIB }));

    expect(usage).toMatchObject({ usedPercent: 75, bindingLimit: 'usd' });
  });

  it('is bound by bytes when that limit is the most used', () => {
    const budget = aBudget({ limitUsd: 20, limitBytes: 10 * GIB });

    const usage = budgetUsageOf(budget, totals({ dpuHours: 42, usd: 15, bytes: 9 * GIB }));

    expect(usage).toMatchObject({ usedPercent: 90, bindingLimit: 'bytes' });
  });

  it('ignores usage of a kind the budget sets no limit on', () => {
    const usage = budgetUsageOf(aBudget(), totals({ dpuHours: 1, usd: 1_000, bytes: 1024 * GIB }));

    expect(usage).toMatchObject({ usedPercent: 1, bindingLimit: 'dpuHours' });
  });

  it('reaches a threshold exactly despite float noise', () => {
    // 0.29 x 100 is 28.999999999999996 in floating point.
    const budget = aBudget({ limitDpuHours: 1 });

    expect(usedPercentOf(budget, totals({ dpuHours: 0.29 }))).toBe(29);
  });

  it('is 0 with no usage', () => {
    expect(usedPercentOf(aBudget({ limitUsd: 5 }), ZERO_TOTALS)).toBe(0);
  });
});

describe('evaluateBudget', () => {
  it('crosses 50, 80 and 100 in one evaluation, in ascending order', () => {
    // Prepare
    const budget = aBudget({
      thresholds: [
        { percent: 100, action: 'disable' },
        { percent: 50, action: 'notify' },
        { percent: 80, action: 'throttle' },
      ],
    });

    // Act
    const evaluation = evaluateBudget(budget, totals({ dpuHours: 130 }), NOTHING_APPLIED);

    // Assess
    expect(evaluation.usedPercent).toBe(130);
    expect(evaluation.bindingLimit).toBe('dpuHours');
    expect(evaluation.dpuHours).toBe(130);
    expect(evaluation.crossed).toEqual([
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'throttle' },
      { percent: 100, action: 'disable' },
    ]);
  });

  it('crosses only the thresholds reached, a threshold counting as reached at its percent', () => {
    const evaluation = evaluateBudget(aBudget(), totals({ dpuHours: 80 }), NOTHING_APPLIED);

    expect(evaluation.crossed).toEqual([
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'throttle' },
    ]);
  });

  it('crosses nothing below the first threshold', () => {
    const evaluation = evaluateBudget(aBudget(), totals({ dpuHours: 49.9 }), NOTHING_APPLIED);

    expect(evaluation.crossed).toEqual([]);
    expect(evaluation.usedPercent).toBeCloseTo(49.9, 9);
  });

  it('skips thresholds already applied this period', () => {
    const alreadyApplied = new Set(['50:notify', '80:throttle']);

    const evaluation = evaluateBudget(aBudget(), totals({ dpuHours: 100 }), alreadyApplied);

    expect(evaluation.crossed).toEqual([{ percent: 100, action: 'disable' }]);
  });

  it('orders thresholds at the same percent from mildest to harshest action', () => {
    const budget = aBudget({
      thresholds: (['disable-now', 'disable', 'notify', 'throttle'] as const).map((action) => ({
        percent: 100,
        action,
      })),
    });

    const evaluation = evaluateBudget(budget, totals({ dpuHours: 100 }), NOTHING_APPLIED);

    expect(evaluation.crossed.map((threshold) => threshold.action)).toEqual([
      'notify',
      'throttle',
      'disable',
      'disable-now',
    ]);
  });

  it('crosses on the binding limit, not just DPU-hours', () => {
    const budget = aBudget({ limitUsd: 10 });

    const evaluation = evaluateBudget(budget, totals({ dpuHours: 10, usd: 8 }), NOTHING_APPLIED);

    expect(evaluation.bindingLimit).toBe('usd');
    expect(evaluation.crossed).toEqual([
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'throttle' },
    ]);
  });

  it('leaves a protected budget to notify only, whatever its thresholds say', () => {
    const budget = aBudget({ protected: true });

    const evaluation = evaluateBudget(budget, totals({ dpuHours: 120 }), NOTHING_APPLIED);

    expect(evaluation.crossed).toHaveLength(3);
    expect(evaluation.crossed.map((threshold) => effectiveAction(budget, threshold))).toEqual([
      'notify',
      'notify',
      'notify',
    ]);
  });
});

describe('thresholdId', () => {
  it('identifies a threshold by percent and action', () => {
    const threshold: Threshold = { percent: 80, action: 'disable-now' };

    expect(thresholdId(threshold)).toBe('80:disable-now');
  });
});
