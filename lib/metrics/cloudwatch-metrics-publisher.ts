import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { putMetricData } from './cloudwatch-put-metric-data.js';
import type { MetricsPublisher } from './metrics-publisher.js';
import type { MetricPoint } from './usage-metrics.js';

/**
 * Publishes metric points with PutMetricData, dimension WorkGroup (or Principal), as few calls as
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

function toDatum(point: MetricPoint): MetricDatum {
  const base = {
    MetricName: point.name,
    Dimensions:
      point.principal === undefined
        ? [{ Name: 'WorkGroup', Value: point.workgroup }]
        : [{ Name: 'Principal', Value: point.principal }],
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
