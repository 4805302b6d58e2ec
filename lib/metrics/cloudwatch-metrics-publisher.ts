import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { putMetricData } from './cloudwatch-put-metric-data.js';
import type { MetricsPublisher } from './metrics-publisher.js';
import type { MetricPoint } from './usage-metrics.js';

/**
 * Publishes metric points with PutMetricData, dimension WorkGroup (or Principal, or Attribution), as few calls as
 * possible.
 */
export class CloudWatchMetricsPublisher implements MetricsPublisher {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async publish(points: readonly MetricPoint[]): Promise<void> {
    await putMetricData(this.cloudWatch, this.namespace, points.map(toDatum));
  }
}

/** `WorkGroup`, or for per-principal and attribution budget points their own dimension. */
export function dimensionOf(point: MetricPoint): { Name: string; Value: string } {
  if (point.principal !== undefined) return { Name: 'Principal', Value: point.principal };
  if (point.attribution !== undefined) return { Name: 'Attribution', Value: point.attribution };
  return { Name: 'WorkGroup', Value: point.workgroup };
}

function toDatum(point: MetricPoint): MetricDatum {
  const base = {
    MetricName: point.name,
    Dimensions: [dimensionOf(point)],
    Unit: point.unit,
    Timestamp: point.timestamp,
  };
  if (point.value.kind === 'value') return { ...base, Value: point.value.value };
  return {
    ...base,
    StatisticValues: {
      SampleCount: point.value.sampleCount,
      Sum: point.value.sum,
      Minimum: point.value.minimum,
      Maximum: point.value.maximum,
    },
  };
}
