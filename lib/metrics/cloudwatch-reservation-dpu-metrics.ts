import {
  type CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type Metric,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';
import { tokenPages } from '../async/token-pages.js';
import type { MinuteSeries, ReservationDpuSeries } from '../capacity/reservation-accounting.js';
import type { ReservationDpuMetrics } from './reservation-dpu-metrics.js';

const NAMESPACE = 'AWS/Athena';
const METRICS = { allocated: 'DPUAllocated', consumed: 'DPUConsumed' } as const;
/** GetMetricData takes at most 500 queries a call. */
const MAX_QUERIES_PER_CALL = 500;
const MINUTE_S = 60;

/**
 * The dimension naming a reservation: documented as `CapacityReservation`, spelled
 * `Capacity Reservation` elsewhere. Whatever ListMetrics returns is used as it is.
 */
const isReservationDimension = (name: string | undefined): boolean =>
  name?.replaceAll(' ', '').toLowerCase() === 'capacityreservation';

/**
 * Finds each reservation's DPUAllocated and DPUConsumed with ListMetrics (so the dimension's
 * spelling is discovered, not guessed) and reads them per minute (Period 60, Average: the DPUs
 * held or used on average in that minute) with as few GetMetricData calls as 500 queries allow.
 */
export class CloudWatchReservationDpuMetrics implements ReservationDpuMetrics {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async read(
    reservations: readonly string[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, ReservationDpuSeries>> {
    const wanted = new Set(reservations);
    const found: { reservation: string; kind: keyof typeof METRICS; metric: Metric }[] = [];
    for (const kind of Object.keys(METRICS) as (keyof typeof METRICS)[]) {
      for (const metric of await this.listMetrics(METRICS[kind])) {
        const dimensions = metric.Dimensions ?? [];
        const only = dimensions[0];
        if (dimensions.length !== 1 || !isReservationDimension(only?.Name)) continue;
        const reservation = only?.Value;
        if (reservation === undefined || !wanted.has(reservation)) continue;
        if (found.some((entry) => entry.reservation === reservation && entry.kind === kind))
          continue;
        found.push({ reservation, kind, metric });
      }
    }
    const series = new Map<
      string,
      { allocated?: Map<number, number>; consumed?: Map<number, number> }
    >();
    for (const { reservation, kind } of found) {
      const entry = series.get(reservation) ?? {};
      entry[kind] = new Map();
      series.set(reservation, entry);
    }
    if (found.length === 0 || end.getTime() <= start.getTime()) return series;
    for (const part of chunk(found, MAX_QUERIES_PER_CALL)) {
      const queries: MetricDataQuery[] = part.map((entry, index) => ({
        Id: `m${index}`,
        MetricStat: { Metric: entry.metric, Period: MINUTE_S, Stat: 'Average' },
        ReturnData: true,
      }));
      const pages = tokenPages((nextToken) =>
        this.cloudWatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
            ScanBy: 'TimestampAscending',
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          }),
        ),
      );
      for await (const page of pages) {
        for (const result of page.MetricDataResults ?? []) {
          const entry = part[Number(result.Id?.slice(1))];
          if (entry === undefined) continue;
          const minutes = series.get(entry.reservation)?.[entry.kind] as
            | Map<number, number>
            | undefined;
          const values = result.Values ?? [];
          (result.Timestamps ?? []).forEach((timestamp, index) => {
            const value = values[index];
            if (minutes !== undefined && value !== undefined && Number.isFinite(value))
              minutes.set(timestamp.getTime(), value);
          });
        }
      }
    }
    return series as ReadonlyMap<string, { allocated?: MinuteSeries; consumed?: MinuteSeries }>;
  }

  private async listMetrics(metricName: string): Promise<Metric[]> {
    const metrics: Metric[] = [];
    const pages = tokenPages((nextToken) =>
      this.cloudWatch.send(
        new ListMetricsCommand({
          Namespace: NAMESPACE,
          MetricName: metricName,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      ),
    );
    for await (const page of pages) metrics.push(...(page.Metrics ?? []));
    return metrics;
  }
}
