import type { BudgetAlert } from './budget-alert.js';

/** Tells operators about budget actions. Never throws: an alert lost must not undo an action. */
export interface AlertPublisher {
  publish(alert: BudgetAlert): Promise<void>;
}
