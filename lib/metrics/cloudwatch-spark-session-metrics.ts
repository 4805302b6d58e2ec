import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { SparkSessionMetrics, SparkWorkgroupFigures } from './spark-session-metrics.js';

/** PutMetricData takes at most 1,000 datums per call. */
const MAX_DATUMS_PER_CALL = 1_000;

/** Sums per workgroup and sweep: an hour's Sum is the hour's figure. */
export class CloudWatchSparkSessionMetrics implements SparkSessionMetrics {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async publish(figures: readonly SparkWorkgroupFigures[], at: Date): Promise<void> {
    const data: MetricDatum[] = figures.flatMap((figure) => {
      const datum = (name: string, unit: MetricDatum['Unit'], value: number): MetricDatum => ({
        MetricName: name,
        Dimensions: [{ Name: 'WorkGroup', Value: figure.workgroup }],
        Unit: unit,
        Value: value,
        Timestamp: at,
      });
      const dpuHours = dpuHoursFromMillis(figure.dpuMillis);
      return [
        datum('SessionCount', 'Count', figure.sessions),
        datum('SparkDpuHours', 'None', dpuHours),
        datum('DpuHours', 'None', dpuHours),
        datum('CostUsd', 'None', usdFromNano(figure.costNanoUsd)),
      ];
    });
    for (const part of chunk(data, MAX_DATUMS_PER_CALL))
      await this.cloudWatch.send(
        new PutMetricDataCommand({ Namespace: this.namespace, MetricData: part }),
      );
  }
}
