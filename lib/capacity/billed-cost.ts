import type { ReservationIncrement } from './reservation-accounting.js';

/**
 * What a reservation billed and who it billed: its allocated DPU-hours' cost split over its
 * workgroups in proportion to the DPU-ms attributed to each while it served them, idle capacity
 * included. Integer nano-dollars throughout, so the shares sum exactly to the reservation's cost.
 */

/**
 * One reservation's counter of one period, as the capacity function keeps it: the sum of the
 * increments of its runs.
 */
export interface ReservationCounter extends Omit<ReservationIncrement, 'usedSource'> {
  readonly reservation: string;
  /** Where the last run that added to it took the used DPU-ms from. */
  readonly usedSource?: ReservationIncrement['usedSource'];
}

/** Allocated but unused DPU-ms (never negative: attributed use is peak-based and may exceed). */
export const idleDpuMillisOf = (counter: ReservationCounter): number =>
  Math.max(0, counter.allocatedDpuMillis - counter.usedDpuMillis);

/** Used over allocated in percent, two decimals; null when nothing was allocated. */
export function utilizationPercentOf(counter: ReservationCounter): number | null {
  if (counter.allocatedDpuMillis <= 0) return null;
  return Math.round((counter.usedDpuMillis / counter.allocatedDpuMillis) * 10_000) / 100;
}

/** Idle over allocated in percent, two decimals; null when nothing was allocated. */
export function idleSharePercentOf(counter: ReservationCounter): number | null {
  if (counter.allocatedDpuMillis <= 0) return null;
  return Math.round((idleDpuMillisOf(counter) / counter.allocatedDpuMillis) * 10_000) / 100;
}

/** The idle share of the reservation's cost, in nano-dollars (the cost × idle / allocated). */
export function idleCostNanoUsdOf(counter: ReservationCounter): number {
  if (counter.allocatedDpuMillis <= 0) return 0;
  return Number(
    (BigInt(counter.costNanoUsd) * BigInt(idleDpuMillisOf(counter))) /
      BigInt(counter.allocatedDpuMillis),
  );
}

/**
 * Splits `total` in proportion to `weights` by largest remainder: each share is the floor of
 * its exact part, and the units left over go one each to the largest fractional parts (ties to
 * the name first in order). Sums to `total` exactly. With no weight at all, the split is even
 * over the names given.
 */
export function splitProportionally(
  total: number,
  weights: Readonly<Record<string, number>>,
): Map<string, number> {
  const names = Object.keys(weights).sort();
  const shares = new Map<string, number>();
  if (names.length === 0) return shares;
  const positive = names.some((name) => (weights[name] ?? 0) > 0);
  const weightOf = (name: string) =>
    BigInt(positive ? Math.max(0, Math.round(weights[name] ?? 0)) : 1);
  const sum = names.reduce((acc, name) => acc + weightOf(name), 0n);
  const whole = BigInt(total);
  const parts = names.map((name) => {
    const exact = whole * weightOf(name);
    return { name, share: exact / sum, remainder: exact % sum };
  });
  let left = whole - parts.reduce((acc, part) => acc + part.share, 0n);
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? (a.name < b.name ? -1 : 1) : a.remainder > b.remainder ? -1 : 1,
  );
  for (const part of byRemainder) {
    if (left <= 0n) break;
    part.share += 1n;
    left -= 1n;
  }
  for (const part of parts) shares.set(part.name, Number(part.share));
  return shares;
}

/** What a workgroup was billed by reservations in one period. */
export interface ReservationCharge {
  /** Its shares of the reservations' costs. */
  readonly shareNanoUsd: number;
  /** The DPU-ms credited to it by reservations. */
  readonly creditedDpuMillis: number;
  /** Their attributed cost at the price the reservations were billed at: what the shares replace. */
  readonly creditedCostNanoUsd: number;
}

/**
 * Per period (`<period>#<key>`) and workgroup: the shares of the reservations' costs and the
 * DPU-ms they replace. A reservation whose workgroups used nothing attributed in a period splits
 * its cost evenly over the workgroups it credited in that period, if any; otherwise its cost is
 * nobody's (reported on the reservation's row only).
 */
export function reservationCharges(
  counters: readonly ReservationCounter[],
): Map<string, Map<string, ReservationCharge>> {
  const charges = new Map<string, Map<string, ReservationCharge>>();
  for (const counter of counters) {
    const id = `${counter.period}#${counter.key}`;
    const perWorkgroup = charges.get(id) ?? new Map<string, ReservationCharge>();
    const shares = splitProportionally(counter.costNanoUsd, counter.attributedByWorkgroup);
    for (const [workgroup, share] of shares) {
      const before = perWorkgroup.get(workgroup) ?? {
        shareNanoUsd: 0,
        creditedDpuMillis: 0,
        creditedCostNanoUsd: 0,
      };
      const credited = counter.attributedByWorkgroup[workgroup] ?? 0;
      perWorkgroup.set(workgroup, {
        shareNanoUsd: before.shareNanoUsd + share,
        creditedDpuMillis: before.creditedDpuMillis + credited,
        creditedCostNanoUsd:
          before.creditedCostNanoUsd +
          (counter.allocatedDpuMillis > 0
            ? Math.round((credited * counter.costNanoUsd) / counter.allocatedDpuMillis)
            : 0),
      });
    }
    charges.set(id, perWorkgroup);
  }
  return charges;
}

/**
 * A workgroup's billed cost in one period: its shares of reservations' costs, plus whatever of
 * its cost no reservation credited (on-demand queries; usage before accounting began). Without
 * a charge it is its cost. Each query's cost was rounded to the nano-dollar on its own, so up to
 * one nano-dollar per query of difference from the credited cost is rounding, not usage (an
 * on-demand query costs at least 47,683 nano-dollars).
 */
export function billedNanoUsdOf(
  usage: { readonly costNanoUsd: number; readonly queries: number },
  charge: ReservationCharge | undefined,
): number {
  if (charge === undefined) return usage.costNanoUsd;
  const uncredited = usage.costNanoUsd - charge.creditedCostNanoUsd;
  return charge.shareNanoUsd + (uncredited > usage.queries ? uncredited : 0);
}
