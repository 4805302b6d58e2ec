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
}
