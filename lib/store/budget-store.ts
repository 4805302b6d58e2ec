import type { Budget } from '../budgets/budget.js';

/** A stored budget that no longer validates, kept out of enforcement and reported. */
export interface InvalidStoredBudget {
  readonly workgroup: string;
  readonly reason: string;
}

export interface StoredBudgets {
  readonly budgets: readonly Budget[];
  readonly invalid: readonly InvalidStoredBudget[];
}

/** Where budgets are kept: one per workgroup. */
export interface BudgetStore {
  list(): Promise<StoredBudgets>;
  get(workgroup: string): Promise<Budget | undefined>;
  put(budget: Budget): Promise<void>;
  /** Returns false when the workgroup had no budget. */
  remove(workgroup: string): Promise<boolean>;
  /**
   * Pauses the workgroup's budget from `at` until `until` (or until resumed); returns the
   * budget as paused, or undefined when the workgroup has none.
   */
  pause(workgroup: string, at: Date, until: Date | undefined): Promise<Budget | undefined>;
  /** Ends the budget's pause at `at`; returns the budget, or undefined when it has none. */
  resume(workgroup: string, at: Date): Promise<Budget | undefined>;
}
