import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';
import type { MetricsPublisher } from './metrics-publisher.js';
import type { MetricPoint } from './usage-metrics.js';

/** PutMetricData takes at most 1,000 datums per call. */
const MAX_DATUMS_PER_CALL = 1_000;

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
    for (const part of chunk(points.map(toDatum), MAX_DATUMS_PER_CALL)) {
      await this.cloudWatch.send(
        new PutMetricDataCommand({ Namespace: this.namespace, MetricData: part }),
      );
    }
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
