import type { Pricing } from '../config.js';
import { DAY_MS, type Period, periodKeysFor } from '../usage/period-keys.js';
import { MILLIS_PER_HOUR, NANO_USD_PER_USD } from '../usage/pricing.js';

/**
 * Minute-exact accounting of a capacity reservation: what it allocated (and so billed) and what
 * its workgroups used, between the watermark of the last run and the end of this one, in the
 * same integer units as the query counters (DPU-milliseconds, nano-dollars).
 */

export const MINUTE_MS = 60_000;

/** `Status` of a capacity reservation (SDK `CapacityReservationStatus`). */
export type ReservationStatus =
  | 'PENDING'
  | 'ACTIVE'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'FAILED'
  | 'UPDATE_PENDING';

/**
 * States in which a reservation holds (and bills) its allocated DPUs. PENDING has none yet;
 * CANCELLED and FAILED hold none any more. CANCELLING is counted until the reservation is
 * CANCELLED (AWS does not document when billing stops within it: counting it errs on the bill's
 * side).
 */
const HOLDING_STATUSES: ReadonlySet<ReservationStatus> = new Set([
  'ACTIVE',
  'UPDATE_PENDING',
  'CANCELLING',
]);

/** A reservation as one poll saw it. */
export interface ObservedReservation {
  readonly name: string;
  readonly status: ReservationStatus;
  readonly targetDpus: number;
  readonly allocatedDpus: number;
  /** When the allocation last changed successfully: where a change of AllocatedDpus is placed. */
  readonly lastSuccessfulAllocationTime: Date | undefined;
  /** The workgroups it serves (GetCapacityAssignmentConfiguration). */
  readonly workgroups: readonly string[];
}

/** From `from` (ISO) on, the reservation held `dpus` until the next change. */
export interface AllocationChange {
  readonly from: string;
  readonly dpus: number;
}

/** What the capacity function keeps per reservation between runs. */
export interface ReservationState {
  readonly reservation: string;
  /** Everything before this instant (ISO, on a minute) is counted. */
  readonly watermark: string;
  /** The allocation in effect at the watermark, then every later change, oldest first. */
  readonly allocations: readonly AllocationChange[];
  /**
   * Per workgroup the reservation serves and per day: the workgroup's attributed DPU-ms the
   * last run had already credited to this reservation, so the next run credits only the growth.
   */
  readonly attributedSeen: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly workgroups: readonly string[];
  readonly status: ReservationStatus | 'GONE';
  readonly targetDpus: number;
  /** Optimistic lock: 0 for a reservation never saved. */
  readonly version: number;
}

/** Per-minute values of a metric (minute start in epoch ms → DPUs, the minute's average). */
export type MinuteSeries = ReadonlyMap<number, number>;

/** The reservation's `AWS/Athena` metrics, each absent where CloudWatch has none for it. */
export interface ReservationDpuSeries {
  readonly allocated?: MinuteSeries;
  readonly consumed?: MinuteSeries;
}

/** What one run adds to one counter of a reservation. */
export interface ReservationIncrement {
  readonly period: Period;
  readonly key: string;
  readonly allocatedDpuMillis: number;
  readonly usedDpuMillis: number;
  /** Σ DpuCount × engine time of the queries of its workgroups, credited while they served it. */
  readonly attributedDpuMillis: number;
  readonly attributedByWorkgroup: Readonly<Record<string, number>>;
  /** The allocated DPU-hours at the DPU-hour price: what the reservation billed. */
  readonly costNanoUsd: number;
  /** Minutes of the interval this increment covers. */
  readonly minutes: number;
  readonly usedSource: 'DPUConsumed' | 'attributed';
  /** The day's minute-level detail; day increments only, never week or month ones. */
  readonly minuteProfile?: MinuteProfile;
}

/**
 * What a day's minutes looked like, kept beside the day's sums so that reports can chart its
 * hours and size the reservation (`right-sizing.ts`) without storing minutes: at most 24 + 24
 * hour buckets and one bucket per 4 DPUs of use in a day's counter item.
 */
