import { type Period, periodBounds } from '../usage/period-keys.js';
import { MILLIS_PER_HOUR } from '../usage/pricing.js';

/**
 * Extrapolating from the first seconds of a period would turn one query into an absurd burn
 * rate, so until this much of the period has passed the projection is just what is used.
 */
export const MIN_ELAPSED_MS_TO_EXTRAPOLATE = 60_000;

export interface ForecastInput {
  readonly period: Period;
  readonly periodKey: string;
  /** Usage against the budget's binding limit, in that limit's unit. */
  readonly used: number;
  /** The binding limit. */
  readonly limit: number;
  readonly now: Date;
  /**
   * The workgroup can run nothing more this period (the enforcer disabled it): no further burn
   * is projected.
   */
  readonly stopped?: boolean | undefined;
  /**
   * When usage crossed the limit, as the enforcement records know it; for a budget over its
   * limit this is the date reported, never a projection.
   */
  readonly crossedAt?: Date | null | undefined;
}

/** Where usage is heading by the end of the period, if it goes on at its average rate. */
export interface Forecast {
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** Time since the period start, within the period. */
  readonly elapsedMs: number;
  /** Time until the period end, within the period. */
  readonly remainingMs: number;
  /** False until {@link MIN_ELAPSED_MS_TO_EXTRAPOLATE} has passed, or when stopped. */
  readonly extrapolated: boolean;
  /**
   * Usage at the period end is usage now times this: 1 without extrapolation, else the period's
   * length over the time elapsed. The same for every unit, so DPU-hours, dollars and bytes
   * project alike.
   */
  readonly projectionFactor: number;
  /** Average usage per hour since the period start, in the limit's unit. */
  readonly burnRatePerHour: number;
  /** Usage at the period end, in the limit's unit. */
  readonly projectedAtPeriodEnd: number;
  readonly projectedPercent: number;
  /** The limit is already reached. */
  readonly limitCrossed: boolean;
  /**
   * Once crossed: when it was, if known (null otherwise), and never later than `now`. Before:
   * when the rate so far reaches it, null if the rate is 0 or not before the period ends.
   */
  readonly limitReachedAt: Date | null;
}

/**
 * Projects usage linearly: the average rate since the period start is assumed to hold until its
 * end. Bursty workloads (a nightly batch) make this a rough guide, not a promise.
 * Throws a RangeError on a malformed period key, an invalid `now`, negative usage or a limit
 * that is not positive.
 */
export function forecastUsage(input: ForecastInput): Forecast {
  const { period, periodKey, used, limit, now } = input;
  if (Number.isNaN(now.getTime())) throw new RangeError('forecastUsage: invalid now');
  if (!(Number.isFinite(used) && used >= 0)) {
    throw new RangeError(`forecastUsage: used must be >= 0, got ${used}`);
  }
  if (!(Number.isFinite(limit) && limit > 0)) {
    throw new RangeError(`forecastUsage: limit must be > 0, got ${limit}`);
  }
  const { start, end } = periodBounds(period, periodKey);
  // A `now` outside the period (a late report on a closed period) is clamped to its bounds.
  const at = Math.min(Math.max(now.getTime(), start.getTime()), end.getTime());
  const elapsedMs = at - start.getTime();
  const remainingMs = end.getTime() - at;
  const extrapolated = input.stopped !== true && elapsedMs >= MIN_ELAPSED_MS_TO_EXTRAPOLATE;
  const projectionFactor = extrapolated ? (elapsedMs + remainingMs) / elapsedMs : 1;
  const burnRatePerMs = extrapolated ? used / elapsedMs : 0;
  const projectedAtPeriodEnd = used * projectionFactor;
  const limitCrossed = used >= limit;
  return {
    periodStart: start,
    periodEnd: end,
    elapsedMs,
    remainingMs,
    extrapolated,
    projectionFactor,
    burnRatePerHour: burnRatePerMs * MILLIS_PER_HOUR,
    projectedAtPeriodEnd,
    projectedPercent: (projectedAtPeriodEnd * 100) / limit,
    limitCrossed,
    limitReachedAt: limitCrossed
      ? crossingTime(input.crossedAt, now)
      : projectedReach(used, limit, burnRatePerMs, at, end),
  };
}

/** The recorded crossing, never after `now` (a record cannot be from the future of the data). */
function crossingTime(crossedAt: Date | null | undefined, now: Date): Date | null {
  if (crossedAt === undefined || crossedAt === null || Number.isNaN(crossedAt.getTime())) {
    return null;
  }
  return crossedAt.getTime() > now.getTime() ? now : crossedAt;
}

function projectedReach(
  used: number,
  limit: number,
  burnRatePerMs: number,
  at: number,
  end: Date,
): Date | null {
  if (burnRatePerMs <= 0) return null;
  const reachedAt = Math.round(at + (limit - used) / burnRatePerMs);
  return reachedAt < end.getTime() ? new Date(reachedAt) : null;
}
