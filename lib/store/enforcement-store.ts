import type { ThresholdAction } from '../budgets/budget.js';
import type { AppliedFields, WorkgroupSettings } from '../budgets/workgroup-settings.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import type { WorkgroupPeriod } from '../usage/period-keys.js';

/** One workgroup's budget period: where its actions and snapshot are kept. */
export type EnforcementKey = WorkgroupPeriod;

/** What became of a threshold's action. */
export type ActionStatus = 'claimed' | 'applied' | 'dry-run' | 'no-change';

/** `Action`: a workgroup budget's actions, or a reservation budget's (the same records). */
export interface ActionRecord<Action extends string = ThresholdAction> {
  readonly thresholdId: string;
  readonly action: Action;
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
  /**
   * The settings as the enforcer left them: the snapshot with every field the enforcer set in the
   * period (recorded field by field, so no action's record hides another's).
   */
  readonly productSettings: WorkgroupSettings | undefined;
  readonly status: 'active' | 'restored';
  readonly restoredAt?: string | undefined;
  readonly restoreConflicts?: readonly string[] | undefined;
}

/**
 * Serializes the budget actions of a workgroup and period under one owner at a time, records
 * what became of each threshold, and keeps the snapshot and the fields restore gives back.
 */
export interface EnforcementStore {
  /**
   * Takes the period's execution claim for `owner` (an invocation-unique token): true when free,
   * already this owner's (a retried request whose first answer was lost), or left by an owner
   * whose lease has run out; false while another owner holds it.
   */
  acquire(key: EnforcementKey, owner: string, now: Date): Promise<boolean>;
  /** Gives the execution claim up if `owner` still holds it. */
  releaseExecution(key: EnforcementKey, owner: string): Promise<void>;
  /** Records a threshold's action as settled (applied, dry-run or no-change). */
  complete(key: EnforcementKey, record: Omit<ActionRecord, 'claimedAt'>, now: Date): Promise<void>;
  actions(key: EnforcementKey): Promise<ActionRecord[]>;
  /** Records an action only if it has no record yet; false when it had one (another took it). */
  recordOnce(
    key: EnforcementKey,
    record: Omit<ActionRecord, 'claimedAt'>,
    now: Date,
  ): Promise<boolean>;
  /** Forgets a threshold's action, so that it can apply again later in the period. */
  forget(key: EnforcementKey, thresholdId: string): Promise<void>;
  /**
   * Records a query that sidestepped the period's throttle, with the outbox entry of its
   * `ThrottleBypassedQueries` count in the same write; undefined when it was recorded before (a
   * redelivery or a concurrent batch): each is counted once.
   */
  markBypass(
    key: EnforcementKey,
    bypass: { readonly queryExecutionId: string; readonly dpuCount: number },
    now: Date,
  ): Promise<OutboxEntry | undefined>;
  /** How many queries sidestepped the period's throttle. */
  bypassCount(key: EnforcementKey): Promise<number>;
  /** Keeps the first snapshot of the period; returns the one kept. */
  saveSnapshot(
    key: EnforcementKey,
    snapshot: WorkgroupSettings,
    periodEnd: Date,
  ): Promise<WorkgroupSettings>;
  /** Records the fields an action sets, each on its own: fields set by earlier actions stay. */
  recordApplied(key: EnforcementKey, fields: AppliedFields, now: Date): Promise<void>;
  /** Enforcement states not yet restored. */
  activeStates(): Promise<EnforcementState[]>;
  markRestored(key: EnforcementKey, conflicts: readonly string[], now: Date): Promise<void>;
}