export interface MinuteProfile {
  /** Allocated DPU-ms per UTC hour of the day (`"00"`..`"23"`); sums to the day's allocated. */
  readonly allocatedDpuMillisByHour: Readonly<Record<string, number>>;
  /** DPUConsumed DPU-ms per UTC hour; only from minutes CloudWatch measured. */
  readonly usedDpuMillisByHour: Readonly<Record<string, number>>;
  /**
   * Minutes the reservation held DPUs and DPUConsumed measured, by the DPUs their use needed,
   * rounded up to the allocation step (`"0"`, `"4"`, `"8"`, …): the day's histogram of
   * minute-level use.
   */
  readonly usedMinutesByDpus: Readonly<Record<string, number>>;
  /** The allocated DPU-ms of the minutes in `usedMinutesByDpus`: what those minutes billed. */
  readonly sampledAllocatedDpuMillis: number;
}

/** Reservations are sized in steps of this many DPUs (Athena console, "increments of 4"). */
export const DPU_STEP = 4;

/** The DPUs a minute's average use needs, rounded up to the step (0 for none). */
export const dpuStepOf = (usedDpus: number): number =>
  // Rounded to a millionth first: 8.0000000001 from float averaging needs 8, not 12.
  Math.max(0, Math.ceil(Math.round(usedDpus * 1e6) / 1e6 / DPU_STEP) * DPU_STEP);

export interface AccountingInput {
  /** The saved state, or undefined for a reservation seen for the first time. */
  readonly state: ReservationState | undefined;
  /** This poll's view, or undefined when the reservation is no longer listed. */
  readonly observed: ObservedReservation | undefined;
  readonly now: Date;
  /** End of what this run counts (on a minute, a little behind now for the metrics' delay). */
  readonly end: Date;
  /** A run counts at most this much after the watermark; the next run continues. */
  readonly maxCatchUpMs: number;
  readonly series: ReservationDpuSeries;
  /** The days whose attributed usage was read ({@link attributionDays}). */
  readonly days: readonly string[];
  /** The observed workgroups' attributed DPU-ms per day of `days`. */
  readonly attributedByDay: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly pricing: Pricing;
}

export interface AccountingResult {
  readonly next: ReservationState;
  /** Day, week and month increments, non-empty only when there is something to add. */
  readonly increments: readonly ReservationIncrement[];
  /** Why an allocation change was placed later than AWS said it happened, if it was. */
  readonly notes: readonly string[];
}

/** DPUs a reservation bills in this state: its allocated ones while it holds capacity. */
export const billedDpusOf = (observed: ObservedReservation | undefined): number =>
  observed !== undefined && HOLDING_STATUSES.has(observed.status)
    ? Math.max(0, observed.allocatedDpus)
    : 0;

/** Floors an instant to its minute. */
export const minuteFloor = (instant: Date): Date =>
  new Date(Math.floor(instant.getTime() / MINUTE_MS) * MINUTE_MS);

/**
 * The days whose attributed usage a run compares against what it saw last: from the day before
 * the watermark (queries recorded late) to today, at most three.
 */
export function attributionDays(watermark: Date | undefined, now: Date): string[] {
  const last = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = watermark === undefined ? last : watermark.getTime() - DAY_MS;
  const first = Math.max(since - (since % DAY_MS), last - 2 * DAY_MS);
  const days: string[] = [];
  for (let day = first; day <= last; day += DAY_MS) days.push(periodKeysFor(new Date(day)).day);
  return days;
}

/** The cost of allocated DPU-milliseconds in nano-dollars. */
export const reservationCostNanoUsd = (allocatedDpuMillis: number, pricing: Pricing): number =>
  Math.round(
    (allocatedDpuMillis * pricing.pricePerDpuHourUsd * NANO_USD_PER_USD) / MILLIS_PER_HOUR,
  );

