import type { ThresholdAction } from '../budgets/budget.js';
import type { BudgetSubjectKind, SubjectPeriod } from '../budgets/budget-subject.js';
import type { ReservationThresholdAction } from '../budgets/reservation-budget.js';
import type { AppliedFields, WorkgroupSettings } from '../budgets/workgroup-settings.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import type { WorkgroupPeriod } from '../usage/period-keys.js';

/** What became of a threshold's action. */
export type ActionStatus = 'claimed' | 'applied' | 'dry-run' | 'no-change';

/** `Action`: the actions of the budget's kind (a workgroup budget's by default). */
export interface ActionRecord<Action extends string = ThresholdAction> {
  readonly thresholdId: string;
  readonly action: Action;
  readonly status: ActionStatus;
  readonly claimedAt: string;
  readonly completedAt?: string | undefined;
  readonly usedPercent?: number | undefined;
  readonly detail?: string | undefined;
}

/**
 * Serializes the budget actions of one subject's period under one owner at a time, and records
 * what became of each threshold, so each is settled once per period.
 */
export interface ActionClaims<Key, Action extends string> {
  /**
   * Takes the period's execution claim for `owner` (an invocation-unique token): true when free,
   * already this owner's (a retried request whose first answer was lost), or left by an owner
   * whose lease has run out; false while another owner holds it.
   */
  acquire(key: Key, owner: string, now: Date): Promise<boolean>;
  /** Gives the execution claim up if `owner` still holds it. */
  releaseExecution(key: Key, owner: string): Promise<void>;
  /** Records a threshold's action as settled (applied, dry-run or no-change). */
  complete(key: Key, record: Omit<ActionRecord<Action>, 'claimedAt'>, now: Date): Promise<void>;
  actions(key: Key): Promise<ActionRecord<Action>[]>;
  /** Records an action only if it has no record yet; false when it had one (another took it). */
  recordOnce(
    key: Key,
    record: Omit<ActionRecord<Action>, 'claimedAt'>,
    now: Date,
  ): Promise<boolean>;
  /** Forgets a threshold's action, so that it can apply again later in the period. */
  forget(key: Key, thresholdId: string): Promise<void>;
}

/** The types one kind of budget enforces with: its subject, actions and snapshot. */
export interface EnforcementTypes {
  readonly subject: BudgetSubjectKind;
  readonly action: string;
  /** What the period's first action found, and restore gives back. */
  readonly snapshot: unknown;
  /** What an action sets, recorded before it is set. */
  readonly applied: unknown;
  /** The kind's own fields of an enforcement state: its snapshot and what the product set. */
  readonly stateFields: object;
}

/** A period in which the enforcer acted on a subject, and what it needs to give back. */
export type EnforcementStateOf<E extends EnforcementTypes> = SubjectPeriod<E['subject']> &
  E['stateFields'] & {
    readonly periodEnd: string;
    readonly status: 'active' | 'restored';
    readonly restoredAt?: string | undefined;
    readonly restoreConflicts?: readonly string[] | undefined;
  };

/** The snapshots of what a subject's periods changed, kept to give back when each ends. */
export interface EnforcementSnapshots<E extends EnforcementTypes> {
  /** Keeps the first snapshot of the period; returns the one kept. */
  saveSnapshot(
    key: SubjectPeriod<E['subject']>,
    snapshot: E['snapshot'],
    periodEnd: Date,
  ): Promise<E['snapshot']>;
  /** Records what an action sets, before it sets it; what earlier actions set stays. */
  recordApplied(key: SubjectPeriod<E['subject']>, applied: E['applied'], now: Date): Promise<void>;
  /** Enforcement states not yet restored. */
  activeStates(): Promise<EnforcementStateOf<E>[]>;
  markRestored(
    key: SubjectPeriod<E['subject']>,
    conflicts: readonly string[],
    now: Date,
  ): Promise<void>;
}

/**
 * The enforcement machinery of one kind of budget: the execution claim with lease and owner
 * token, the action records settled once per period, and the snapshot restore gives back.
 */
export interface SubjectEnforcementStore<E extends EnforcementTypes>
  extends ActionClaims<SubjectPeriod<E['subject']>, E['action']>,
    EnforcementSnapshots<E> {}

/** A workgroup budget enforces by changing workgroup settings. */
export interface WorkgroupEnforcement {
  readonly subject: 'workgroup';
  readonly action: ThresholdAction;
  readonly snapshot: WorkgroupSettings;
  /** Each field on its own, so no action's record hides another's. */
  readonly applied: AppliedFields;
  readonly stateFields: {
    /** The settings before the enforcer's first change of the period. */
    readonly snapshot: WorkgroupSettings | undefined;
    /**
     * The settings as the enforcer left them: the snapshot with every field the enforcer set in
     * the period (recorded field by field, so no action's record hides another's).
     */
    readonly productSettings: WorkgroupSettings | undefined;
  };
}

/** A reservation budget enforces by scaling the reservation's `TargetDpus` down. */
export interface ReservationEnforcement {
  readonly subject: 'reservation';
  readonly action: ReservationThresholdAction;
  readonly snapshot: number;
  readonly applied: number;
  readonly stateFields: {
    /** `TargetDpus` before the period's scale-down. */
    readonly snapshotTargetDpus: number;
    /** The `TargetDpus` the scale-down requested; unset until it is about to be requested. */
    readonly productTargetDpus: number | undefined;
  };
}

/** One workgroup's budget period: where its actions and snapshot are kept. */
export type EnforcementKey = WorkgroupPeriod;
export type EnforcementState = EnforcementStateOf<WorkgroupEnforcement>;

/**
 * A workgroup's enforcement, which also counts the queries that sidestep a throttle.
 */
export interface EnforcementStore extends SubjectEnforcementStore<WorkgroupEnforcement> {
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
}

/** One reservation budget's period: where its actions, claim and snapshot are kept. */
export type ReservationPeriod = SubjectPeriod<'reservation'>;
export type ReservationActionRecord = ActionRecord<ReservationThresholdAction>;
export type ReservationEnforcementState = EnforcementStateOf<ReservationEnforcement>;
export type ReservationEnforcementStore = SubjectEnforcementStore<ReservationEnforcement>;

/**
 * An attribution budget only notifies: it takes no action, so it has nothing to snapshot or give
 * back; its kind keeps the action records alone (one per notify threshold and period).
 */
export interface AttributionEnforcement {
  readonly subject: 'attribution';
  readonly action: 'notify';
  readonly snapshot: never;
  readonly applied: never;
  readonly stateFields: Record<string, never>;
}

/** Where an attribution budget's notifications are recorded, once per threshold and period. */
export type AttributionNotifications = ActionClaims<SubjectPeriod<'attribution'>, 'notify'>;
