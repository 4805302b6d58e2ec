import type { ReservationStatus } from '../capacity/reservation-accounting.js';

/**
 * What a reservation budget's scale-down and its restore do to `TargetDpus`, decided from what
 * Athena answers now and what the product saw and set. Pure: the enforcer reads and writes.
 */

/** A reservation as GetCapacityReservation answers now. */
export interface ReservationTarget {
  readonly status: ReservationStatus;
  readonly targetDpus: number;
}

export type ScaleDownDecision =
  | { readonly kind: 'update'; readonly fromDpus: number; readonly toDpus: number }
  /** Nothing to do: the target is already at or below the scale-down target. */
  | { readonly kind: 'none'; readonly reason: string }
  /** Not done on purpose (the target moved under the product, or cannot move now); reported. */
  | { readonly kind: 'skip'; readonly reason: string };

/**
 * Whether and how to scale down: never raises, never fights. When the target is not what the
 * product last saw, an operator or AWS's capacity auto-scaler changed it: the scale-down is
 * skipped, unless the budget says `overrideAutoscaler`. A reservation that is not ACTIVE is not
 * changed (an allocation change in progress, or the reservation going away).
 */
export function scaleDownDecision(input: {
  readonly current: ReservationTarget;
  /** The target the capacity function saw on its previous run; undefined for a first sight. */
  readonly lastSeenTargetDpus: number | undefined;
  readonly scaleDownDpus: number;
  readonly overrideAutoscaler: boolean;
}): ScaleDownDecision {
  const { current, lastSeenTargetDpus, scaleDownDpus } = input;
  if (current.targetDpus <= scaleDownDpus) {
    return {
      kind: 'none',
      reason: `TargetDpus is ${current.targetDpus}, at or below the scale-down target ${scaleDownDpus}: a scale-down never raises`,
    };
  }
  if (current.status !== 'ACTIVE') {
    return {
      kind: 'skip',
      reason:
        current.status === 'UPDATE_PENDING'
          ? `an allocation change is in progress (UPDATE_PENDING, TargetDpus ${current.targetDpus}): not changing it under whoever asked for it`
          : `the reservation is ${current.status}`,
    };
  }
  if (
    lastSeenTargetDpus !== undefined &&
    current.targetDpus !== lastSeenTargetDpus &&
    !input.overrideAutoscaler
  ) {
    return {
      kind: 'skip',
      reason: `TargetDpus is ${current.targetDpus}, not the ${lastSeenTargetDpus} the product last saw: an operator or the capacity auto-scaler is changing it, and the budget does not fight it (--override-autoscaler to scale down anyway)`,
    };
  }
  return { kind: 'update', fromDpus: current.targetDpus, toDpus: scaleDownDpus };
}

export type RestoreTargetDecision =
  | { readonly kind: 'update'; readonly toDpus: number }
  /** The target is not the product's any more: left alone, reported. */
  | { readonly kind: 'conflict'; readonly reason: string }
  /** An allocation change is in progress: the next restore run looks again. */
  | { readonly kind: 'wait'; readonly reason: string };

/**
 * What restore gives back at the period end: the snapshot's `TargetDpus`, only while the
 * reservation still has the target the product set. A later change by an operator or the
 * auto-scaler wins and is reported.
 */
export function restoreTargetDecision(input: {
  readonly current: ReservationTarget | undefined;
  readonly snapshotTargetDpus: number;
  readonly productTargetDpus: number;
}): RestoreTargetDecision {
  const { current, snapshotTargetDpus, productTargetDpus } = input;
  if (current === undefined) {
    return { kind: 'conflict', reason: 'the reservation no longer exists' };
  }
  if (current.targetDpus !== productTargetDpus) {
    return {
      kind: 'conflict',
      reason: `TargetDpus is ${current.targetDpus}, not the ${productTargetDpus} the budget set: an operator or the capacity auto-scaler changed it since; left as it is (it was ${snapshotTargetDpus} before the scale-down)`,
    };
  }
  if (current.status === 'UPDATE_PENDING') {
    return {
      kind: 'wait',
      reason: `the scale-down to ${productTargetDpus} DPUs is still being allocated (UPDATE_PENDING)`,
    };
  }
  if (current.status !== 'ACTIVE') {
    return { kind: 'conflict', reason: `the reservation is ${current.status}` };
  }
  return { kind: 'update', toDpus: snapshotTargetDpus };
}
