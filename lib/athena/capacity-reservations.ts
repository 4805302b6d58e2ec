import type { ObservedReservation } from '../capacity/reservation-accounting.js';

/** The account's capacity reservations with the workgroups each serves. */
export interface CapacityReservations {
  /** Every reservation Athena lists, cancelled ones included while it lists them. */
  list(): Promise<ObservedReservation[]>;
}
