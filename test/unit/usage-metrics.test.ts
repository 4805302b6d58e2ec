import { describe, expect, it } from 'vitest';
import { usageMetricsOf } from '../../lib/metrics/usage-metrics.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import { aQueryExecution } from '../support/factories.js';

const pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const usageOf = (overrides: Parameters<typeof aQueryExecution>[0]): QueryUsage => {
  const derived = deriveQueryUsage(aQueryExecution(overrides), pricing);
  if (!derived.ok) throw new Error(derived.reason);
  return derived.usage;
};

describe('usageMetricsOf', () => {
  it('aggregates a batch into seven points per workgroup, whatever the number of queries', () => {
    // Prepare
    const at = new Date('2026-11-25T12:00:00Z');
    const usages = [
      usageOf({ workgroup: 'etl', dpuCount: 8, engineMs: 450_000 }),
      usageOf({ workgroup: 'etl', dpuCount: 16, engineMs: 225_000, state: 'FAILED' }),
      usageOf({ workgroup: 'adhoc', dpuCount: undefined, bytes: 1024 ** 4, engineMs: 2_000 }),
    ];
    // Act
    const points = usageMetricsOf(usages, at);
    // Assess
    expect(points).toHaveLength(14);
    const etl = Object.fromEntries(
      points.filter((p) => p.workgroup === 'etl').map((p) => [p.name, p]),
    );
    expect(etl.QueryCount?.value).toEqual({ kind: 'value', value: 2 });
    expect(etl.FailedQueryCount?.value).toEqual({ kind: 'value', value: 1 });
    expect(etl.DpuHours?.value).toEqual({ kind: 'value', value: 2 });
    expect(etl.CostUsd?.value).toEqual({ kind: 'value', value: 0.6 });
    expect(etl.EngineExecutionTime).toMatchObject({
      unit: 'Milliseconds',
      value: {
        kind: 'statistics',
        sampleCount: 2,
        sum: 675_000,
        minimum: 225_000,
        maximum: 450_000,
      },
    });
    const adhoc = Object.fromEntries(
      points.filter((p) => p.workgroup === 'adhoc').map((p) => [p.name, p]),
    );
    expect(adhoc.DataScannedBytes).toMatchObject({
      unit: 'Bytes',
      value: { kind: 'value', value: 1024 ** 4 },
    });
    expect(adhoc.CostUsd?.value).toEqual({ kind: 'value', value: 5 });
    expect(points.every((point) => point.timestamp === at)).toBe(true);
  });

  it('has nothing to publish for an empty batch', () => {
    expect(usageMetricsOf([], new Date())).toEqual([]);
  });
});
