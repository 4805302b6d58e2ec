import { describe, expect, it } from 'vitest';
import {
  crossedReservationThresholds,
  parseReservationBudget,
  reservationBudgetUsageOf,
} from '../../lib/budgets/reservation-budget.js';
import { restoreTargetDecision, scaleDownDecision } from '../../lib/budgets/scale-reservation.js';
import type { ReservationCounter } from '../../lib/capacity/billed-cost.js';
import { aReservationBudget } from '../support/factories.js';
import { runCliInMemory as cli } from '../support/in-memory-cli.js';

const HOUR_MS = 3_600_000;

const aCounter = (allocatedDpuMillis: number, costNanoUsd: number): ReservationCounter => ({
  reservation: 'etl-capacity',
  period: 'day',
  key: '2026-11-30',
  allocatedDpuMillis,
  usedDpuMillis: 0,
  attributedDpuMillis: 0,
  attributedByWorkgroup: {},
  costNanoUsd,
  minutes: 0,
});

describe('reservation budget', () => {
  it('sorts thresholds and defaults dryRun and protected to false', () => {
    const { dryRun: _dryRun, protected: _protected, ...input } = aReservationBudget();
    const parsed = parseReservationBudget({
      ...input,
      thresholds: [...input.thresholds].reverse(),
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    const budget = parsed.budget;
    expect(budget.thresholds.map((threshold) => threshold.percent)).toEqual([50, 100]);
    expect(budget).toMatchObject({ dryRun: false, protected: false });
    expect(budget.overrideAutoscaler).toBeUndefined();
  });

  it.each([
    [{ scaleDownDpus: 6 }, 'scaleDownDpus must be a multiple of 4 of at least 4'],
    [{ scaleDownDpus: 0 }, 'scaleDownDpus must be a multiple of 4 of at least 4'],
    [{ scaleDownDpus: undefined }, 'scaleDownDpus is required when a threshold scales down'],
    [{ limitDpuHours: undefined, limitUsd: undefined }, 'budget needs at least one limit'],
    [{ reservation: 'a b' }, 'reservation must be 1 to 128 characters'],
    [
      { thresholds: [{ percent: 90, action: 'throttle' }] },
      'thresholds[0].action must be one of notify, scale-down',
    ],
  ])('refuses %o', (overrides, reason) => {
    const parsed = parseReservationBudget({ ...aReservationBudget(), ...overrides });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('measures allocated DPU-hours and billed cost against the tightest limit', () => {
    // 6 DPU-hours of 10 (60 %), $1.80 of $2 (90 %): the USD limit binds.
    const budget = aReservationBudget({ limitUsd: 2 });
    const usage = reservationBudgetUsageOf(budget, aCounter(6 * HOUR_MS, 1.8e9));
    expect(usage).toMatchObject({ dpuHours: 6, usd: 1.8, usedPercent: 90, bindingLimit: 'usd' });
    expect(reservationBudgetUsageOf(budget, undefined).usedPercent).toBe(0);
  });

  it('crosses each threshold once: the settled ones are left out', () => {
    const budget = aReservationBudget();
    expect(crossedReservationThresholds(budget, 49.99, new Set())).toEqual([]);
    expect(crossedReservationThresholds(budget, 100, new Set()).map((t) => t.action)).toEqual([
      'notify',
      'scale-down',
    ]);
    expect(crossedReservationThresholds(budget, 120, new Set(['50:notify']))).toEqual([
      { percent: 100, action: 'scale-down' },
    ]);
  });
});

describe('scale-down decision', () => {
  const decide = (
    current: { status: 'ACTIVE' | 'UPDATE_PENDING' | 'CANCELLING'; targetDpus: number },
    lastSeenTargetDpus: number | undefined,
    overrideAutoscaler = false,
  ) => scaleDownDecision({ current, lastSeenTargetDpus, scaleDownDpus: 8, overrideAutoscaler });

  it('requests the budget target from what it last saw', () => {
    expect(decide({ status: 'ACTIVE', targetDpus: 24 }, 24)).toEqual({
      kind: 'update',
      fromDpus: 24,
      toDpus: 8,
    });
    expect(decide({ status: 'ACTIVE', targetDpus: 24 }, undefined).kind).toBe('update');
  });

  it('never raises', () => {
    expect(decide({ status: 'ACTIVE', targetDpus: 8 }, 8).kind).toBe('none');
    expect(decide({ status: 'ACTIVE', targetDpus: 4 }, 24).kind).toBe('none');
  });

  it('skips when the target moved since the last run, unless the budget overrides', () => {
    const skipped = decide({ status: 'ACTIVE', targetDpus: 32 }, 24);
    expect(skipped).toMatchObject({ kind: 'skip' });
    expect(decide({ status: 'ACTIVE', targetDpus: 32 }, 24, true)).toMatchObject({
      kind: 'update',
      fromDpus: 32,
    });
  });

  it('does not change a reservation whose allocation is changing or that is going away', () => {
    expect(decide({ status: 'UPDATE_PENDING', targetDpus: 24 }, 24, true).kind).toBe('skip');
    expect(decide({ status: 'CANCELLING', targetDpus: 24 }, 24, true).kind).toBe('skip');
  });
});

describe('restore decision', () => {
  const decide = (
    current: { status: 'ACTIVE' | 'UPDATE_PENDING'; targetDpus: number } | undefined,
  ) => restoreTargetDecision({ current, snapshotTargetDpus: 24, productTargetDpus: 8 });

  it('gives back the snapshot while the target is what the budget set', () => {
    expect(decide({ status: 'ACTIVE', targetDpus: 8 })).toEqual({ kind: 'update', toDpus: 24 });
  });

  it('waits for an allocation in progress, and lets a later change win', () => {
    expect(decide({ status: 'UPDATE_PENDING', targetDpus: 8 }).kind).toBe('wait');
    expect(decide({ status: 'ACTIVE', targetDpus: 16 })).toMatchObject({ kind: 'conflict' });
    expect(decide({ status: 'UPDATE_PENDING', targetDpus: 32 }).kind).toBe('conflict');
    expect(decide(undefined)).toEqual({
      kind: 'conflict',
      reason: 'the reservation no longer exists',
    });
  });
});

describe('budget set --reservation flags', () => {
  const set = (...args: string[]) => cli(['budget', 'set', '--table', 't', ...args]);

  it.each([
    [
      [
        '--reservation',
        'r',
        '--period',
        'day',
        '--limit-usd',
        '5',
        '--scale-down-at',
        '90',
        '--scale-down-dpus',
        '6',
      ],
      '--scale-down-dpus must be a multiple of 4 of at least 4',
    ],
    [
      ['--reservation', 'r', '--period', 'day', '--limit-usd', '5', '--scale-down-at', '90'],
      '--scale-down-at needs --scale-down-dpus N',
    ],
    [
      ['--reservation', 'r', '--period', 'day', '--limit-usd', '5', '--throttle-at', '90'],
      '--throttle-at applies to workgroup budgets only, not with --reservation',
    ],
    [
      ['--reservation', 'r', '--period', 'day', '--limit-bytes', '1GiB'],
      '--limit-bytes applies to workgroup budgets only',
    ],
    [
      ['--reservation', 'r', '--period', 'day'],
      '--limit-dpu-hours is required unless --limit-usd is given',
    ],
    [
      ['--workgroup', 'wg', '--reservation', 'r', '--period', 'day', '--limit-usd', '5'],
      '--reservation cannot be combined with --workgroup',
    ],
    [
      ['--workgroup', 'wg', '--period', 'day', '--limit-usd', '5', '--scale-down-at', '90'],
      '--scale-down-at applies to reservation budgets only',
    ],
    [
      ['--period', 'day', '--limit-usd', '5'],
      '--workgroup is required unless --reservation, --principal, --tag or --dbt-model is given',
    ],
    [
      ['--reservation', 'no spaces', '--period', 'day', '--limit-usd', '5'],
      '--reservation must be a capacity reservation name',
    ],
  ])('exits 2 with a one-line reason: %o', async (args, reason) => {
    const run = await set(...args);
    expect(run.code).toBe(2);
    const [first] = run.stderr.split('\n');
    expect(first).toContain(reason);
    expect(run.stdout).toBe('');
  });
});
