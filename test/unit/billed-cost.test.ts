import { describe, expect, it } from 'vitest';
import {
  billedNanoUsdOf,
  idleCostNanoUsdOf,
  idleDpuMillisOf,
  type ReservationCounter,
  reservationCharges,
  splitProportionally,
  utilizationPercentOf,
} from '../../lib/capacity/billed-cost.js';

const HOUR = 3_600_000;
const USD = 1_000_000_000;

/** The README's worked example: 8 DPUs for a day, etl 60 and bi 20 attributed DPU-hours, 50 used. */
const nightly: ReservationCounter = {
  reservation: 'nightly',
  period: 'day',
  key: '2026-11-30',
  allocatedDpuMillis: 192 * HOUR,
  usedDpuMillis: 50 * HOUR,
  attributedDpuMillis: 80 * HOUR,
  attributedByWorkgroup: { etl: 60 * HOUR, bi: 20 * HOUR },
  costNanoUsd: 57.6 * USD,
  minutes: 1_440,
};

describe('splitProportionally', () => {
  it('splits in proportion and sums exactly, the remainder to the largest fractions', () => {
    // Act: 100 over 1:1:1 is 33.33 each; the one unit left goes to the first name.
    const shares = splitProportionally(100, { c: 1, a: 1, b: 1 });

    // Assess
    expect(Object.fromEntries(shares)).toEqual({ a: 34, b: 33, c: 33 });
  });

  it('gives the remainder to the largest fractional part, whatever the names', () => {
    // 10 over 2:1 is 6.67 and 3.33: the leftover unit goes to the 0.67.
    expect(Object.fromEntries(splitProportionally(10, { a: 1, b: 2 }))).toEqual({ a: 3, b: 7 });
  });

  it('stays exact at sizes past 2^53 in the intermediate products', () => {
    // Prepare: a month of a large reservation in nano-dollars and DPU-ms.
    const total = 123_456_789_012_345;
    const weights = { etl: 987_654_321_123, bi: 123_456_789_111, ml: 7 };

    // Act
    const shares = splitProportionally(total, weights);

    // Assess
    expect([...shares.values()].reduce((sum, share) => sum + share, 0)).toBe(total);
    // Each share is its exact part rounded down or up.
    const weightSum = 987_654_321_123n + 123_456_789_111n + 7n;
    for (const [name, weight] of Object.entries(weights)) {
      const floor = (BigInt(total) * BigInt(weight)) / weightSum;
      expect([Number(floor), Number(floor) + 1]).toContain(shares.get(name));
    }
  });

  it('splits evenly when nobody used anything, and gives zero-weight names nothing otherwise', () => {
    expect(Object.fromEntries(splitProportionally(7, { a: 0, b: 0 }))).toEqual({ a: 4, b: 3 });
    expect(Object.fromEntries(splitProportionally(7, { a: 0, b: 5 }))).toEqual({ a: 0, b: 7 });
    expect(splitProportionally(7, {}).size).toBe(0);
  });
});

describe('a reservation’s figures and charges', () => {
  it('reproduces the README example: idle, utilization, idle cost and billed shares', () => {
    expect(idleDpuMillisOf(nightly)).toBe(142 * HOUR);
    expect(utilizationPercentOf(nightly)).toBe(26.04);
    expect(idleCostNanoUsdOf(nightly)).toBe(42.6 * USD);
    const charges = reservationCharges([nightly]).get('day#2026-11-30');
    expect(charges?.get('etl')).toEqual({
      shareNanoUsd: 43.2 * USD,
      creditedDpuMillis: 60 * HOUR,
      creditedCostNanoUsd: 18 * USD,
    });
    expect(charges?.get('bi')).toMatchObject({ shareNanoUsd: 14.4 * USD });
    // etl's 18.00 USD attributed becomes 43.20 billed; 2.00 USD of on-demand scans stay its own.
    expect(billedNanoUsdOf({ costNanoUsd: 18 * USD, queries: 9 }, charges?.get('etl'))).toBe(
      43.2 * USD,
    );
    expect(billedNanoUsdOf({ costNanoUsd: 20 * USD, queries: 9 }, charges?.get('etl'))).toBe(
      45.2 * USD,
    );
    // Per-query rounding (at most a nano-dollar a query) is not on-demand usage.
    expect(billedNanoUsdOf({ costNanoUsd: 18 * USD + 4, queries: 9 }, charges?.get('etl'))).toBe(
      43.2 * USD,
    );
    expect(billedNanoUsdOf({ costNanoUsd: 3 * USD, queries: 1 }, undefined)).toBe(3 * USD);
  });

  it('adds a workgroup’s shares of two reservations in the same period (moved mid-day)', () => {
    const other: ReservationCounter = {
      ...nightly,
      reservation: 'daytime',
      costNanoUsd: 1_000,
      attributedByWorkgroup: { etl: 1, bi: 2 },
    };
    const charges = reservationCharges([nightly, other]).get('day#2026-11-30');
    expect((charges?.get('etl')?.shareNanoUsd ?? 0) + (charges?.get('bi')?.shareNanoUsd ?? 0)).toBe(
      57.6 * USD + 1_000,
    );
  });

  it('reports no utilization for a reservation that allocated nothing', () => {
    expect(utilizationPercentOf({ ...nightly, allocatedDpuMillis: 0 })).toBeNull();
    expect(idleCostNanoUsdOf({ ...nightly, allocatedDpuMillis: 0 })).toBe(0);
  });
});
