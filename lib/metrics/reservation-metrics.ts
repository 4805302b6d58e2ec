/** What one capacity run counted for one reservation, as metrics show it. */
export interface ReservationIntervalFigures {
  readonly reservation: string;
  readonly allocatedDpuMillis: number;
  readonly usedDpuMillis: number;
  readonly costNanoUsd: number;
}

/**
 * Publishes `ReservationAllocatedDpuHours`, `ReservationIdleDpuHours`, `ReservationCostUsd` and
 * `ReservationUtilizationPercent` with the dimension `CapacityReservation`.
 */
export interface ReservationMetrics {
  publish(figures: readonly ReservationIntervalFigures[], at: Date): Promise<void>;
}