/**
 * One run for one reservation: updates the allocation timeline with this poll (a change of
 * AllocatedDpus placed at LastSuccessfulAllocationTime, a cancellation or disappearance at the
 * poll), counts every minute of [watermark, end) — from DPUAllocated where CloudWatch has the
 * minute, else from the timeline, ms-exact — credits the growth of its workgroups' attributed
 * usage, and moves the watermark. A reservation seen for the first time starts at `end`.
 */
export function accountReservation(input: AccountingInput): AccountingResult {
  const { state, observed, now, end } = input;
  const billed = billedDpusOf(observed);
  const { days } = input;
  if (state === undefined) {
    return {
      next: {
        reservation: observed?.name ?? '',
        watermark: end.toISOString(),
        allocations: [{ from: end.toISOString(), dpus: billed }],
        attributedSeen: seenOf(observed?.workgroups ?? [], input.attributedByDay),
        workgroups: [...(observed?.workgroups ?? [])],
        status: observed?.status ?? 'GONE',
        targetDpus: observed?.targetDpus ?? 0,
        version: 0,
      },
      increments: [],
      notes: [],
    };
  }
  const notes: string[] = [];
  const watermark = new Date(state.watermark);
  const allocations = [...state.allocations];
  const last = allocations.at(-1);
  if (last === undefined || last.dpus !== billed) {
    const floor = Math.max(watermark.getTime(), last === undefined ? 0 : Date.parse(last.from));
    // A growth or shrink happened at LastSuccessfulAllocationTime. A cancellation (or a
    // reservation no longer listed) has no time of its own: it ended after the last minute
    // DPUAllocated shows it holding DPUs, or, without the metric, at this poll.
    const lastHeld = billed === 0 ? lastPositiveMinute(input.series.allocated, floor) : undefined;
    const reported =
      billed > 0
        ? observed?.lastSuccessfulAllocationTime?.getTime()
        : lastHeld === undefined
          ? undefined
          : lastHeld + MINUTE_MS;
    let at = reported ?? now.getTime();
    if (at < floor) {
      notes.push(
        `${state.reservation}: allocation ${last?.dpus ?? 0} → ${billed} DPUs reported at ${new Date(at).toISOString()}, before time already counted; placed at ${new Date(floor).toISOString()}`,
      );
      at = floor;
    }
    allocations.push({ from: new Date(Math.min(at, now.getTime())).toISOString(), dpus: billed });
  }

  const intervalEnd = Math.min(end.getTime(), watermark.getTime() + input.maxCatchUpMs);
  const byDay = new Map<string, MutableIncrement>();
  const dayOf = (day: string) => {
    let entry = byDay.get(day);
    if (entry === undefined) {
      entry = {
        allocatedDpuMillis: 0,
        consumedDpuMillis: 0,
        attributedDpuMillis: 0,
        attributedByWorkgroup: {},
        minutes: 0,
        allocatedDpuMillisByHour: {},
        usedDpuMillisByHour: {},
        usedMinutesByDpus: {},
        sampledAllocatedDpuMillis: 0,
      };
      byDay.set(day, entry);
    }
    return entry;
  };
  for (let minute = watermark.getTime(); minute < intervalEnd; minute += MINUTE_MS) {
    const entry = dayOf(periodKeysFor(new Date(minute)).day);
    const measured = input.series.allocated?.get(minute);
    const allocated =
      measured === undefined
        ? allocatedMillisBetween(allocations, minute, minute + MINUTE_MS)
        : Math.round(measured * MINUTE_MS);
    const consumedDpus = input.series.consumed?.get(minute) ?? 0;
    const consumed = Math.round(consumedDpus * MINUTE_MS);
    entry.allocatedDpuMillis += allocated;
    entry.consumedDpuMillis += consumed;
    entry.minutes += 1;
    const hour = hourOf(minute);
    addTo(entry.allocatedDpuMillisByHour, hour, allocated);
    if (input.series.consumed !== undefined) {
      addTo(entry.usedDpuMillisByHour, hour, consumed);
      if (allocated > 0) {
        addTo(entry.usedMinutesByDpus, String(dpuStepOf(consumedDpus)), 1);
        entry.sampledAllocatedDpuMillis += allocated;
      }
    }
  }

  // Usage credited while a workgroup serves this reservation: the growth of its day counters
  // since the last run. A workgroup that just joined starts from its current counters (what it
  // used before belongs to where it was).
  const workgroups = observed?.workgroups ?? [];
  for (const workgroup of workgroups) {
    const seen = state.workgroups.includes(workgroup) ? state.attributedSeen[workgroup] : undefined;
    if (seen === undefined) continue;
    for (const day of days) {
      const current = input.attributedByDay.get(workgroup)?.get(day) ?? 0;
      const growth = current - (seen[day] ?? 0);
      if (growth <= 0) continue;
      const entry = dayOf(day);
      entry.attributedDpuMillis += growth;
      entry.attributedByWorkgroup[workgroup] =
        (entry.attributedByWorkgroup[workgroup] ?? 0) + growth;
    }
  }

  // Every workgroup served in a counted minute is named in the counter, with 0 if it used
  // nothing: a reservation nobody used splits its cost evenly over the workgroups it served.
  for (const entry of byDay.values())
    if (entry.minutes > 0)
      for (const workgroup of workgroups)
        entry.attributedByWorkgroup[workgroup] = entry.attributedByWorkgroup[workgroup] ?? 0;

  const usedSource = input.series.consumed === undefined ? 'attributed' : 'DPUConsumed';
  const increments = incrementsOf(byDay, usedSource, input.pricing);
  const nextWatermark = Math.max(intervalEnd, watermark.getTime());
  return {
    next: {
      reservation: state.reservation,
      watermark: new Date(nextWatermark).toISOString(),
      allocations: pruneAllocations(allocations, nextWatermark),
      attributedSeen: seenOf(workgroups, input.attributedByDay),
      workgroups: [...workgroups],
      status: observed?.status ?? 'GONE',
      targetDpus: observed?.targetDpus ?? state.targetDpus,
      version: state.version,
    },
    increments,
    notes,
  };
}

