import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { ReservationIntervalFigures, ReservationMetrics } from './reservation-metrics.js';

/** PutMetricData takes at most 1,000 datums per call. */
const MAX_DATUMS_PER_CALL = 1_000;

/**
 * One datum per metric and reservation for the interval a run counted: sums for DPU-hours and
 * cost (so an hour's Sum is the hour's figure), the interval's utilization as a percent (an
 * interval with nothing allocated has none).
 */
export class CloudWatchReservationMetrics implements ReservationMetrics {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async publish(figures: readonly ReservationIntervalFigures[], at: Date): Promise<void> {
    const data: MetricDatum[] = figures.flatMap((figure) => {
      const datum = (name: string, unit: MetricDatum['Unit'], value: number): MetricDatum => ({
        MetricName: name,
        Dimensions: [{ Name: 'CapacityReservation', Value: figure.reservation }],
        Unit: unit,
        Value: value,
        Timestamp: at,
      });
      const idle = Math.max(0, figure.allocatedDpuMillis - figure.usedDpuMillis);
      return [
        datum(
          'ReservationAllocatedDpuHours',
          'None',
          dpuHoursFromMillis(figure.allocatedDpuMillis),
        ),
        datum('ReservationIdleDpuHours', 'None', dpuHoursFromMillis(idle)),
        datum('ReservationCostUsd', 'None', usdFromNano(figure.costNanoUsd)),
        ...(figure.allocatedDpuMillis > 0
          ? [
              datum(
                'ReservationUtilizationPercent',
                'Percent',
                Math.min(100, (figure.usedDpuMillis / figure.allocatedDpuMillis) * 100),
              ),
            ]
          : []),
      ];
    });
    for (const part of chunk(data, MAX_DATUMS_PER_CALL)) {
      await this.cloudWatch.send(
        new PutMetricDataCommand({ Namespace: this.namespace, MetricData: part }),
      );
    }
  }
}
