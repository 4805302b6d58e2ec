import type { AttributionBudget } from '../budgets/attribution-budget.js';
import type { Budget } from '../budgets/budget.js';
import type { BudgetSubjectKind, NamedBy } from '../budgets/budget-subject.js';
import type { ReservationBudget } from '../budgets/reservation-budget.js';

/**
 * A stored budget that no longer validates, kept out of enforcement and reported, named as its
 * kind's budgets name their subject: `{ workgroup, reason }`, `{ reservation, reason }`.
 */
export type InvalidStoredBudget<K extends BudgetSubjectKind = 'workgroup'> = NamedBy<K> & {
  readonly reason: string;
};

/** The budgets of one kind of subject as listed: those that validate, and those that do not. */
export interface StoredBudgets<B = Budget, K extends BudgetSubjectKind = 'workgroup'> {
  readonly budgets: readonly B[];
  readonly invalid: readonly InvalidStoredBudget<K>[];
}

/**
 * Where the budgets of one kind of subject are kept: one per subject, found by the subject's
 * name (`B` names it in its attribute `K`).
 */
export interface SubjectBudgetStore<B extends NamedBy<K>, K extends BudgetSubjectKind> {
  list(): Promise<StoredBudgets<B, K>>;
  get(name: string): Promise<B | undefined>;
  put(budget: B): Promise<void>;
  /** Returns false when the subject had no budget. */
  remove(name: string): Promise<boolean>;
}

/** Where workgroup budgets are kept: one per workgroup, which can also be paused. */
export interface BudgetStore extends SubjectBudgetStore<Budget, 'workgroup'> {
  /**
   * Pauses the workgroup's budget from `at` until `until` (or until resumed); returns the
   * budget as paused, or undefined when the workgroup has none.
   */
  pause(workgroup: string, at: Date, until: Date | undefined): Promise<Budget | undefined>;
  /** Ends the budget's pause at `at`; returns the budget, or undefined when it has none. */
  resume(workgroup: string, at: Date): Promise<Budget | undefined>;
}

/** Where reservation budgets are kept: one per reservation. */
export type ReservationBudgetStore = SubjectBudgetStore<ReservationBudget, 'reservation'>;
export type StoredReservationBudgets = StoredBudgets<ReservationBudget, 'reservation'>;
export type InvalidReservationBudget = InvalidStoredBudget<'reservation'>;

/** Where attribution budgets are kept: one per attribution value, by `<key>=<value>`. */
export type AttributionBudgetStore = SubjectBudgetStore<AttributionBudget, 'attribution'>;
export type StoredAttributionBudgets = StoredBudgets<AttributionBudget, 'attribution'>;
export type InvalidAttributionBudget = InvalidStoredBudget<'attribution'>;