/**
 * True when nothing is left to count: the reservation is gone or holds nothing, and the
 * watermark has passed its last change. Such a state needs no more writes.
 */
export function isSettled(state: ReservationState, observed: ObservedReservation | undefined) {
  const last = state.allocations.at(-1);
  return (
    observed === undefined &&
    state.status === 'GONE' &&
    last !== undefined &&
    last.dpus === 0 &&
    Date.parse(last.from) <= Date.parse(state.watermark)
  );
}

function lastPositiveMinute(series: MinuteSeries | undefined, since: number): number | undefined {
  let last: number | undefined;
  for (const [minute, dpus] of series ?? new Map<number, number>())
    if (dpus > 0 && minute >= since && (last === undefined || minute > last)) last = minute;
  return last;
}

interface MutableIncrement {
  allocatedDpuMillis: number;
  consumedDpuMillis: number;
  attributedDpuMillis: number;
  attributedByWorkgroup: Record<string, number>;
  minutes: number;
  allocatedDpuMillisByHour: Record<string, number>;
  usedDpuMillisByHour: Record<string, number>;
  usedMinutesByDpus: Record<string, number>;
  sampledAllocatedDpuMillis: number;
}

/** `"00"`..`"23"`: the UTC hour of an instant in epoch ms. */
const hourOf = (ms: number): string => String(new Date(ms).getUTCHours()).padStart(2, '0');

/** Adds to a sparse record: keys with nothing stay absent, so the counter item stays small. */
function addTo(record: Record<string, number>, key: string, value: number): void {
  if (value !== 0) record[key] = (record[key] ?? 0) + value;
}

