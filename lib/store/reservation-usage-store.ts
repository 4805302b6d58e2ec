import type { ReservationIncrement, ReservationState } from '../capacity/reservation-accounting.js';

/** Reservation accounting states and the reservation usage counters they guard. */
export interface ReservationUsageStore {
  /** Every reservation's saved state, by reservation name. */
  loadStates(): Promise<ReadonlyMap<string, ReservationState>>;
  /**
   * Adds the increments and saves the state in one transaction, if nobody saved the state since
   * `state.version` was read; returns false when someone did (that run counted the interval).
   */
  commit(
    state: ReservationState,
    increments: readonly ReservationIncrement[],
    now: Date,
  ): Promise<boolean>;
}
