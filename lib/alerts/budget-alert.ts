import type { ThresholdAction } from '../budgets/budget.js';
import type { Period } from '../usage/period-keys.js';

/** A structured event for every budget action and restore: logged, and sent to the alerts topic. */
export type BudgetAlert =
  | {
      readonly kind: 'budget-action';
      readonly workgroup: string;
      readonly period: Period;
      readonly periodKey: string;
      readonly action: ThresholdAction;
      readonly thresholdPercent: number;
      readonly usedPercent: number;
      readonly dryRun: boolean;
      readonly outcome: 'applied' | 'dry-run' | 'no-change';
      readonly detail: string;
      readonly at: string;
    }
  | {
      readonly kind: 'restore';
      readonly workgroup: string;
      readonly period: Period;
      readonly periodKey: string;
      readonly restored: boolean;
      readonly conflicts: readonly string[];
      readonly detail: string;
      readonly at: string;
    };

/** A one-line subject for e-mail subscribers (SNS allows 100 characters). */
export function alertSubject(alert: BudgetAlert): string {
  const subject =
    alert.kind === 'budget-action'
      ? `athena-cost: ${alert.dryRun ? '[dry run] ' : ''}${alert.action} ${alert.workgroup} at ${alert.usedPercent.toFixed(0)}% of its ${alert.period} budget`
      : `athena-cost: restored ${alert.workgroup} after ${alert.period} ${alert.periodKey}`;
  return subject.length > 100 ? `${subject.slice(0, 97)}...` : subject;
}
