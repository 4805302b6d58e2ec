import type { ReservationDpuSeries } from '../capacity/reservation-accounting.js';

/** Reads `AWS/Athena` `DPUAllocated` and `DPUConsumed` of capacity reservations, per minute. */
export interface ReservationDpuMetrics {
  /**
   * Per reservation the minutes of [start, end) CloudWatch has; a metric CloudWatch does not
   * list for a reservation (its workgroups publish no metrics) is absent from its series.
   */
  read(
    reservations: readonly string[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, ReservationDpuSeries>>;
}
