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
  readonly usedDpuHours: number;
  readonly limitDpuHours: number;
  readonly now: Date;
}

/** Where DPU usage is heading by the end of the period, if it goes on at its average rate. */
export interface Forecast {
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** Time since the period start, within the period. */
  readonly elapsedMs: number;
  /** Time until the period end, within the period. */
  readonly remainingMs: number;
  /** False until {@link MIN_ELAPSED_MS_TO_EXTRAPOLATE} has passed: the projection is then `used`. */
  readonly extrapolated: boolean;
  /** Average DPU-hours used per hour since the period start (that is, average DPUs in use). */
  readonly burnRateDpuHoursPerHour: number;
  readonly projectedAtPeriodEnd: number;
  readonly projectedPercent: number;
  /**
   * When usage reaches the limit at the current rate: `now` if it already has, null if the rate
   * is 0 or it would not happen before the period ends.
   */
  readonly limitReachedAt: Date | null;
}

/**
 * Projects DPU usage linearly: the average rate since the period start is assumed to hold until
 * its end. Bursty workloads (a nightly batch) make this a rough guide, not a promise.
 * Throws a RangeError on a malformed period key, an invalid `now`, negative usage or a limit
 * that is not positive.
 */
export function forecastUsage(input: ForecastInput): Forecast {
  const { period, periodKey, usedDpuHours, limitDpuHours, now } = input;
  if (Number.isNaN(now.getTime())) throw new RangeError('forecastUsage: invalid now');
  if (!(Number.isFinite(usedDpuHours) && usedDpuHours >= 0)) {
    throw new RangeError(`forecastUsage: usedDpuHours must be >= 0, got ${usedDpuHours}`);
  }
  if (!(Number.isFinite(limitDpuHours) && limitDpuHours > 0)) {
    throw new RangeError(`forecastUsage: limitDpuHours must be > 0, got ${limitDpuHours}`);
  }
  const { start, end } = periodBounds(period, periodKey);
  // A `now` outside the period (a late report on a closed period) is clamped to its bounds.
  const at = Math.min(Math.max(now.getTime(), start.getTime()), end.getTime());
  const elapsedMs = at - start.getTime();
  const remainingMs = end.getTime() - at;
  const extrapolated = elapsedMs >= MIN_ELAPSED_MS_TO_EXTRAPOLATE;
  const burnRatePerMs = extrapolated ? usedDpuHours / elapsedMs : 0;
  const projectedAtPeriodEnd = usedDpuHours + burnRatePerMs * remainingMs;
  return {
    periodStart: start,
    periodEnd: end,
    elapsedMs,
    remainingMs,
    extrapolated,
    burnRateDpuHoursPerHour: burnRatePerMs * MILLIS_PER_HOUR,
    projectedAtPeriodEnd,
    projectedPercent: (projectedAtPeriodEnd * 100) / limitDpuHours,
    limitReachedAt: limitReachedAt(usedDpuHours, limitDpuHours, burnRatePerMs, at, end, now),
  };
}

function limitReachedAt(
  used: number,
  limit: number,
  burnRatePerMs: number,
  at: number,
  end: Date,
  now: Date,
): Date | null {
  if (used >= limit) return now;
  if (burnRatePerMs <= 0) return null;
  const reachedAt = Math.round(at + (limit - used) / burnRatePerMs);
  return reachedAt < end.getTime() ? new Date(reachedAt) : null;
}
