import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { totalsOf } from '../usage/usage-totals.js';

export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds' | 'None' | 'Percent';

/** One metric value for a workgroup: a plain value or a statistic set over several queries. */
export interface MetricPoint {
  readonly name: string;
  readonly workgroup: string;
  readonly unit: MetricUnit;
  readonly timestamp: Date;
  readonly value:
    | { readonly kind: 'value'; readonly value: number }
    | {
        readonly kind: 'statistics';
        readonly sampleCount: number;
        readonly sum: number;
        readonly minimum: number;
        readonly maximum: number;
      };
}

/**
 * Aggregates newly recorded queries into per-workgroup metric points: sums for counts, DPU-hours,
 * bytes and cost; statistic sets for durations so alarms can use average and maximum.
 */
export function usageMetricsOf(usages: readonly QueryUsage[], timestamp: Date): MetricPoint[] {
  const byWorkgroup = new Map<string, QueryUsage[]>();
  for (const usage of usages) {
    const list = byWorkgroup.get(usage.workgroup) ?? [];
    list.push(usage);
    byWorkgroup.set(usage.workgroup, list);
  }
  const points: MetricPoint[] = [];
  for (const [workgroup, group] of byWorkgroup) {
    const totals = totalsOf(group);
    const sum = (name: string, unit: MetricUnit, value: number): MetricPoint => ({
      name,
      workgroup,
      unit,
      timestamp,
      value: { kind: 'value', value },
    });
    const statistics = (name: string, values: number[]): MetricPoint => ({
      name,
      workgroup,
      unit: 'Milliseconds',
      timestamp,
      value: {
        kind: 'statistics',
        sampleCount: values.length,
        sum: values.reduce((a, b) => a + b, 0),
        minimum: Math.min(...values),
        maximum: Math.max(...values),
      },
    });
    points.push(
      sum('QueryCount', 'Count', totals.queries),
      sum('FailedQueryCount', 'Count', totals.failedQueries),
      sum('DpuHours', 'None', dpuHoursFromMillis(totals.dpuMillis)),
      sum('DataScannedBytes', 'Bytes', totals.dataScannedBytes),
      sum('CostUsd', 'None', usdFromNano(totals.costNanoUsd)),
      statistics(
        'EngineExecutionTime',
        group.map((usage) => usage.engineExecutionMs),
      ),
      statistics(
        'QueueTime',
        group.map((usage) => usage.queueMs),
      ),
    );
  }
  return points;
}
