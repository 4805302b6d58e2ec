import { PERIODS, type Period } from '../usage/period-keys.js';
import { countedAttributions, isUncappedValue } from '../usage/query-attribution.js';
import type { QueryUsage } from '../usage/query-usage.js';

/**
 * How a batch of queries becomes DynamoDB transactions, kept free of the SDK so its invariants
 * are tested directly: at most 100 actions per transaction, every counter item written in the
 * same transaction as the query records it counts, and transactions that share a counter item
 * run in sequence.
 */

/** DynamoDB allows 100 actions per transaction: query record puts plus counter updates. */
export const MAX_ACTIONS_PER_TRANSACTION = 100;
/** Each transaction also puts its metrics outbox entry: one action not packed here. */
const PACKED_ACTIONS_PER_TRANSACTION = MAX_ACTIONS_PER_TRANSACTION - 1;

export interface CounterShare {
  readonly workgroup: string;
  readonly period: Period;
  readonly key: string;
  readonly usages: QueryUsage[];
}

/** The counter items a set of queries adds to (workgroup × period key), with their queries. */
export function countersOf(usages: readonly QueryUsage[]): Map<string, CounterShare> {
  const counters = new Map<string, CounterShare>();
  for (const usage of usages) {
    for (const period of PERIODS) {
      const key = usage.periods[period];
      const id = `${usage.workgroup}\u0000${period}\u0000${key}`;
      const counter = counters.get(id);
      if (counter) counter.usages.push(usage);
      else counters.set(id, { workgroup: usage.workgroup, period, key, usages: [usage] });
    }
  }
  return counters;
}

/**
 * The items besides its record that a query's transaction updates, by an id unique within its
 * workgroup: the workgroup's day, week and month counters and, per counted attribution (dbt
 * model, tags), a counter per period and the day's registry of distinct values. With raw values:
 * an upper bound, as values over the cap only merge into `(other)`.
 */
export function counterIdsOf(usage: QueryUsage): string[] {
  const ids = PERIODS.map((period) => `${period}\u0000${usage.periods[period]}`);
  for (const { key, value } of countedAttributions(usage.attribution)) {
    for (const period of PERIODS)
      ids.push(`${key}\u0000${value}\u0000${period}\u0000${usage.periods[period]}`);
    ids.push(`${key}\u0000\u0000values\u0000${usage.periods.day}`);
  }
  return ids;
}

/**
 * Packs queries into transactions of at most 100 actions (one put per query, one update per
 * counter item, see counterIdsOf, and the transaction's outbox entry): each workgroup's queries, by day, are cut into the fewest pieces that fit,
 * then pieces are packed first-fit, largest first, never two pieces of one workgroup together.
 */
export function packTransactions(usages: readonly QueryUsage[]): QueryUsage[][] {
  const pieces: { readonly workgroup: string; readonly usages: QueryUsage[]; size: number }[] = [];
  const byWorkgroup = groupBy(usages, (usage) => usage.workgroup);
  for (const [workgroup, group] of byWorkgroup) {
    const byDay = [...group].sort((a, b) => a.periods.day.localeCompare(b.periods.day));
    let piece: QueryUsage[] = [];
    let counters = new Set<string>();
    for (const usage of byDay) {
      const ids = counterIdsOf(usage);
      const added = ids.filter((id) => !counters.has(id));
      if (
        piece.length > 0 &&
        piece.length + 1 + counters.size + added.length > PACKED_ACTIONS_PER_TRANSACTION
      ) {
        pieces.push({ workgroup, usages: piece, size: piece.length + counters.size });
        piece = [];
        counters = new Set();
      }
      piece.push(usage);
      for (const id of ids) counters.add(id);
    }
    if (piece.length > 0)
      pieces.push({ workgroup, usages: piece, size: piece.length + counters.size });
  }
  pieces.sort((a, b) => b.size - a.size);
  const bins: { usages: QueryUsage[]; workgroups: Set<string>; size: number }[] = [];
  for (const piece of pieces) {
    const bin = bins.find(
      (candidate) =>
        candidate.size + piece.size <= PACKED_ACTIONS_PER_TRANSACTION &&
        !candidate.workgroups.has(piece.workgroup),
    );
    if (bin) {
      bin.usages.push(...piece.usages);
      bin.workgroups.add(piece.workgroup);
      bin.size += piece.size;
    } else {
      bins.push({
        usages: [...piece.usages],
        workgroups: new Set([piece.workgroup]),
        size: piece.size,
      });
    }
  }
  return bins.map((bin) => bin.usages);
}

/**
 * The actions a transaction of these queries takes, its outbox entry aside: one per query and
 * one per counter item (an upper bound, see counterIdsOf).
 */
function actionsOf(usages: readonly QueryUsage[]): number {
  const counters = new Set<string>();
  for (const usage of usages)
    for (const id of counterIdsOf(usage)) counters.add(`${usage.workgroup}\u0000${id}`);
  return usages.length + counters.size;
}

/** A transaction of queries, with writes of one action each (no counter) riding along. */
export interface TransactionWithSingles<T> {
  readonly usages: QueryUsage[];
  readonly singles: T[];
}

