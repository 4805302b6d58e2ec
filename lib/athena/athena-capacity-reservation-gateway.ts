import {
  type AthenaClient,
  GetCapacityReservationCommand,
  UpdateCapacityReservationCommand,
} from '@aws-sdk/client-athena';
import type { ReservationTarget } from '../budgets/scale-reservation.js';
import type { ReservationStatus } from '../capacity/reservation-accounting.js';
import { isAthenaNotFound } from './athena-not-found.js';
import {
  type CapacityReservationGateway,
  ReservationNotFoundError,
} from './capacity-reservation-gateway.js';

/**
 * GetCapacityReservation and UpdateCapacityReservation (`{Name, TargetDpus}`, empty answer;
 * errors InvalidRequestException and InternalServerException: Athena API reference).
 */
export class AthenaCapacityReservationGateway implements CapacityReservationGateway {
  constructor(private readonly athena: AthenaClient) {}

  async target(reservation: string): Promise<ReservationTarget> {
    try {
      const output = await this.athena.send(
        new GetCapacityReservationCommand({ Name: reservation }),
      );
      const found = output.CapacityReservation;
      if (found?.Status === undefined || found.TargetDpus === undefined) {
        throw new Error(`GetCapacityReservation of '${reservation}' returned no status or target`);
      }
      return { status: found.Status as ReservationStatus, targetDpus: found.TargetDpus };
    } catch (error) {
      throw isAthenaNotFound(error) ? new ReservationNotFoundError(reservation) : error;
    }
  }

  async setTargetDpus(reservation: string, targetDpus: number): Promise<void> {
    await this.athena.send(
      new UpdateCapacityReservationCommand({ Name: reservation, TargetDpus: targetDpus }),
    );
  }
}
