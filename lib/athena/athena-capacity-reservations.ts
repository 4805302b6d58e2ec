import {
  type AthenaClient,
  GetCapacityAssignmentConfigurationCommand,
  ListCapacityReservationsCommand,
} from '@aws-sdk/client-athena';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import { tokenPages } from '../async/token-pages.js';
import type { ObservedReservation, ReservationStatus } from '../capacity/reservation-accounting.js';
import type { CapacityReservations } from './capacity-reservations.js';

const STATUSES: ReadonlySet<string> = new Set<ReservationStatus>([
  'PENDING',
  'ACTIVE',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
  'UPDATE_PENDING',
]);
/** Assignment configurations read at once: Athena's per-call quotas for them are undocumented. */
const CONCURRENCY = 4;

/**
 * Lists reservations with ListCapacityReservations (which returns each reservation whole:
 * status, target, allocated DPUs, last allocation) and reads each one's workgroups with
 * GetCapacityAssignmentConfiguration ("if one exists": without one it serves no workgroup).
 */
export class AthenaCapacityReservations implements CapacityReservations {
  constructor(private readonly athena: AthenaClient) {}

  async list(): Promise<ObservedReservation[]> {
    const listed: Omit<ObservedReservation, 'workgroups'>[] = [];
    const pages = tokenPages((nextToken) =>
      this.athena.send(
        new ListCapacityReservationsCommand(
          nextToken === undefined ? {} : { NextToken: nextToken },
        ),
      ),
    );
    for await (const page of pages) {
      for (const reservation of page.CapacityReservations ?? []) {
        const { Name: name, Status: status } = reservation;
        if (name === undefined || status === undefined || !STATUSES.has(status)) continue;
        listed.push({
          name,
          status: status as ReservationStatus,
          targetDpus: reservation.TargetDpus ?? 0,
          allocatedDpus: reservation.AllocatedDpus ?? 0,
          lastSuccessfulAllocationTime: reservation.LastSuccessfulAllocationTime,
        });
      }
    }
    // A cancelled or failed reservation serves nothing; its assignment may be gone with it.
    return mapWithConcurrency(listed, CONCURRENCY, async (reservation) => ({
      ...reservation,
      workgroups:
        reservation.status === 'CANCELLED' || reservation.status === 'FAILED'
          ? []
          : await this.workgroupsOf(reservation.name),
    }));
  }

  private async workgroupsOf(name: string): Promise<string[]> {
    const output = await this.athena.send(
      new GetCapacityAssignmentConfigurationCommand({ CapacityReservationName: name }),
    );
    const assignments = output.CapacityAssignmentConfiguration?.CapacityAssignments ?? [];
    return [
      ...new Set(assignments.flatMap((assignment) => assignment.WorkGroupNames ?? [])),
    ].sort();
  }
}
