import { describe, expect, it } from 'vitest';
import { type ForecastInput, forecastUsage } from '../../lib/budgets/forecast.js';

const HOUR_MS = 3_600_000;

const forecast = (overrides: Partial<ForecastInput> & Pick<ForecastInput, 'now'>) =>
  forecastUsage({
    period: 'day',
    periodKey: '2026-11-25',
    used: 0,
    limit: 100,
    ...overrides,
  });

const WEEK_48 = { period: 'week', periodKey: '2026-W48' } as const;
/** November 2026 (30 days) and February 2028 (29), by their period keys. */
const NOVEMBER = { period: 'month', periodKey: '2026-11' } as const;
const LEAP_FEBRUARY = { period: 'month', periodKey: '2028-02' } as const;

describe('forecastUsage', () => {
  describe('a day', () => {
    it('extrapolates the rate so far to the end of the day at midday', () => {
      // Prepare: 40 DPU-hours in 12 hours is 3.33 DPUs on average.
      const now = new Date('2026-11-25T12:00:00Z');

      // Act
      const result = forecast({ now, used: 40 });

      // Assess
      expect(result.periodStart).toEqual(new Date('2026-11-25T00:00:00Z'));
      expect(result.periodEnd).toEqual(new Date('2026-11-26T00:00:00Z'));
      expect(result.elapsedMs).toBe(12 * HOUR_MS);
      expect(result.remainingMs).toBe(12 * HOUR_MS);
      expect(result.extrapolated).toBe(true);
      expect(result.burnRatePerHour).toBeCloseTo(40 / 12, 9);
      expect(result.projectedAtPeriodEnd).toBeCloseTo(80, 9);
      expect(result.projectedPercent).toBeCloseTo(80, 9);
      expect(result.limitReachedAt).toBeNull();
    });

    it('says when the limit will be reached if that is before the end of the day', () => {
      // 60 DPU-hours in 12 hours: 5 an hour, so the remaining 40 take 8 hours.
      const result = forecast({ now: new Date('2026-11-25T12:00:00Z'), used: 60 });

      expect(result.projectedAtPeriodEnd).toBeCloseTo(120, 9);
      expect(result.projectedPercent).toBeCloseTo(120, 9);
      expect(result.limitReachedAt).toEqual(new Date('2026-11-25T20:00:00Z'));
    });

    it('does not extrapolate in the first minute of the day', () => {
      const result = forecast({ now: new Date('2026-11-25T00:00:30Z'), used: 2 });

      expect(result.extrapolated).toBe(false);
      expect(result.burnRatePerHour).toBe(0);
      expect(result.projectedAtPeriodEnd).toBe(2);
      expect(result.projectedPercent).toBe(2);
      expect(result.limitReachedAt).toBeNull();
    });

    it('extrapolates once a full minute has passed', () => {
      // 0.5 DPU-hours in one minute is 30 DPUs: 720 DPU-hours over the day.
      const result = forecast({ now: new Date('2026-11-25T00:01:00Z'), used: 0.5 });

      expect(result.extrapolated).toBe(true);
      expect(result.burnRatePerHour).toBeCloseTo(30, 9);
      expect(result.projectedAtPeriodEnd).toBeCloseTo(720, 6);
      // The remaining 99.5 DPU-hours take 199 minutes at 30 DPUs.
      expect(result.limitReachedAt).toEqual(new Date('2026-11-25T03:20:00Z'));
    });

    it('projects what is used at the very end of the day', () => {
      const result = forecast({ now: new Date('2026-11-25T23:59:59.999Z'), used: 90 });

      expect(result.remainingMs).toBe(1);
      expect(result.projectedAtPeriodEnd).toBeCloseTo(90, 5);
      expect(result.limitReachedAt).toBeNull();
    });

    it('has no date for the limit when nothing is used', () => {
      const result = forecast({ now: new Date('2026-11-25T12:00:00Z'), used: 0 });

      expect(result.burnRatePerHour).toBe(0);
      expect(result.projectedAtPeriodEnd).toBe(0);
      expect(result.limitReachedAt).toBeNull();
    });
  });

  describe('over the limit', () => {
    it('dates the limit by its crossing, not by a projection, with the projection still growing', () => {
      const now = new Date('2026-11-25T06:00:00Z');
      const crossedAt = new Date('2026-11-25T04:10:00Z');

      const result = forecast({ now, used: 150, crossedAt });

      expect(result.limitCrossed).toBe(true);
      expect(result.limitReachedAt).toEqual(crossedAt);
      expect(result.projectedAtPeriodEnd).toBeCloseTo(600, 9);
      expect(result.projectedPercent).toBeCloseTo(600, 9);
    });

    it('has no date when no record says when the limit was crossed', () => {
      const result = forecast({ now: new Date('2026-11-25T00:00:10Z'), used: 100 });

      expect(result.limitCrossed).toBe(true);
      expect(result.limitReachedAt).toBeNull();
      expect(result.projectedAtPeriodEnd).toBe(100);
      expect(result.projectedPercent).toBe(100);
    });

    it('never dates a crossing after now', () => {
      const now = new Date('2026-11-25T06:00:00Z');

      const result = forecast({ now, used: 120, crossedAt: new Date('2026-11-25T07:00:00Z') });

      expect(result.limitReachedAt).toEqual(now);
    });
  });

  describe('a stopped workgroup', () => {
    it('projects no further burn once the workgroup is disabled', () => {
      const result = forecast({ now: new Date('2026-11-25T12:00:00Z'), used: 60, stopped: true });

      expect(result.extrapolated).toBe(false);
      expect(result.burnRatePerHour).toBe(0);
      expect(result.projectionFactor).toBe(1);
      expect(result.projectedAtPeriodEnd).toBe(60);
      expect(result.projectedPercent).toBe(60);
      expect(result.limitReachedAt).toBeNull();
    });
  });

  it('projects any unit alike: 54 of 39 dollars by 03:00 is over, and 432 by midnight', () => {
    const result = forecast({
      now: new Date('2026-11-25T03:00:00Z'),
      used: 54,
      limit: 39,
      crossedAt: new Date('2026-11-25T02:10:00Z'),
    });

    expect(result.projectionFactor).toBe(8);
    expect(result.projectedAtPeriodEnd).toBeCloseTo(432, 9);
    expect(result.projectedPercent).toBeCloseTo((432 * 100) / 39, 9);
    expect(result.limitReachedAt).toEqual(new Date('2026-11-25T02:10:00Z'));
  });

  describe('a week', () => {
    it('extrapolates from the Monday start', () => {
      // 2026-W48 runs Monday 23 to Sunday 29 November. Thursday noon is 3.5 days in.
      const result = forecast({ ...WEEK_48, used: 35, now: new Date('2026-11-26T12:00:00Z') });

      expect(result.periodStart).toEqual(new Date('2026-11-23T00:00:00Z'));
      expect(result.periodEnd).toEqual(new Date('2026-11-30T00:00:00Z'));
      expect(result.projectedAtPeriodEnd).toBeCloseTo(70, 9);
      expect(result.limitReachedAt).toBeNull();
    });

    it('does not extrapolate in the first minute of the week', () => {
      const result = forecast({ ...WEEK_48, used: 1, now: new Date('2026-11-23T00:00:59.999Z') });

      expect(result.projectedAtPeriodEnd).toBe(1);
    });

    it('reaches the limit on the last day of a week', () => {
      // 80 DPU-hours in 4 days is 20 a day: the last 20 take one more day.
      const result = forecast({ ...WEEK_48, used: 80, now: new Date('2026-11-27T00:00:00Z') });

      expect(result.limitReachedAt).toEqual(new Date('2026-11-28T00:00:00Z'));
    });
  });

  describe('a month', () => {
    it('uses the length of the month: 30 days in November', () => {
      // 10 days in, 10 DPU-hours: 1 a day, 30 by the end.
      const result = forecast({
        ...NOVEMBER,
        used: 10,
        now: new Date('2026-11-11T00:00:00Z'),
      });

      expect(result.periodEnd).toEqual(new Date('2026-12-01T00:00:00Z'));
      expect(result.projectedAtPeriodEnd).toBeCloseTo(30, 9);
      expect(result.projectedPercent).toBeCloseTo(30, 9);
    });

    it('uses the length of the month: 29 days in a leap February', () => {
      const result = forecast({
        ...LEAP_FEBRUARY,
        used: 10,
        now: new Date('2028-02-11T00:00:00Z'),
      });

      expect(result.projectedAtPeriodEnd).toBeCloseTo(29, 9);
    });

    it.each<[string, number, string, Partial<Record<keyof ReturnType<typeof forecast>, unknown>>]>([
      [
        'does not extrapolate at the start of the month',
        3,
        '2026-11-01T00:00:00Z',
        { elapsedMs: 0, projectedAtPeriodEnd: 3 },
      ],
      [
        'projects what is used once the month is over',
        90,
        '2026-12-03T00:00:00Z',
        { remainingMs: 0, projectedAtPeriodEnd: 90 },
      ],
      // Half the limit in 15 of 30 days: the other half takes the remaining 15.
      [
        'has no date for a limit reached only as the month ends',
        50,
        '2026-11-16T00:00:00Z',
        { projectedPercent: expect.closeTo(100, 9) },
      ],
    ])('%s', (_, used, now, expected) => {
      const result = forecast({ ...NOVEMBER, used, now: new Date(now) });

      expect(result).toMatchObject({ ...expected, limitReachedAt: null });
    });

    it('dates a limit reached within the month', () => {
      // 70 DPU-hours in 20 days is 3.5 a day: the remaining 30 take 30 / 3.5 days.
      const now = new Date('2026-11-21T00:00:00Z');

      const result = forecast({ ...NOVEMBER, used: 70, now });

      expect(result.limitReachedAt?.getTime()).toBe(
        now.getTime() + Math.round((30 / 3.5) * 24 * HOUR_MS),
      );
    });
  });

  it.each<[string, Partial<ForecastInput>]>([
    ['a malformed period key', { periodKey: '2026-13-01' }],
    ['an invalid now', { now: new Date('nope') }],
    ['negative usage', { used: -1 }],
    ['a zero limit', { limit: 0 }],
  ])('rejects %s', (_, overrides) => {
    expect(() => forecast({ now: new Date('2026-11-25T12:00:00Z'), ...overrides })).toThrow(
      RangeError,
    );
  });
});
