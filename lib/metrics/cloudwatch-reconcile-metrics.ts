import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { RECONCILED_QUERIES_METRIC, type ReconcileMetrics } from './reconcile-metrics.js';

/**
 * `ReconciledQueries`: the total of the run without dimension, always sent (a zero shows the
 * check ran, and the alarm watches this series), plus one datum per workgroup with WorkGroup
 * for those where something was found (no per-workgroup series is created for zeros).
 */
export class CloudWatchReconcileMetrics implements ReconcileMetrics {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async publishReconciled(byWorkgroup: ReadonlyMap<string, number>, at: Date): Promise<void> {
    let total = 0;
    const data: MetricDatum[] = [];
    for (const [workgroup, count] of byWorkgroup) {
      total += count;
      if (count <= 0) continue;
      data.push({
        MetricName: RECONCILED_QUERIES_METRIC,
        Dimensions: [{ Name: 'WorkGroup', Value: workgroup }],
        Unit: 'Count',
        Value: count,
        Timestamp: at,
      });
    }
    data.push({
      MetricName: RECONCILED_QUERIES_METRIC,
      Unit: 'Count',
      Value: total,
      Timestamp: at,
    });
    // 1,000 datums per call: one call unless there are more workgroups than that.
    for (let start = 0; start < data.length; start += 1_000) {
      await this.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: this.namespace,
          MetricData: data.slice(start, start + 1_000),
        }),
      );
    }
  }
}
