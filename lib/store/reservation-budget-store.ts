import type { ReservationBudget } from '../budgets/reservation-budget.js';

/** A stored reservation budget that no longer validates: reported, not enforced. */
export interface InvalidReservationBudget {
  readonly reservation: string;
  readonly reason: string;
}

export interface StoredReservationBudgets {
  readonly budgets: readonly ReservationBudget[];
  readonly invalid: readonly InvalidReservationBudget[];
}

/** Where reservation budgets are kept: one per reservation. */
export interface ReservationBudgetStore {
  list(): Promise<StoredReservationBudgets>;
  put(budget: ReservationBudget): Promise<void>;
  /** False when the reservation had no budget. */
  remove(reservation: string): Promise<boolean>;
}
