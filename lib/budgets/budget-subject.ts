import { type Period, periodKeyFor } from '../usage/period-keys.js';

/**
 * What a budget is on. Each kind of subject names the attribute that holds the subject's name in
 * a budget, its period keys, its alerts and its stored items (`workgroup: 'etl'`,
 * `reservation: 'nightly'`), so deployed items and CLI output keep the names they always had.
 * A new kind of budget adds its kind here; the budget store, the enforcement store and the
 * status loader are generic over it.
 */
export const BUDGET_SUBJECT_KINDS = ['workgroup', 'reservation', 'attribution'] as const;

export type BudgetSubjectKind = (typeof BUDGET_SUBJECT_KINDS)[number];

/** One subject of a budget: its kind and its name. */
export type BudgetSubject = {
  readonly [K in BudgetSubjectKind]: { readonly kind: K; readonly name: string };
}[BudgetSubjectKind];

/** What names its subject the way budgets of kind `K` do: `{ workgroup: 'etl' }`. */
export type NamedBy<K extends BudgetSubjectKind> = { readonly [F in K]: string };

/** One subject's budget period: where its actions, claim and snapshot are kept. */
export type SubjectPeriod<K extends BudgetSubjectKind> = NamedBy<K> & {
  readonly period: Period;
  /** The period's key: `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM`. */
  readonly periodKey: string;
};

/** `{ [kind]: name }`, typed as its kind's budgets name their subject. */
export const namedBy = <K extends BudgetSubjectKind>(kind: K, name: string): NamedBy<K> =>
  ({ [kind]: name }) as NamedBy<K>;

/** The subject's name in a value named as kind `K`'s budgets are. */
export const subjectNameOf = <K extends BudgetSubjectKind>(kind: K, named: NamedBy<K>): string =>
  named[kind];

/** The period key of a subject's period, without its other fields: `{ workgroup, period, periodKey }`. */
export const subjectPeriodOf = <K extends BudgetSubjectKind>(
  kind: K,
  key: SubjectPeriod<K>,
): SubjectPeriod<K> => ({
  ...namedBy(kind, subjectNameOf(kind, key)),
  period: key.period,
  periodKey: key.periodKey,
});

/** The period of a budget holding `at`: where its counter and enforcement records are kept. */
export const subjectPeriodAt = <K extends BudgetSubjectKind>(
  subject: K,
  budget: NamedBy<K> & { readonly period: Period },
  at: Date,
): SubjectPeriod<K> => ({
  ...namedBy(subject, budget[subject]),
  period: budget.period,
  periodKey: periodKeyFor(budget.period, at),
});