/** DPU-ms the timeline holds over [start, end). */
export function allocatedMillisBetween(
  allocations: readonly AllocationChange[],
  start: number,
  end: number,
): number {
  let total = 0;
  for (const [index, change] of allocations.entries()) {
    const from = Math.max(Date.parse(change.from), start);
    const next = allocations[index + 1];
    const until = Math.min(next === undefined ? end : Date.parse(next.from), end);
    if (until > from) total += change.dpus * (until - from);
  }
  return total;
}

/** Keeps the change in effect at `watermark` and every later one. */
function pruneAllocations(
  allocations: readonly AllocationChange[],
  watermark: number,
): AllocationChange[] {
  let first = 0;
  for (const [index, change] of allocations.entries())
    if (Date.parse(change.from) <= watermark) first = index;
  return allocations.slice(first);
}

function seenOf(
  workgroups: readonly string[],
  attributedByDay: ReadonlyMap<string, ReadonlyMap<string, number>>,
): Record<string, Record<string, number>> {
  const seen: Record<string, Record<string, number>> = {};
  for (const workgroup of workgroups)
    seen[workgroup] = Object.fromEntries(attributedByDay.get(workgroup) ?? new Map());
  return seen;
}

/** Day increments, and week and month increments as sums of whole days' figures. */
function incrementsOf(
  byDay: ReadonlyMap<string, MutableIncrement>,
  usedSource: ReservationIncrement['usedSource'],
  pricing: Pricing,
): ReservationIncrement[] {
  const grouped = new Map<string, ReservationIncrement>();
  for (const [day, figures] of [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (
      figures.minutes === 0 &&
      figures.attributedDpuMillis === 0 &&
      figures.allocatedDpuMillis === 0
    )
      continue;
    const keys = periodKeysFor(new Date(`${day}T00:00:00Z`));
    const dayIncrement: ReservationIncrement = {
      period: 'day',
      key: day,
      allocatedDpuMillis: figures.allocatedDpuMillis,
      usedDpuMillis:
        usedSource === 'DPUConsumed' ? figures.consumedDpuMillis : figures.attributedDpuMillis,
      attributedDpuMillis: figures.attributedDpuMillis,
      attributedByWorkgroup: figures.attributedByWorkgroup,
      costNanoUsd: reservationCostNanoUsd(figures.allocatedDpuMillis, pricing),
      minutes: figures.minutes,
      usedSource,
    };
    grouped.set(`day#${day}`, {
      ...dayIncrement,
      ...(figures.minutes > 0
        ? {
            minuteProfile: {
              allocatedDpuMillisByHour: figures.allocatedDpuMillisByHour,
              usedDpuMillisByHour: figures.usedDpuMillisByHour,
              usedMinutesByDpus: figures.usedMinutesByDpus,
              sampledAllocatedDpuMillis: figures.sampledAllocatedDpuMillis,
            },
          }
        : {}),
    });
    for (const period of ['week', 'month'] as const) {
      const id = `${period}#${keys[period]}`;
      grouped.set(
        id,
        addIncrements(grouped.get(id), { ...dayIncrement, period, key: keys[period] }),
      );
    }
  }
  return [...grouped.values()];
}

function addIncrements(
  sum: ReservationIncrement | undefined,
  add: ReservationIncrement,
): ReservationIncrement {
  if (sum === undefined) return add;
  const byWorkgroup: Record<string, number> = { ...sum.attributedByWorkgroup };
  for (const [workgroup, dpuMillis] of Object.entries(add.attributedByWorkgroup))
    byWorkgroup[workgroup] = (byWorkgroup[workgroup] ?? 0) + dpuMillis;
  return {
    ...sum,
    allocatedDpuMillis: sum.allocatedDpuMillis + add.allocatedDpuMillis,
    usedDpuMillis: sum.usedDpuMillis + add.usedDpuMillis,
    attributedDpuMillis: sum.attributedDpuMillis + add.attributedDpuMillis,
    attributedByWorkgroup: byWorkgroup,
    costNanoUsd: sum.costNanoUsd + add.costNanoUsd,
    minutes: sum.minutes + add.minutes,
  };
}
