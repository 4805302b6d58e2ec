import { describe, expect, it } from 'vitest';
import { AttributionValueCap } from '../../lib/store/attribution-cap.js';
import {
  attributionCountersOf,
  countersOf,
  MAX_ACTIONS_PER_TRANSACTION,
  packTransactions,
  packWithSingles,
  sequencesOf,
  valueRegistriesOf,
} from '../../lib/store/transaction-packing.js';
import { OTHER_VALUE } from '../../lib/usage/query-attribution.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import { totalsOf } from '../../lib/usage/usage-totals.js';
import { aQueryExecution } from '../support/factories.js';

const pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };

function aUsage(
  workgroup: string,
  completedAt: string,
  engineMs = 60_000,
  query?: string,
): QueryUsage {
  const derived = deriveQueryUsage(
    aQueryExecution({
      workgroup,
      completedAt: new Date(completedAt),
      engineMs,
      ...(query === undefined ? {} : { query }),
    }),
    pricing,
  );
  if (!derived.ok) throw new Error(derived.reason);
  return derived.usage;
}

/** `count` queries spread over `workgroups`, `days` consecutive days from 2026-11-01. */
function usages(count: number, workgroups: number, days = 1): QueryUsage[] {
  return Array.from({ length: count }, (_, index) =>
    aUsage(
      `wg-${index % workgroups}`,
      `2026-11-${String(1 + (index % days)).padStart(2, '0')}T12:00:00Z`,
      1_000 + index,
    ),
  );
}

/** `count` queries, each of its own dbt model and with five tags of many values. */
function taggedUsages(count: number, workgroups: number): QueryUsage[] {
  return Array.from({ length: count }, (_, index) =>
    aUsage(
      `wg-${index % workgroups}`,
      `2026-11-${String(1 + (index % 3)).padStart(2, '0')}T12:00:00Z`,
      1_000 + index,
      `/* {"app": "dbt", "node_id": "model.shop.m${index % 17}"} */ select 1 ` +
        `-- athena-cost: team=t${index % 4} job=j${index} a=1 b=${index % 2} c=x`,
    ),
  );
}

/**
 * One put per query record, one update per counter item, attribution counter item and value
 * registry (all values counted as themselves: the most actions a transaction can take), and the
 * put of the transaction's metrics outbox entry.
 */
const actionsOf = (transaction: readonly QueryUsage[]): number =>
  1 +
  transaction.length +
  countersOf(transaction).size +
  attributionCountersOf(transaction).size +
  valueRegistriesOf(transaction).size;

const ids = (list: readonly QueryUsage[]): string[] =>
  list.map((usage) => usage.queryExecutionId).sort();

describe('packTransactions', () => {
  const batches = {
    'one workgroup, one day': usages(100, 1),
    'five workgroups, one day': usages(100, 5),
    'forty workgroups over three days': usages(100, 40, 3),
    'one workgroup, a month of days': usages(250, 1, 30),
    'a hundred workgroups, one query each': usages(100, 100),
    'dbt models and five tags, two workgroups': taggedUsages(100, 2),
    'dbt models and five tags, one workgroup': taggedUsages(250, 1),
  };

  for (const [name, batch] of Object.entries(batches)) {
    it(`keeps every transaction within ${MAX_ACTIONS_PER_TRANSACTION} actions and every query exactly once: ${name}`, () => {
      // Act
      const transactions = packTransactions(batch);
      // Assess
      for (const transaction of transactions) {
        expect(transaction.length).toBeGreaterThan(0);
        expect(actionsOf(transaction)).toBeLessThanOrEqual(MAX_ACTIONS_PER_TRANSACTION);
      }
      expect(ids(transactions.flat())).toEqual(ids(batch));
    });

    it(`adds up, over the transactions, to the counters of the whole batch: ${name}`, () => {
      // Prepare
      const whole = countersOf(batch);
      const summed = new Map<string, ReturnType<typeof totalsOf>[]>();
      // Act
      for (const transaction of packTransactions(batch)) {
        for (const [id, counter] of countersOf(transaction)) {
          summed.set(id, [...(summed.get(id) ?? []), totalsOf(counter.usages)]);
        }
      }
      // Assess: a counter item's updates carry exactly the queries whose records go with them.
      expect([...summed.keys()].sort()).toEqual([...whole.keys()].sort());
      for (const [id, counter] of whole) {
        const queries = (summed.get(id) ?? []).reduce((sum, totals) => sum + totals.queries, 0);
        const dpuMillis = (summed.get(id) ?? []).reduce((sum, t) => sum + t.dpuMillis, 0);
        expect({ queries, dpuMillis }).toEqual({
          queries: counter.usages.length,
          dpuMillis: totalsOf(counter.usages).dpuMillis,
        });
      }
    });
  }

  it('needs two TransactWriteItems calls for 100 queries of one or of a few workgroups', () => {
    expect(packTransactions(usages(100, 1))).toHaveLength(2);
    expect(packTransactions(usages(100, 5))).toHaveLength(2);
    expect(packTransactions(usages(100, 10))).toHaveLength(2);
  });

  it('needs the fewest transactions the counters allow when every query is its own workgroup', () => {
    // 100 puts + 300 counter updates + an outbox entry each: 24 queries (97 actions) a transaction.
    expect(packTransactions(usages(100, 100))).toHaveLength(5);
  });

  it('packs no transaction for no queries', () => {
    expect(packTransactions([])).toEqual([]);
  });
});

