import type { ReservationTarget } from '../budgets/scale-reservation.js';

/** Athena has no reservation of this name. */
export class ReservationNotFoundError extends Error {
  constructor(readonly reservation: string) {
    super(`capacity reservation '${reservation}' does not exist`);
    this.name = 'ReservationNotFoundError';
  }
}

/** Reads one capacity reservation's target and changes it: what reservation budgets act with. */
export interface CapacityReservationGateway {
  /** GetCapacityReservation; {@link ReservationNotFoundError} when there is none. */
  target(reservation: string): Promise<ReservationTarget>;
  /**
   * UpdateCapacityReservation: requests `targetDpus`. Athena allocates within up to 30 minutes,
   * and does not guarantee it.
   */
  setTargetDpus(reservation: string, targetDpus: number): Promise<void>;
}
