import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { totalsOf, type UsageTotals } from '../usage/usage-totals.js';

export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds' | 'None' | 'Percent';

/**
 * One metric value for a workgroup (or, for the per-principal metrics, a principal): a plain value
 * or a statistic set over several queries.
 */
export interface MetricPoint {
  readonly name: string;
  /** The `WorkGroup` dimension; empty on a per-principal point. */
  readonly workgroup: string;
  /** The `Principal` dimension, instead of `WorkGroup`: per-principal DpuHours and CostUsd. */
  readonly principal?: string | undefined;
  /**
   * The `Attribution` dimension (`tag:team=finance`), instead of `WorkGroup`: an attribution
   * budget's BudgetUsedPercent.
   */
  readonly attribution?: string | undefined;
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

/** Count, sum, minimum and maximum of a duration over several queries. */
export interface StatisticSet {
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * What a set of newly recorded queries adds to one workgroup's metrics: kept in the metrics
 * outbox with the counters it was committed with until it is published, then turned into points.
 */
export interface UsageDelta extends Omit<UsageTotals, 'engineExecutionMs'> {
  readonly workgroup: string;
  readonly engineExecutionMs: StatisticSet;
  readonly queueMs: StatisticSet;
}

/** The usage deltas of newly recorded queries, one per workgroup. */
export function usageDeltasOf(usages: readonly QueryUsage[]): UsageDelta[] {
  const byWorkgroup = new Map<string, QueryUsage[]>();
  for (const usage of usages) {
    const list = byWorkgroup.get(usage.workgroup) ?? [];
    list.push(usage);
    byWorkgroup.set(usage.workgroup, list);
  }
  return [...byWorkgroup].map(([workgroup, group]) => {
    const { engineExecutionMs: _, ...totals } = totalsOf(group);
    return {
      workgroup,
      ...totals,
      engineExecutionMs: statisticsOf(group.map((usage) => usage.engineExecutionMs)),
      queueMs: statisticsOf(group.map((usage) => usage.queueMs)),
    };
  });
}

/**
 * A usage delta as metric points: sums for counts, DPU-hours, bytes and cost; statistic sets for
 * durations so alarms can use average and maximum.
 */
export function usageMetricsOfDelta(delta: UsageDelta, timestamp: Date): MetricPoint[] {
  const { workgroup } = delta;
  const sum = (name: string, unit: MetricUnit, value: number): MetricPoint => ({
    name,
    workgroup,
    unit,
    timestamp,
    value: { kind: 'value', value },
  });
  const statistics = (name: string, set: StatisticSet): MetricPoint => ({
    name,
    workgroup,
    unit: 'Milliseconds',
    timestamp,
    value: { kind: 'statistics', ...set },
  });
  return [
    sum('QueryCount', 'Count', delta.queries),
    sum('FailedQueryCount', 'Count', delta.failedQueries),
    sum('DpuHours', 'None', dpuHoursFromMillis(delta.dpuMillis)),
    sum('DataScannedBytes', 'Bytes', delta.dataScannedBytes),
    sum('CostUsd', 'None', usdFromNano(delta.costNanoUsd)),
    statistics('EngineExecutionTime', delta.engineExecutionMs),
    statistics('QueueTime', delta.queueMs),
  ];
}

/** Aggregates newly recorded queries into per-workgroup metric points (seven per workgroup). */
export function usageMetricsOf(usages: readonly QueryUsage[], timestamp: Date): MetricPoint[] {
  return usageDeltasOf(usages).flatMap((delta) => usageMetricsOfDelta(delta, timestamp));
}

function statisticsOf(values: readonly number[]): StatisticSet {
  return {
    sampleCount: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    minimum: Math.min(...values),
    maximum: Math.max(...values),
  };
}
