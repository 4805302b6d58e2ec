import type { CloudWatchClient, Dimension, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { datumsAt, putMetricData } from './cloudwatch-put-metric-data.js';
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
    const reconciled = (dimension: Dimension | undefined, count: number): MetricDatum =>
      datumsAt(dimension, at)(RECONCILED_QUERIES_METRIC, 'Count', count);
    let total = 0;
    const data: MetricDatum[] = [];
    for (const [workgroup, count] of byWorkgroup) {
      total += count;
      if (count <= 0) continue;
      data.push(reconciled({ Name: 'WorkGroup', Value: workgroup }, count));
    }
    data.push(reconciled(undefined, total));
    // One call unless there are more workgroups than a call takes datums.
    await putMetricData(this.cloudWatch, this.namespace, data);
  }
}
