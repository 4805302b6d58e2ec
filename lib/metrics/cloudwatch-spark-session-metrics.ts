import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import { CloudWatchFigureMetrics, datumsAt } from './cloudwatch-put-metric-data.js';
import type { SparkSessionMetrics, SparkWorkgroupFigures } from './spark-session-metrics.js';

/** Sums per workgroup and sweep: an hour's Sum is the hour's figure. */
export function sparkSessionDatums(figure: SparkWorkgroupFigures, at: Date): MetricDatum[] {
  const datum = datumsAt({ Name: 'WorkGroup', Value: figure.workgroup }, at);
  const dpuHours = dpuHoursFromMillis(figure.dpuMillis);
  return [
    datum('SessionCount', 'Count', figure.sessions),
    datum('SparkDpuHours', 'None', dpuHours),
    datum('DpuHours', 'None', dpuHours),
    datum('CostUsd', 'None', usdFromNano(figure.costNanoUsd)),
  ];
}

export const createCloudWatchSparkSessionMetrics = (
  cloudWatch: CloudWatchClient,
  namespace: string,
): SparkSessionMetrics => new CloudWatchFigureMetrics(cloudWatch, namespace, sparkSessionDatums);
