import type { ReservationThresholdAction } from '../budgets/reservation-budget.js';
import type { Period } from '../usage/period-keys.js';
import type { ActionRecord } from './enforcement-store.js';

/** One reservation budget's period: where its actions, claim and snapshot are kept. */
export interface ReservationPeriod {
  readonly reservation: string;
  readonly period: Period;
  readonly periodKey: string;
}

export type ReservationActionRecord = ActionRecord<ReservationThresholdAction>;

/** A period in which a reservation budget scaled the reservation down, and what to give back. */
export interface ReservationEnforcementState extends ReservationPeriod {
  readonly periodEnd: string;
  /** `TargetDpus` before the period's scale-down. */
  readonly snapshotTargetDpus: number;
  /** The `TargetDpus` the scale-down requested; unset until it is about to be requested. */
  readonly productTargetDpus: number | undefined;
  readonly status: 'active' | 'restored';
  readonly restoredAt?: string | undefined;
  readonly restoreConflicts?: readonly string[] | undefined;
}

/**
 * The workgroup enforcement machinery for reservation budgets: the same execution claim with
 * lease and owner token, the same action records settled once per period; and the target
 * snapshot restore gives back.
 */
export interface ReservationEnforcementStore {
  /** As {@link EnforcementStore.acquire}: true when free, this owner's, or its lease ran out. */
  acquire(key: ReservationPeriod, owner: string, now: Date): Promise<boolean>;
  releaseExecution(key: ReservationPeriod, owner: string): Promise<void>;
  complete(
    key: ReservationPeriod,
    record: Omit<ReservationActionRecord, 'claimedAt'>,
    now: Date,
  ): Promise<void>;
  actions(key: ReservationPeriod): Promise<ReservationActionRecord[]>;
  /** Keeps the first snapshot of the period; returns the one kept. */
  saveSnapshot(key: ReservationPeriod, targetDpus: number, periodEnd: Date): Promise<number>;
  /** Records the target the scale-down requests, before requesting it. */
  recordApplied(key: ReservationPeriod, targetDpus: number, now: Date): Promise<void>;
  /** States not yet restored. */
  activeStates(): Promise<ReservationEnforcementState[]>;
  markRestored(key: ReservationPeriod, conflicts: readonly string[], now: Date): Promise<void>;
}
