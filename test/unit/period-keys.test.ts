import { describe, expect, it } from 'vitest';
import { periodBounds, periodKeysFor } from '../../lib/usage/period-keys.js';

describe('periodKeysFor', () => {
  it.each([
    // instant, day, ISO week, month
    ['2026-11-25T10:00:00Z', '2026-11-25', '2026-W48', '2026-11'],
    ['2026-11-25T23:59:59.999Z', '2026-11-25', '2026-W48', '2026-11'],
    ['2026-11-26T00:00:00Z', '2026-11-26', '2026-W48', '2026-11'],
    // Monday starts a week; Sunday ends it.
    ['2026-11-29T23:59:59Z', '2026-11-29', '2026-W48', '2026-11'],
    ['2026-11-30T00:00:00Z', '2026-11-30', '2026-W49', '2026-11'],
    // Year edges: 2021-01-03 (Sunday) belongs to 2020's week 53; 2024-12-30 (Monday) to 2025-W01.
    ['2021-01-03T12:00:00Z', '2021-01-03', '2020-W53', '2021-01'],
    ['2021-01-04T00:00:00Z', '2021-01-04', '2021-W01', '2021-01'],
    ['2024-12-30T00:00:00Z', '2024-12-30', '2025-W01', '2024-12'],
    ['2026-12-31T23:59:59Z', '2026-12-31', '2026-W53', '2026-12'],
    ['2027-01-01T00:00:00Z', '2027-01-01', '2026-W53', '2027-01'],
    ['2027-01-04T00:00:00Z', '2027-01-04', '2027-W01', '2027-01'],
    // Leap day.
    ['2028-02-29T12:00:00Z', '2028-02-29', '2028-W09', '2028-02'],
  ])('%s is day %s, week %s, month %s', (instant, day, week, month) => {
    expect(periodKeysFor(new Date(instant))).toEqual({ day, week, month });
  });

  it('uses UTC, not the offset the instant was written in', () => {
    expect(periodKeysFor(new Date('2026-11-25T23:30:00-05:00')).day).toBe('2026-11-26');
  });

  it('rejects an invalid date', () => {
    expect(() => periodKeysFor(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('periodBounds', () => {
  it('gives the half-open interval of a day, week and month', () => {
    expect(periodBounds('day', '2026-11-25')).toEqual({
      start: new Date('2026-11-25T00:00:00Z'),
      end: new Date('2026-11-26T00:00:00Z'),
    });
    expect(periodBounds('week', '2026-W48')).toEqual({
      start: new Date('2026-11-23T00:00:00Z'),
      end: new Date('2026-11-30T00:00:00Z'),
    });
    expect(periodBounds('week', '2020-W53')).toEqual({
      start: new Date('2020-12-28T00:00:00Z'),
      end: new Date('2021-01-04T00:00:00Z'),
    });
    expect(periodBounds('month', '2026-12')).toEqual({
      start: new Date('2026-12-01T00:00:00Z'),
      end: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('round-trips every day of a leap year through its week key', () => {
    for (let day = Date.UTC(2028, 0, 1); day < Date.UTC(2029, 0, 1); day += 86_400_000) {
      const instant = new Date(day + 43_200_000);
      const { week } = periodKeysFor(instant);
      const bounds = periodBounds('week', week);
      expect(bounds.start.getTime()).toBeLessThanOrEqual(instant.getTime());
      expect(bounds.end.getTime()).toBeGreaterThan(instant.getTime());
      expect(bounds.start.getUTCDay()).toBe(1);
    }
  });

  it.each([
    ['day', '2026-02-30'],
    ['day', '2026-11-5'],
    ['week', '2026-W54'],
    ['week', '2026-W00'],
    ['month', '2026-13'],
    ['month', 'november'],
  ] as const)('rejects the %s key %s', (period, key) => {
    expect(() => periodBounds(period, key)).toThrow(RangeError);
  });
});