describe('packWithSingles', () => {
  it('fills the room the queries leave with single writes, then packs the rest 100 a transaction', () => {
    // Prepare: 150 queries of 3 workgroups over 2 days, and 250 single writes.
    const queries = usages(150, 3, 2);
    const singles = Array.from({ length: 250 }, (_, index) => index);
    // Act
    const transactions = packWithSingles(queries, singles);
    // Assess: every query and single once, each transaction within 100 actions (an outbox entry
    // when it has queries), and only the last transaction left with room.
    expect(transactions.flatMap((t) => t.usages)).toHaveLength(150);
    expect(transactions.flatMap((t) => t.singles)).toEqual(singles);
    const sizes = transactions.map(
      (t) => (t.usages.length > 0 ? actionsOf(t.usages) : 0) + t.singles.length,
    );
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_ACTIONS_PER_TRANSACTION);
    expect(sizes.slice(0, -1).every((size) => size === MAX_ACTIONS_PER_TRANSACTION)).toBe(true);
  });

  it('packs single writes alone when there is no query', () => {
    const transactions = packWithSingles([], ['a', 'b']);
    expect(transactions).toEqual([{ usages: [], singles: ['a', 'b'] }]);
  });
});

describe('sequencesOf', () => {
  it('puts transactions that share a workgroup in one sequence, in their order', () => {
    // Prepare
    const a1 = [aUsage('a', '2026-11-01T00:00:00Z')];
    const b1 = [aUsage('b', '2026-11-01T00:00:00Z')];
    const ab = [aUsage('a', '2026-11-02T00:00:00Z'), aUsage('b', '2026-11-02T00:00:00Z')];
    const c1 = [aUsage('c', '2026-11-01T00:00:00Z')];
    // Act
    const sequences = sequencesOf([a1, b1, c1, ab]);
    // Assess: `ab` links a's and b's sequences; c shares no counter and runs beside them.
    expect(sequences).toEqual([[a1, b1, ab], [c1]]);
  });

  it('runs transactions of disjoint workgroups in parallel sequences', () => {
    const transactions = packTransactions(usages(400, 8));
    const sequences = sequencesOf(transactions);
    expect(sequences.flat()).toHaveLength(transactions.length);
    for (const sequence of sequences) {
      const workgroups = new Set(sequence.flat().map((usage) => usage.workgroup));
      for (const other of sequences) {
        if (other === sequence) continue;
        expect(other.flat().some((usage) => workgroups.has(usage.workgroup))).toBe(false);
      }
    }
  });
});

describe('AttributionValueCap', () => {
  const tagged = (team: string, day = '2026-11-01') =>
    aUsage('wg', `${day}T12:00:00Z`, 1_000, `-- athena-cost: team=${team}`);

  it('counts values as themselves up to the cap, then as (other), each day afresh', () => {
    // Prepare
    const cap = new AttributionValueCap(2);
    const first = [tagged('a'), tagged('b'), tagged('c'), tagged('a'), tagged('d', '2026-11-02')];
    // Act
    const plan = cap.plan(first);
    // Assess
    const counted = first.map((usage) =>
      plan.countedValue(usage, 'tag:team', usage.attribution.tags.team ?? ''),
    );
    expect(counted).toEqual(['a', 'b', OTHER_VALUE, 'a', 'd']);
    expect(plan.additions.map((addition) => [addition.values, addition.maxSizeBefore])).toEqual([
      [['a', 'b'], 0],
      [['d'], 1],
    ]);
  });

  it('adds nothing for values it saw committed, and counts past a registry it read full as (other)', () => {
    // Prepare
    const cap = new AttributionValueCap(2);
    cap.committed(cap.plan([tagged('a')]));
    cap.learn(
      valueRegistriesOf([tagged('x')])
        .keys()
        .next().value ?? '',
      ['a', 'z'],
    );
    // Act
    const plan = cap.plan([tagged('a'), tagged('z'), tagged('new')]);
    // Assess
    expect(plan.additions).toEqual([]);
    expect(plan.countedValue(tagged('a'), 'tag:team', 'a')).toBe('a');
    expect(plan.countedValue(tagged('z'), 'tag:team', 'z')).toBe('z');
    expect(plan.countedValue(tagged('new'), 'tag:team', 'new')).toBe(OTHER_VALUE);
  });
});
