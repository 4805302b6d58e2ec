import { describe, expect, it } from 'vitest';
import { billedBytesOf, costNanoUsdOf, dpuMillisOf } from '../../lib/usage/pricing.js';

const pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const MB = 1024 ** 2;
const TB = 1024 ** 4;
const query = (overrides: Partial<Parameters<typeof costNanoUsdOf>[0]> = {}) => ({
  state: 'SUCCEEDED' as const,
  statementType: 'DML',
  dpuCount: null,
  engineExecutionMs: 10_000,
  dataScannedBytes: 0,
  ...overrides,
});

describe('capacity-reservation queries', () => {
  it('attribute DPU count x engine time, priced per DPU-hour', () => {
    // 24 DPUs for 30 minutes = 12 DPU-hours = 3.60 USD at 0.30.
    const q = query({ dpuCount: 24, engineExecutionMs: 1_800_000, dataScannedBytes: 5 * TB });
    expect(dpuMillisOf(q)).toBe(24 * 1_800_000);
    expect(costNanoUsdOf(q, pricing)).toBe(3_600_000_000);
  });

  it('are charged by DPU even when they failed or are DDL (the capacity was held)', () => {
    expect(
      costNanoUsdOf(query({ dpuCount: 4, engineExecutionMs: 3_600_000, state: 'FAILED' }), pricing),
    ).toBe(1_200_000_000);
    expect(
      costNanoUsdOf(
        query({ dpuCount: 4, engineExecutionMs: 900_000, statementType: 'DDL' }),
        pricing,
      ),
    ).toBe(300_000_000);
  });

  it('follow the configured price', () => {
    expect(
      costNanoUsdOf(query({ dpuCount: 8, engineExecutionMs: 3_600_000 }), {
        ...pricing,
        pricePerDpuHourUsd: 0.5,
      }),
    ).toBe(4_000_000_000);
  });
});

describe('on-demand queries', () => {
  it('have no DPU-hours', () => {
    expect(dpuMillisOf(query({ dataScannedBytes: TB }))).toBe(0);
  });

  it('pay 5 USD per TB scanned', () => {
    expect(costNanoUsdOf(query({ dataScannedBytes: TB }), pricing)).toBe(5_000_000_000);
  });

  it('round up to the next MB', () => {
    expect(billedBytesOf(query({ dataScannedBytes: 100 * MB + 1 }))).toBe(101 * MB);
    expect(billedBytesOf(query({ dataScannedBytes: 100 * MB }))).toBe(100 * MB);
  });

  it('pay for at least 10 MB', () => {
    expect(billedBytesOf(query({ dataScannedBytes: 1 }))).toBe(10 * MB);
    expect(billedBytesOf(query({ dataScannedBytes: 0 }))).toBe(10 * MB);
    // 10 MB at 5 USD per TB.
    expect(costNanoUsdOf(query({ dataScannedBytes: 1 }), pricing)).toBe(
      Math.round((10 * MB * 5e9) / TB),
    );
  });

  it('are free when they failed or are DDL', () => {
    expect(costNanoUsdOf(query({ state: 'FAILED', dataScannedBytes: TB }), pricing)).toBe(0);
    expect(costNanoUsdOf(query({ statementType: 'DDL', dataScannedBytes: TB }), pricing)).toBe(0);
  });

  it('pay what they scanned when cancelled, and nothing if they scanned nothing', () => {
    expect(costNanoUsdOf(query({ state: 'CANCELLED', dataScannedBytes: TB }), pricing)).toBe(
      5_000_000_000,
    );
    expect(costNanoUsdOf(query({ state: 'CANCELLED', dataScannedBytes: 0 }), pricing)).toBe(0);
  });
});
