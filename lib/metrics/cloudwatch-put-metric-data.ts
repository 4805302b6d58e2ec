import {
  type CloudWatchClient,
  type Dimension,
  type MetricDatum,
  PutMetricDataCommand,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';

/** PutMetricData takes at most 1,000 datums per call. */
const MAX_DATUMS_PER_CALL = 1_000;

/** Sends datums in order, with as few PutMetricData calls as 1,000 datums a call allow. */
export async function putMetricData(
  cloudWatch: CloudWatchClient,
  namespace: string,
  data: readonly MetricDatum[],
): Promise<void> {
  for (const part of chunk(data, MAX_DATUMS_PER_CALL)) {
    await cloudWatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: part }));
  }
}

/** Makes the single-value datums of one series' dimension at one time, each by name and unit. */
export const datumsAt =
  (dimension: Dimension | undefined, at: Date) =>
  (name: string, unit: StandardUnit, value: number): MetricDatum => ({
    MetricName: name,
    ...(dimension === undefined ? {} : { Dimensions: [dimension] }),
    Unit: unit,
    Value: value,
    Timestamp: at,
  });

/**
 * Publishes what a run counted per key (a workgroup, a reservation): each figure's datums,
 * stamped with the run's time, in as few calls as possible.
 */
export class CloudWatchFigureMetrics<Figure> {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
    private readonly datumsOf: (figure: Figure, at: Date) => MetricDatum[],
  ) {}

  async publish(figures: readonly Figure[], at: Date): Promise<void> {
    const data = figures.flatMap((figure) => this.datumsOf(figure, at));
    await putMetricData(this.cloudWatch, this.namespace, data);
  }
}
