import { describe, expect, it } from 'vitest';
import {
  movedFromUnknown,
  principalDeltasOf,
  principalMetricsOfDelta,
} from '../../lib/metrics/principal-metrics.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import { aQueryExecution } from '../support/factories.js';

const usageOf = (engineMs: number, principal?: string): QueryUsage => {
  const derived = deriveQueryUsage(aQueryExecution({ engineMs, dpuCount: 4 }), {
    pricePerDpuHourUsd: 0.3,
    pricePerTbScannedUsd: 5,
  });
  if (!derived.ok) throw new Error(derived.reason);
  return { ...derived.usage, attribution: { tags: {}, principal } };
};

describe('principal metrics', () => {
  it('sums queries per counted principal, leaving out queries without one', () => {
    // Prepare: the cap lets role/a through and counts role/b as (other).
    const [a1, b, a2, none] = [
      usageOf(1_000, 'role/a'),
      usageOf(2_000, 'role/b'),
      usageOf(3_000, 'role/a'),
      usageOf(5_000),
    ];
    const usages = [a1, b, a2, none];
    // Act
    const deltas = principalDeltasOf(usages, (usage) =>
      usage.attribution.principal === undefined
        ? undefined
        : usage.attribution.principal === 'role/a'
          ? 'role/a'
          : '(other)',
    );
    // Assess
    expect(deltas).toEqual([
      {
        principal: 'role/a',
        dpuMillis: 4 * 4_000,
        costNanoUsd: a1.costNanoUsd + a2.costNanoUsd,
      },
      { principal: '(other)', dpuMillis: 4 * 2_000, costNanoUsd: b.costNanoUsd },
    ]);
  });

  it('moves a query from unknown to its principal with deltas that cancel out', () => {
    const usage = usageOf(36_000);
    const deltas = movedFromUnknown([usage], () => 'user/ana');
    expect(deltas.map((delta) => delta.principal)).toEqual(['unknown', 'user/ana']);
    expect(deltas.reduce((sum, delta) => sum + delta.dpuMillis, 0)).toBe(0);
    expect(deltas.reduce((sum, delta) => sum + delta.costNanoUsd, 0)).toBe(0);
    const [fromUnknown] = deltas;
    if (!fromUnknown) throw new Error('a delta for unknown');
    const points = principalMetricsOfDelta(fromUnknown, new Date('2026-11-25T10:00:00Z'));
    expect(points.map((point) => [point.name, point.principal, point.value])).toEqual([
      ['DpuHours', 'unknown', { kind: 'value', value: -0.04 }],
      ['CostUsd', 'unknown', { kind: 'value', value: -0.012 }],
    ]);
  });
});
