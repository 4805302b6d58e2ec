import { describe, expect, it } from 'vitest';
import {
  type Budget,
  effectiveAction,
  isPaused,
  MAX_LIMIT_DPU_HOURS,
  MAX_LIMIT_USD,
  parseBudget,
} from '../../lib/budgets/budget.js';
import { MILLIS_PER_HOUR, NANO_USD_PER_USD } from '../../lib/usage/pricing.js';
import { aBudget } from '../support/factories.js';

/** A budget as a client sends it: no flags (they default), aBudget's thresholds out of order. */
const validInput = {
  workgroup: 'analytics.prod_v2-eu',
  period: 'month',
  limitDpuHours: 100,
  thresholds: aBudget().thresholds.toReversed(),
  throttleMaxDpu: 8,
  updatedAt: '2026-11-25T10:00:00.000Z',
};

const WORKGROUP_RULE =
  'workgroup must be 1 to 128 characters among a-z, A-Z, 0-9, ".", "_" and "-"';

const notifyAt = (percent: number) => ({ percent, action: 'notify' });

function reasonFor(input: unknown): string {
  const parsed = parseBudget(input);
  if (parsed.ok) throw new Error('expected the budget to be rejected');
  return parsed.reason;
}

function budgetFrom(input: unknown): Budget {
  const parsed = parseBudget(input);
  if (!parsed.ok) throw new Error(`expected a valid budget: ${parsed.reason}`);
  return parsed.budget;
}

