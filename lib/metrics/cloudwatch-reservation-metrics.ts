import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import { CloudWatchFigureMetrics, datumsAt } from './cloudwatch-put-metric-data.js';
import type { ReservationIntervalFigures, ReservationMetrics } from './reservation-metrics.js';

/**
 * One datum per metric and reservation for the interval a run counted: sums for DPU-hours and
 * cost (so an hour's Sum is the hour's figure), the interval's utilization as a percent (an
 * interval with nothing allocated has none).
 */
export function reservationDatums(figure: ReservationIntervalFigures, at: Date): MetricDatum[] {
  const datum = datumsAt({ Name: 'CapacityReservation', Value: figure.reservation }, at);
  const idle = Math.max(0, figure.allocatedDpuMillis - figure.usedDpuMillis);
  return [
    datum('ReservationAllocatedDpuHours', 'None', dpuHoursFromMillis(figure.allocatedDpuMillis)),
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
}

export const createCloudWatchReservationMetrics = (
  cloudWatch: CloudWatchClient,
  namespace: string,
): ReservationMetrics => new CloudWatchFigureMetrics(cloudWatch, namespace, reservationDatums);