/**
 * Packs queries as packTransactions does, then writes of one action that touch no counter
 * (`singles`) into the room those transactions leave, and past it into transactions of their own
 * (100 each: with no query, no outbox entry either).
 */
export function packWithSingles<T>(
  usages: readonly QueryUsage[],
  singles: readonly T[],
): TransactionWithSingles<T>[] {
  let next = 0;
  const transactions = packTransactions(usages).map((group) => {
    const room = Math.max(0, PACKED_ACTIONS_PER_TRANSACTION - actionsOf(group));
    const riding = singles.slice(next, next + room);
    next += riding.length;
    return { usages: group, singles: riding };
  });
  for (; next < singles.length; next += MAX_ACTIONS_PER_TRANSACTION)
    transactions.push({
      usages: [],
      singles: singles.slice(next, next + MAX_ACTIONS_PER_TRANSACTION),
    });
  return transactions;
}

/**
 * Orders transactions into sequences: two transactions with a workgroup in common (so counter
 * items in common) fall in the same sequence, run in order; different sequences run in parallel.
 */
export function sequencesOf(transactions: readonly QueryUsage[][]): QueryUsage[][][] {
  return sequencesBy(transactions, (transaction) => transaction);
}

/** sequencesOf for transactions that carry more than their queries (`usagesOf` names those). */
export function sequencesBy<T>(
  transactions: readonly T[],
  usagesOf: (transaction: T) => readonly QueryUsage[],
): T[][] {
  const sequenceOfWorkgroup = new Map<string, number>();
  const sequences: T[][] = [];
  for (const transaction of transactions) {
    const workgroups = new Set(usagesOf(transaction).map((usage) => usage.workgroup));
    const joined = [...new Set([...workgroups].flatMap((w) => sequenceOfWorkgroup.get(w) ?? []))];
    let target: number;
    if (joined.length === 0) {
      target = sequences.push([]) - 1;
    } else {
      // Merge every sequence this transaction links into the first of them.
      target = Math.min(...joined);
      for (const other of joined) {
        if (other === target) continue;
        sequences[target]?.push(...(sequences[other] ?? []));
        sequences[other] = [];
        for (const [workgroup, index] of sequenceOfWorkgroup)
          if (index === other) sequenceOfWorkgroup.set(workgroup, target);
      }
    }
    sequences[target]?.push(transaction);
    for (const workgroup of workgroups) sequenceOfWorkgroup.set(workgroup, target);
  }
  return sequences.filter((sequence) => sequence.length > 0);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** One attribution counter item: a workgroup's usage of one attribution value in one period. */
export interface AttributionShare {
  readonly workgroup: string;
  /** `dbt.model` or `tag:<key>`. */
  readonly key: string;
  readonly value: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly usages: QueryUsage[];
}

/** Maps a query's raw attribution value to the one counted (`(other)` past the cap). */
export type CountedValue = (usage: QueryUsage, key: string, value: string) => string;

/** The attribution counter items a set of queries adds to, with their queries. */
export function attributionCountersOf(
  usages: readonly QueryUsage[],
  countedValue: CountedValue = (_usage, _key, value) => value,
): Map<string, AttributionShare> {
  const counters = new Map<string, AttributionShare>();
  for (const usage of usages) {
    for (const { key, value: raw } of countedAttributions(usage.attribution)) {
      const value = countedValue(usage, key, raw);
      for (const period of PERIODS) {
        const periodKey = usage.periods[period];
        const id = [usage.workgroup, key, value, period, periodKey].join('\u0000');
        const counter = counters.get(id);
        if (counter) counter.usages.push(usage);
        else
          counters.set(id, {
            workgroup: usage.workgroup,
            key,
            value,
            period,
            periodKey,
            usages: [usage],
          });
      }
    }
  }
  return counters;
}

/** One day's registry of the distinct values of an attribution key in a workgroup. */
export interface ValueRegistryShare {
  readonly workgroup: string;
  readonly key: string;
  readonly day: string;
  /** The raw values the queries bring, sorted. */
  readonly values: string[];
}

/** The value registries a set of queries touches, by `workgroup\0key\0day`. */
export function valueRegistriesOf(usages: readonly QueryUsage[]): Map<string, ValueRegistryShare> {
  const registries = new Map<string, ValueRegistryShare>();
  for (const usage of usages) {
    for (const { key, value } of countedAttributions(usage.attribution)) {
      if (isUncappedValue(key, value)) continue;
      const id = valueRegistryId(usage.workgroup, key, usage.periods.day);
      const registry = registries.get(id);
      if (!registry)
        registries.set(id, {
          workgroup: usage.workgroup,
          key,
          day: usage.periods.day,
          values: [value],
        });
      else if (!registry.values.includes(value)) registry.values.push(value);
    }
  }
  for (const registry of registries.values()) registry.values.sort();
  return registries;
}

export const valueRegistryId = (workgroup: string, key: string, day: string): string =>
  `${workgroup}\u0000${key}\u0000${day}`;