describe('parseBudget', () => {
  it('accepts a budget, defaulting dryRun and protected to false', () => {
    // Act
    const parsed = parseBudget(validInput);

    // Assess
    // (aBudget: the thresholds 50 notify, 80 throttle, 100 disable; throttleMaxDpu 8; no flags set.)
    expect(parsed).toEqual({
      ok: true,
      budget: aBudget({
        workgroup: 'analytics.prod_v2-eu',
        period: 'month',
        limitDpuHours: 100,
        updatedAt: '2026-11-25T10:00:00.000Z',
      }),
    });
  });

  it('sorts thresholds by percent, then from mildest to harshest action', () => {
    const budget = budgetFrom({
      ...validInput,
      thresholds: [
        { percent: 100, action: 'disable-now' },
        { percent: 100, action: 'notify' },
        { percent: 90, action: 'disable' },
        { percent: 100, action: 'throttle' },
      ],
    });

    expect(budget.thresholds).toEqual([
      { percent: 90, action: 'disable' },
      { percent: 100, action: 'notify' },
      { percent: 100, action: 'throttle' },
      { percent: 100, action: 'disable-now' },
    ]);
  });

  it('accepts every optional limit, an on-demand throttle and explicit flags', () => {
    const budget = budgetFrom({
      ...validInput,
      period: 'week',
      limitUsd: 25.5,
      limitBytes: 5 * 1024 ** 4,
      throttleMaxDpu: undefined,
      throttleBytesScannedCutoff: 10 * 1024 ** 2,
      dryRun: true,
      protected: true,
      updatedAt: '2026-11-25T10:00:00+01:00',
    });

    expect(budget).toMatchObject({
      period: 'week',
      limitUsd: 25.5,
      limitBytes: 5 * 1024 ** 4,
      throttleBytesScannedCutoff: 10_485_760,
      dryRun: true,
      protected: true,
    });
    expect(budget.throttleMaxDpu).toBeUndefined();
  });

  it('accepts a budget with notify thresholds only and no throttle setting', () => {
    const budget = budgetFrom({
      ...validInput,
      thresholds: [{ percent: 120, action: 'notify' }],
      throttleMaxDpu: undefined,
    });

    expect(budget.thresholds).toEqual([{ percent: 120, action: 'notify' }]);
  });

  it.each([4, 8, 64, 124])('accepts throttleMaxDpu %d', (throttleMaxDpu) => {
    expect(budgetFrom({ ...validInput, throttleMaxDpu }).throttleMaxDpu).toBe(throttleMaxDpu);
  });

  it('drops unknown fields such as table keys', () => {
    const budget = budgetFrom({ ...validInput, pk: 'BUDGET#analytics', sk: 'month' });

    expect(budget).not.toHaveProperty('pk');
    expect(budget).not.toHaveProperty('sk');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty workgroup', { workgroup: '' }, WORKGROUP_RULE],
    ['a workgroup with a space', { workgroup: 'my wg' }, WORKGROUP_RULE],
    ['a workgroup of 129 characters', { workgroup: 'w'.repeat(129) }, WORKGROUP_RULE],
    ['a workgroup that is not a string', { workgroup: 42 }, 'workgroup must be a string'],
    ['an unknown period', { period: 'year' }, 'period must be one of day, week, month'],
    ['a zero DPU-hour limit', { limitDpuHours: 0 }, 'limitDpuHours must be greater than 0'],
    ['a DPU-hour limit as text', { limitDpuHours: '100' }, 'limitDpuHours must be a number'],
    ['an infinite DPU-hour limit', { limitDpuHours: Infinity }, 'limitDpuHours must be a number'],
    ['a negative USD limit', { limitUsd: -5 }, 'limitUsd must be greater than 0'],
    ['a fractional bytes limit', { limitBytes: 1.5 }, 'limitBytes must be an integer'],
    ['a zero bytes limit', { limitBytes: 0 }, 'limitBytes must be greater than 0'],
    ['thresholds that are not a list', { thresholds: {} }, 'thresholds must be an array'],
    [
      'a threshold at 0%',
      { thresholds: [{ percent: 0, action: 'notify' }] },
      'thresholds[0].percent must be greater than 0 and at most 1000',
    ],
    [
      'a threshold above 1000%',
      { thresholds: [notifyAt(50), notifyAt(1001)] },
      'thresholds[1].percent must be greater than 0 and at most 1000',
    ],
    [
      'an unknown action',
      { thresholds: [{ percent: 50, action: 'email' }] },
      'thresholds[0].action must be one of notify, throttle, disable, disable-now',
    ],
    [
      'a threshold that is not an object',
      { thresholds: ['50:notify'] },
      'thresholds[0] must be an object',
    ],
    [
      'a repeated threshold',
      { thresholds: [notifyAt(80), notifyAt(80)] },
      'thresholds must have at most one 80% notify threshold',
    ],
    [
      'a throttle without a throttle setting',
      { throttleMaxDpu: undefined },
      'throttleMaxDpu is required when a threshold throttles (or throttleBytesScannedCutoff, for an on-demand workgroup, or throttleMaxConcurrentDpus, for a Spark one)',
    ],
    [
      'throttleMaxDpu below 4',
      { throttleMaxDpu: 0 },
      'throttleMaxDpu must be between 4 and 124 in steps of 4',
    ],
    [
      'throttleMaxDpu above 124',
      { throttleMaxDpu: 128 },
      'throttleMaxDpu must be between 4 and 124 in steps of 4',
    ],
    [
      'throttleMaxDpu not a multiple of 4',
      { throttleMaxDpu: 10 },
      'throttleMaxDpu must be between 4 and 124 in steps of 4',
    ],
    [
      'a fractional throttleMaxDpu',
      { throttleMaxDpu: 8.5 },
      'throttleMaxDpu must be between 4 and 124 in steps of 4',
    ],
    [
      'a scan cutoff under 10 MB',
      { throttleBytesScannedCutoff: 10_485_759 },
      'throttleBytesScannedCutoff must be at least 10485760 bytes (10.0 MiB), the Athena minimum',
    ],
    [
      'a fractional scan cutoff',
      { throttleBytesScannedCutoff: 20_000_000.5 },
      'throttleBytesScannedCutoff must be an integer',
    ],
    [
      'a Spark ceiling below 2',
      { throttleMaxConcurrentDpus: 1 },
      'throttleMaxConcurrentDpus must be a whole number from 2 to 5000',
    ],
    [
      'a Spark ceiling above 5000',
      { throttleMaxConcurrentDpus: 5001 },
      'throttleMaxConcurrentDpus must be a whole number from 2 to 5000',
    ],
    [
      'a fractional Spark ceiling',
      { throttleMaxConcurrentDpus: 4.5 },
      'throttleMaxConcurrentDpus must be a whole number from 2 to 5000',
    ],
    ['a dryRun flag as text', { dryRun: 'yes' }, 'dryRun must be true or false'],
    ['a protected flag as a number', { protected: 1 }, 'protected must be true or false'],
    ['a non-ISO updatedAt', { updatedAt: 'yesterday' }, 'updatedAt must be an ISO 8601 date-time'],
  ])('rejects %s', (_, overrides, reason) => {
    expect(reasonFor({ ...validInput, ...overrides })).toBe(reason);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a DPU-hour limit of 1e308',
      { limitDpuHours: 1e308 },
      'limitDpuHours must be at most 2501999792: usage is counted in DPU-ms, exact up to 2^53',
    ],
    [
      'a DPU-hour limit of 1e-300',
      { limitDpuHours: 1e-300 },
      'limitDpuHours must have at most 6 decimals',
    ],
    [
      'a USD limit above 2^53 nano-USD',
      { limitUsd: 9_007_200 },
      'limitUsd must be at most 9007199: usage is counted in nano-USD, exact up to 2^53',
    ],
    [
      'a USD limit finer than a nano-USD',
      { limitUsd: 0.0000000001 },
      'limitUsd must have at most 9 decimals',
    ],
    [
      'a bytes limit above 2^53 - 1',
      { limitBytes: 2 ** 53 },
      'limitBytes must be at most 9007199254740991 bytes: usage is counted exactly up to 2^53 - 1',
    ],
    [
      'a scan cutoff above 2^53 - 1',
      { throttleBytesScannedCutoff: 1e300 },
      'throttleBytesScannedCutoff must be at most 9007199254740991 bytes: usage is counted exactly up to 2^53 - 1',
    ],
    [
      'a threshold finer than the used percent',
      { thresholds: [{ percent: 1e-300, action: 'notify' }] },
      'thresholds[0].percent must have at most 6 decimals',
    ],
  ])('rejects %s: the store and the counters could not hold it exactly', (_, overrides, reason) => {
    expect(reasonFor({ ...validInput, ...overrides })).toBe(reason);
  });

  it('accepts every limit at its bound', () => {
    const budget = budgetFrom({
      ...validInput,
      limitDpuHours: MAX_LIMIT_DPU_HOURS,
      limitUsd: MAX_LIMIT_USD,
      limitBytes: Number.MAX_SAFE_INTEGER,
      thresholds: [{ percent: 0.000001, action: 'notify' }],
    });
    // The limits in the counters' units stay exact integers.
    expect(Number.isSafeInteger((budget.limitDpuHours ?? 0) * MILLIS_PER_HOUR)).toBe(true);
    expect(Number.isSafeInteger((budget.limitUsd ?? 0) * NANO_USD_PER_USD)).toBe(true);
    expect(
      budgetFrom({ ...validInput, limitDpuHours: 0.000001, limitUsd: 0.000000001 }),
    ).toMatchObject({
      limitDpuHours: 0.000001,
      limitUsd: 0.000000001,
    });
  });

  it('names every missing required field', () => {
    expect(reasonFor({})).toBe(
      'workgroup is required; period is required; thresholds is required; updatedAt is required',
    );
  });

  it('needs at least one limit, of any kind', () => {
    const { limitDpuHours: _dpu, ...noDpuLimit } = validInput;
    expect(reasonFor(noDpuLimit)).toBe(
      'budget needs at least one limit: limitDpuHours, limitUsd, limitBytes',
    );
    expect(budgetFrom({ ...noDpuLimit, limitUsd: 39 })).toMatchObject({ limitUsd: 39 });
    expect(budgetFrom({ ...noDpuLimit, limitBytes: 1024 ** 4 }).limitDpuHours).toBeUndefined();
  });

  it.each([null, 'budget', 42, []])('rejects %j as not an object', (input) => {
    expect(reasonFor(input)).toBe('budget must be an object');
  });

  it('reports every problem at once', () => {
    expect(reasonFor({ ...validInput, period: 'year', limitUsd: 0 })).toBe(
      'period must be one of day, week, month; limitUsd must be greater than 0',
    );
  });
});

