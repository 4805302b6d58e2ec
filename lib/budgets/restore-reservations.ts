import type { AlertPublisher } from '../alerts/alert-publisher.js';
import {
  type CapacityReservationGateway,
  ReservationNotFoundError,
} from '../athena/capacity-reservation-gateway.js';
import type { Log } from '../log.js';
import type {
  ReservationEnforcementState,
  ReservationEnforcementStore,
  ReservationPeriod,
} from '../store/enforcement-store.js';
import { subjectPeriodOf } from './budget-subject.js';
import { type PeriodRestoreResult, restoreEndedPeriods } from './restore-ended-periods.js';
import { type ReservationTarget, restoreTargetDecision } from './scale-reservation.js';

export interface RestoreReservationsDependencies {
  readonly enforcement: ReservationEnforcementStore;
  readonly reservations: CapacityReservationGateway;
  readonly alerts: AlertPublisher;
  readonly logger: Log;
  readonly now?: () => Date;
}

/**
 * What restore did for one reservation budget period. `pending`: the scale-down is still being allocated; the next run looks again. `conflict`:
 * someone changed the target since the scale-down; left as it is.
 */
export interface ReservationRestoreResult
  extends ReservationPeriod,
    PeriodRestoreResult<'restored' | 'nothing-to-restore' | 'conflict' | 'pending'> {}

/**
 * Gives back the `TargetDpus` a reservation budget scaled down, once its period has ended:
 * only while the reservation still has the target the budget set; an operator's or the
 * auto-scaler's later change wins and is reported. Idempotent: a restored state is not looked at
 * again.
 */
export function createRestoreReservations(deps: RestoreReservationsDependencies) {
  const now = deps.now ?? (() => new Date());

  return async function restoreReservations(
    options: { readonly reservation?: string } = {},
  ): Promise<ReservationRestoreResult[]> {
    const at = now();
    return restoreEndedPeriods({
      subject: 'reservation',
      states: await deps.enforcement.activeStates(),
      at,
      name: options.reservation,
      restoreOne,
      failed: (key, detail) => ({ ...key, outcome: 'failed', detail }),
      logger: deps.logger,
      message: 'Reservation restore',
    });
  };

  async function restoreOne(state: ReservationEnforcementState): Promise<ReservationRestoreResult> {
    const key = subjectPeriodOf('reservation', state);
    if (state.productTargetDpus === undefined) {
      await deps.enforcement.markRestored(key, [], now());
      return { ...key, outcome: 'nothing-to-restore', detail: 'the budget changed nothing' };
    }
    let current: ReservationTarget | undefined;
    try {
      current = await deps.reservations.target(state.reservation);
    } catch (error) {
      if (!(error instanceof ReservationNotFoundError)) throw error;
      current = undefined;
    }
    const decision = restoreTargetDecision({
      current,
      snapshotTargetDpus: state.snapshotTargetDpus,
      productTargetDpus: state.productTargetDpus,
    });
    if (decision.kind === 'wait') return { ...key, outcome: 'pending', detail: decision.reason };
    if (decision.kind === 'update') {
      await deps.reservations.setTargetDpus(state.reservation, decision.toDpus);
    }
    const conflicts = decision.kind === 'conflict' ? [decision.reason] : [];
    await deps.enforcement.markRestored(key, conflicts, now());
    const detail =
      decision.kind === 'update'
        ? `requested TargetDpus ${decision.toDpus}, the target before the scale-down`
        : decision.reason;
    await deps.alerts.publish({
      kind: 'reservation-scaled',
      ...key,
      direction: 'restore',
      outcome: decision.kind === 'update' ? 'applied' : 'conflict',
      fromDpus: current?.targetDpus,
      toDpus: decision.kind === 'update' ? decision.toDpus : undefined,
      detail,
      at: now().toISOString(),
    });
    return { ...key, outcome: decision.kind === 'update' ? 'restored' : 'conflict', detail };
  }
}

export type RestoreReservations = ReturnType<typeof createRestoreReservations>;
