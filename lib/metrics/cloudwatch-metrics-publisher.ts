import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';
import type { MetricPoint } from './usage-metrics.js';

/** PutMetricData takes at most 1,000 datums per call. */
const MAX_DATUMS_PER_CALL = 1_000;

/** Sends metric points somewhere alarms can see them. */
export interface MetricsPublisher {
  publish(points: readonly MetricPoint[]): Promise<void>;
}

/** Publishes metric points with PutMetricData, dimension WorkGroup, as few calls as possible. */
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

/**
 * Keeps points until they are taken with {@link HeldMetrics.take}, so that points produced in
 * one step (budget enforcement's BudgetUsedPercent) travel in the PutMetricData call of another
 * (the usage metrics of the same batch): one call per batch instead of two.
 */
export class HeldMetrics implements MetricsPublisher {
  private held: MetricPoint[] = [];

  async publish(points: readonly MetricPoint[]): Promise<void> {
    this.held.push(...points);
  }

  /** The points held so far; they are no longer held. */
  take(): MetricPoint[] {
    const points = this.held;
    this.held = [];
    return points;
  }
}

/** A publisher that sends `held`'s points along with each set of points it is given. */
export function withHeldMetrics(target: MetricsPublisher, held: HeldMetrics): MetricsPublisher {
  return { publish: (points) => target.publish([...points, ...held.take()]) };
}

function toDatum(point: MetricPoint): MetricDatum {
  const base = {
    MetricName: point.name,
    Dimensions: [{ Name: 'WorkGroup', Value: point.workgroup }],
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