describe('effectiveAction', () => {
  const budget = budgetFrom(validInput);
  const disable = { percent: 100, action: 'disable' } as const;

  it('takes the threshold action on an unprotected budget', () => {
    expect(effectiveAction(budget, disable)).toBe('disable');
  });

  it.each(['notify', 'throttle', 'disable', 'disable-now'] as const)(
    'only notifies on a protected budget, even for %s',
    (action) => {
      expect(effectiveAction({ ...budget, protected: true }, { percent: 100, action })).toBe(
        'notify',
      );
    },
  );
});

describe('enforcement options of a budget', () => {
  it('keeps enforceWorkgroupConfiguration only when true', () => {
    expect(budgetFrom({ ...validInput, enforceWorkgroupConfiguration: true })).toMatchObject({
      enforceWorkgroupConfiguration: true,
    });
    expect(
      budgetFrom({ ...validInput, enforceWorkgroupConfiguration: false })
        .enforceWorkgroupConfiguration,
    ).toBeUndefined();
  });

  it('accepts onBypass notify or disable and rejects anything else', () => {
    expect(budgetFrom({ ...validInput, onBypass: 'disable' }).onBypass).toBe('disable');
    expect(reasonFor({ ...validInput, onBypass: 'throttle' })).toBe(
      'onBypass must be one of notify, disable',
    );
    expect(reasonFor({ ...validInput, enforceWorkgroupConfiguration: 'yes' })).toBe(
      'enforceWorkgroupConfiguration must be true or false',
    );
  });

  it('rejects a pause end without a pause start', () => {
    expect(reasonFor({ ...validInput, pausedUntil: '2026-11-26T00:00:00Z' })).toBe(
      'pausedUntil needs pausedAt',
    );
  });
});

describe('isPaused', () => {
  const at = new Date('2026-11-25T12:00:00Z');

  it('is false for a budget never paused', () => {
    expect(isPaused({}, at)).toBe(false);
  });

  it('holds until pausedUntil, then ends by itself', () => {
    const paused = { pausedAt: '2026-11-25T10:00:00Z', pausedUntil: '2026-11-25T13:00:00Z' };
    expect(isPaused(paused, at)).toBe(true);
    expect(isPaused(paused, new Date('2026-11-25T13:00:00Z'))).toBe(false);
  });

  it('holds without an end until a resume later than the pause', () => {
    expect(isPaused({ pausedAt: '2026-11-25T10:00:00Z' }, at)).toBe(true);
    expect(
      isPaused({ pausedAt: '2026-11-25T10:00:00Z', resumedAt: '2026-11-25T11:00:00Z' }, at),
    ).toBe(false);
    expect(
      isPaused({ pausedAt: '2026-11-25T11:30:00Z', resumedAt: '2026-11-25T11:00:00Z' }, at),
    ).toBe(true);
  });
});
