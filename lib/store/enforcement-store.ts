import type { ThresholdAction } from '../budgets/budget.js';
import type { WorkgroupSettings } from '../budgets/workgroup-settings.js';
import type { Period } from '../usage/period-keys.js';

/** One workgroup's budget period: where its actions and snapshot are kept. */
export interface EnforcementKey {
  readonly workgroup: string;
  readonly period: Period;
  readonly periodKey: string;
}

/** What became of a threshold's action. */
export type ActionStatus = 'claimed' | 'applied' | 'dry-run' | 'no-change';

export interface ActionRecord {
  readonly thresholdId: string;
  readonly action: ThresholdAction;
  readonly status: ActionStatus;
  readonly claimedAt: string;
  readonly completedAt?: string | undefined;
  readonly usedPercent?: number | undefined;
  readonly detail?: string | undefined;
}

/** A period in which the enforcer acted on a workgroup, and what it needs to give back. */
export interface EnforcementState extends EnforcementKey {
  readonly periodEnd: string;
  /** The settings before the enforcer's first change of the period. */
  readonly snapshot: WorkgroupSettings | undefined;
  /** The settings as the enforcer last left them. */
  readonly productSettings: WorkgroupSettings | undefined;
  readonly status: 'active' | 'restored';
  readonly restoredAt?: string | undefined;
  readonly restoreConflicts?: readonly string[] | undefined;
}

/**
 * Claims, records and releases budget actions so each is applied at most once per workgroup and
 * period, and keeps the snapshot that restore gives back.
 */
export interface EnforcementStore {
  /**
   * Claims a threshold's action for this period. Only one caller wins; a claim left by a crashed
   * invocation can be taken over once its lease has run out.
   */
  claim(
    key: EnforcementKey,
    thresholdId: string,
    action: ThresholdAction,
    now: Date,
  ): Promise<boolean>;
  complete(key: EnforcementKey, record: Omit<ActionRecord, 'claimedAt'>, now: Date): Promise<void>;
  /** Gives up a claim whose action failed, so a redelivery can try again. */
  release(key: EnforcementKey, thresholdId: string): Promise<void>;
  actions(key: EnforcementKey): Promise<ActionRecord[]>;
  /** Keeps the first snapshot of the period; returns the one kept. */
  saveSnapshot(
    key: EnforcementKey,
    snapshot: WorkgroupSettings,
    periodEnd: Date,
  ): Promise<WorkgroupSettings>;
  recordProductSettings(key: EnforcementKey, settings: WorkgroupSettings, now: Date): Promise<void>;
  /** Enforcement states not yet restored. */
  activeStates(): Promise<EnforcementState[]>;
  markRestored(key: EnforcementKey, conflicts: readonly string[], now: Date): Promise<void>;
}
