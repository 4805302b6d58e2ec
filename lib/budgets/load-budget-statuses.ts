import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { BudgetStore, InvalidStoredBudget, StoredBudgets } from '../store/budget-store.js';
import type { EnforcementStore } from '../store/enforcement-store.js';
import { counterId, type UsageCounterReader } from '../store/usage-counter-reader.js';
import type { Period } from '../usage/period-keys.js';
import { ZERO_TOTALS } from '../usage/usage-totals.js';
import { type BudgetStatus, budgetStatusOf } from './budget-status.js';
import {
  type BudgetSubjectKind,
  type NamedBy,
  type SubjectPeriod,
  subjectPeriodAt,
} from './budget-subject.js';

/** Enforcement records are read one budget period at a time, this many at once. */
const PARALLEL_READS = 4;

/** Reads `read` of each period, a few at once, in the order of `keys`. */
export const readEachPeriod = <Key, Read>(
  keys: readonly Key[],
  read: (key: Key) => Promise<Read>,
): Promise<Read[]> => mapWithConcurrency(keys, PARALLEL_READS, read);

/**
 * How the statuses of one kind of budget are read: its stored budgets, what each budget's
 * current period holds (usage, actions), and the status made of them.
 */
export interface BudgetStatusReading<
  B extends NamedBy<K> & { readonly period: Period },
  K extends BudgetSubjectKind,
  PeriodReading,
  Status,
> {
  readonly subject: K;
  readonly budgets: () => Promise<StoredBudgets<B, K>>;
  /** What each period holds, in the order of `keys` (one batch read where the store allows). */
  readonly periods: (keys: readonly SubjectPeriod<K>[]) => Promise<readonly PeriodReading[]>;
  readonly statusOf: (budget: B, reading: PeriodReading, at: Date) => Status;
}

export interface LoadedStatuses<Status, K extends BudgetSubjectKind> {
  /** The budgets asked for, in stored order. */
  readonly statuses: readonly Status[];
  /** Stored budgets that no longer validate (of the subject asked for, if one was). */
  readonly invalid: readonly InvalidStoredBudget<K>[];
}

/** Where every budget of one kind (or one subject's) stands in its period holding `at`. */
export async function loadSubjectBudgetStatuses<
  B extends NamedBy<K> & { readonly period: Period },
  K extends BudgetSubjectKind,
  PeriodReading,
  Status,
>(
  reading: BudgetStatusReading<B, K, PeriodReading, Status>,
  at: Date,
  name?: string,
): Promise<LoadedStatuses<Status, K>> {
  const { budgets, invalid } = await reading.budgets();
  const mine = (item: NamedBy<K>) => name === undefined || item[reading.subject] === name;
  const selected = budgets.filter(mine);
  const periods = await reading.periods(
    selected.map((budget) => subjectPeriodAt(reading.subject, budget, at)),
  );
  const statuses = selected.flatMap((budget, index) => {
    const period = periods[index];
    return period === undefined ? [] : [reading.statusOf(budget, period, at)];
  });
  return { statuses, invalid: invalid.filter(mine) };
}

export interface BudgetStatusSources {
  readonly budgets: Pick<BudgetStore, 'list'>;
  readonly counters: UsageCounterReader;
  readonly enforcement: Pick<EnforcementStore, 'actions' | 'bypassCount'>;
}

export type LoadedBudgetStatuses = LoadedStatuses<BudgetStatus, 'workgroup'>;

/**
 * Where every workgroup budget (or one workgroup's) stands in its period holding `at`: what
 * `status` shows and the daily digest summarises. One BatchGetItem for the counters, then the
 * actions of each budget's period.
 */
export function loadBudgetStatuses(
  sources: BudgetStatusSources,
  at: Date,
  workgroup?: string,
): Promise<LoadedBudgetStatuses> {
  return loadSubjectBudgetStatuses(
    {
      subject: 'workgroup',
      budgets: () => sources.budgets.list(),
      periods: async (keys) => {
        const totals = await sources.counters.totalsFor(keys);
        return readEachPeriod(keys, async (key) => ({
          totals: totals.get(counterId(key)) ?? ZERO_TOTALS,
          actions: await sources.enforcement.actions(key),
          bypassedQueries: await sources.enforcement.bypassCount(key),
        }));
      },
      statusOf: (budget, period, at) => budgetStatusOf({ budget, ...period, at }),
    },
    at,
    workgroup,
  );
}
