import { PERIODS, type Period } from '../usage/period-keys.js';
import type { QueryUsage } from '../usage/query-usage.js';

/**
 * How a batch of queries becomes DynamoDB transactions, kept free of the SDK so its invariants
 * are tested directly: at most 100 actions per transaction, every counter item written in the
 * same transaction as the query records it counts, and transactions that share a counter item
 * run in sequence.
 */

/** DynamoDB allows 100 actions per transaction: query record puts plus counter updates. */
export const MAX_ACTIONS_PER_TRANSACTION = 100;

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
 * Packs queries into transactions of at most 100 actions (one put per query, one update per
 * counter item): each workgroup's queries, by day, are cut into the fewest pieces that fit,
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
      const added = PERIODS.map((period) => `${period}\u0000${usage.periods[period]}`).filter(
        (id) => !counters.has(id),
      );
      if (
        piece.length > 0 &&
        piece.length + 1 + counters.size + added.length > MAX_ACTIONS_PER_TRANSACTION
      ) {
        pieces.push({ workgroup, usages: piece, size: piece.length + counters.size });
        piece = [];
        counters = new Set();
      }
      piece.push(usage);
      for (const period of PERIODS) counters.add(`${period}\u0000${usage.periods[period]}`);
    }
    if (piece.length > 0)
      pieces.push({ workgroup, usages: piece, size: piece.length + counters.size });
  }
  pieces.sort((a, b) => b.size - a.size);
  const bins: { usages: QueryUsage[]; workgroups: Set<string>; size: number }[] = [];
  for (const piece of pieces) {
    const bin = bins.find(
      (candidate) =>
        candidate.size + piece.size <= MAX_ACTIONS_PER_TRANSACTION &&
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
 * Orders transactions into sequences: two transactions with a workgroup in common (so counter
 * items in common) fall in the same sequence, run in order; different sequences run in parallel.
 */
export function sequencesOf(transactions: readonly QueryUsage[][]): QueryUsage[][][] {
  const sequenceOfWorkgroup = new Map<string, number>();
  const sequences: QueryUsage[][][] = [];
  for (const transaction of transactions) {
    const workgroups = new Set(transaction.map((usage) => usage.workgroup));
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
