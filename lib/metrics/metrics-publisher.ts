import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type { MetricPoint } from './usage-metrics.js';

/** Sends metric points somewhere alarms can see them. */
export interface MetricsPublisher {
  publish(points: readonly MetricPoint[]): Promise<void>;
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

/**
 * Publishes points that only inform (BudgetUsedPercent): a failure is logged, never thrown, so
 * it undoes nothing the caller did and fails no batch.
 */
export async function publishOrLog(
  metrics: MetricsPublisher,
  points: readonly MetricPoint[],
  logger: Log,
): Promise<void> {
  if (points.length === 0) return;
  try {
    await metrics.publish(points);
  } catch (error) {
    logger.error(
      `Could not publish ${[...new Set(points.map((point) => point.name))].join(', ')}`,
      {
        error: describeError(error),
      },
    );
  }
}
