import type { ReservationCounter } from './billed-cost.js';
import { DPU_STEP, MINUTE_MS } from './reservation-accounting.js';

/**
 * The right-sizing hint of a capacity reservation: the DPUs that would have covered the 95th
 * percentile of its minute-level use over a period, and what that size would have cost over
 * the same minutes. Pure: built from the minute profiles of its day counters.
 */

/** The smallest reservation Athena accepts (`TargetDpus` ≥ 4 since February 2026). */
export const MIN_RESERVATION_DPUS = 4;

/** The share of minutes the hinted size covers. */
export const RIGHT_SIZING_PERCENTILE = 95;

/** A hint, or why there is none. */
export type RightSizing =
  | {
      readonly ok: true;
      readonly reservation: string;
      /** Minutes the hint is based on: held DPUs and DPUConsumed measured them. */
      readonly sampledMinutes: number;
      /** The reservation's counted minutes in the period, for the coverage. */
      readonly countedMinutes: number;
      /** The DPUs the p95 minute needed, rounded up to the step of 4. */
      readonly p95UsedDpus: number;
      /** The hinted size: the p95's DPUs, at least the minimum reservation. */
      readonly hintDpus: number;
      /** What the sampled minutes billed at the DPUs allocated. */
      readonly sampledCostNanoUsd: number;
      /** What they would have billed at `hintDpus`. */
      readonly hintCostNanoUsd: number;
      /** `sampledCostNanoUsd − hintCostNanoUsd`: negative when the hint is larger. */
      readonly savingNanoUsd: number;
    }
  | {
      readonly ok: false;
      readonly reservation: string;
      readonly countedMinutes: number;
      readonly reason: string;
    };

/**
 * Sums the minute profiles of one reservation's day counters and sizes it: the nearest-rank
 * p95 of its minutes' use steps, at least {@link MIN_RESERVATION_DPUS}. Costs are at the price
 * each day was billed at (its cost over its allocated DPU-ms), so no price is configured twice.
 * Counters of other reservations or periods are ignored; days without a profile only count
 * towards `countedMinutes`.
 */
export function rightSizingOf(
  reservation: string,
  dayCounters: readonly ReservationCounter[],
): RightSizing {
  const minutesByDpus = new Map<number, number>();
  const sampledDays: { counter: ReservationCounter; minutes: number; allocated: number }[] = [];
  let countedMinutes = 0;
  for (const counter of dayCounters) {
    if (counter.reservation !== reservation || counter.period !== 'day') continue;
    countedMinutes += counter.minutes;
    const profile = counter.minuteProfile;
    if (profile === undefined) continue;
    let minutesOfDay = 0;
    for (const [dpus, minutes] of Object.entries(profile.usedMinutesByDpus)) {
      const step = Number(dpus);
      if (!Number.isFinite(step) || step < 0 || !(minutes > 0)) continue;
      minutesByDpus.set(step, (minutesByDpus.get(step) ?? 0) + minutes);
      minutesOfDay += minutes;
    }
    if (minutesOfDay > 0)
      sampledDays.push({
        counter,
        minutes: minutesOfDay,
        allocated: profile.sampledAllocatedDpuMillis,
      });
  }
  const sampledMinutes = [...minutesByDpus.values()].reduce((sum, minutes) => sum + minutes, 0);
  if (sampledMinutes === 0)
    return {
      ok: false,
      reservation,
      countedMinutes,
      reason:
        countedMinutes === 0
          ? 'no minutes counted in the period'
          : 'no minute-level use: its workgroups publish no DPUConsumed metric',
    };
  const rank = Math.ceil((sampledMinutes * RIGHT_SIZING_PERCENTILE) / 100);
  let seen = 0;
  let p95UsedDpus = 0;
  for (const step of [...minutesByDpus.keys()].sort((a, b) => a - b)) {
    seen += minutesByDpus.get(step) ?? 0;
    if (seen >= rank) {
      p95UsedDpus = step;
      break;
    }
  }
  const hintDpus = Math.max(MIN_RESERVATION_DPUS, Math.ceil(p95UsedDpus / DPU_STEP) * DPU_STEP);
  let sampledCostNanoUsd = 0;
  let hintCostNanoUsd = 0;
  for (const day of sampledDays) {
    sampledCostNanoUsd += atDayPrice(day.counter, day.allocated);
    hintCostNanoUsd += atDayPrice(day.counter, hintDpus * day.minutes * MINUTE_MS);
  }
  return {
    ok: true,
    reservation,
    sampledMinutes,
    countedMinutes,
    p95UsedDpus,
    hintDpus,
    sampledCostNanoUsd,
    hintCostNanoUsd,
    savingNanoUsd: sampledCostNanoUsd - hintCostNanoUsd,
  };
}

/** DPU-ms at the price a day counter was billed at: its cost × dpuMillis / its allocated. */
function atDayPrice(counter: ReservationCounter, dpuMillis: number): number {
  if (counter.allocatedDpuMillis <= 0) return 0;
  return Number(
    (BigInt(counter.costNanoUsd) * BigInt(Math.round(dpuMillis))) /
      BigInt(counter.allocatedDpuMillis),
  );
}

/** What a hint rests on and where it stops, for the CLI and the README. */
export const RIGHT_SIZING_LIMITS =
  'Based on DPUConsumed minute averages over the minutes the reservation held DPUs. In the busiest 5% of those minutes queries would have queued (a reservation never falls back to on-demand); sub-minute peaks are averaged away; a query needing more DPUs than the hint cannot run; Athena lowers DPUs only an hour after an increase, takes up to 30 minutes to apply a change and does not guarantee it.';
