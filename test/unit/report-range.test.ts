import { describe, expect, it } from 'vitest';
import {
  dayCount,
  daysIn,
  isDayKey,
  periodKeysIn,
  ReportRangeError,
  rangeLabel,
  resolveDayRange,
} from '../../lib/reports/report-range.js';

const NOW = new Date('2026-11-25T15:30:00Z');

describe('resolveDayRange', () => {
  it('defaults to the seven UTC days ending today', () => {
    expect(resolveDayRange({}, NOW)).toEqual({ from: '2026-11-19', to: '2026-11-25' });
    expect(resolveDayRange({}, new Date('2026-11-25T23:30:00-05:00'))).toEqual({
      from: '2026-11-20',
      to: '2026-11-26',
    });
  });

  it('counts --from back from --to when only --to is given', () => {
    expect(resolveDayRange({ to: '2026-03-02' }, NOW)).toEqual({
      from: '2026-02-24',
      to: '2026-03-02',
    });
  });

  it('accepts a single day and exactly 400 days', () => {
    expect(dayCount(resolveDayRange({ from: '2026-11-25', to: '2026-11-25' }, NOW))).toBe(1);
    expect(dayCount(resolveDayRange({ from: '2025-10-22', to: '2026-11-25' }, NOW))).toBe(400);
  });

  it.each([
    [{ from: '2026-11-26', to: '2026-11-25' }, '--from 2026-11-26 is after --to 2026-11-25'],
    [{ from: '2025-10-21', to: '2026-11-25' }, 'spans 401 days; a report covers at most 400'],
    [{ from: '2026-02-30' }, '--from 2026-02-30 does not exist: February 2026 has 28 days'],
    [{ to: '2028-02-30' }, '--to 2028-02-30 does not exist: February 2028 has 29 days'],
    [{ from: '2026-13-01' }, "--from must be a date YYYY-MM-DD, got '2026-13-01'"],
    [{ to: '26-11-25' }, "--to must be a date YYYY-MM-DD, got '26-11-25'"],
  ])('rejects %o', (bounds, message) => {
    expect(() => resolveDayRange(bounds, NOW)).toThrow(ReportRangeError);
    expect(() => resolveDayRange(bounds, NOW)).toThrow(message);
  });
});

describe('range keys', () => {
  const range = { from: '2026-11-28', to: '2026-12-02' };

  it('lists every day, across a month end', () => {
    expect(daysIn(range)).toEqual([
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
    ]);
  });

  it('lists the weeks and months overlapping the range', () => {
    expect(periodKeysIn('week', range)).toEqual(['2026-W48', '2026-W49']);
    expect(periodKeysIn('month', range)).toEqual(['2026-11', '2026-12']);
    expect(periodKeysIn('day', range)).toEqual(daysIn(range));
  });

  it('labels the range and checks day keys', () => {
    expect(rangeLabel(range)).toBe('2026-11-28..2026-12-02');
    expect(isDayKey('2028-02-29')).toBe(true);
    expect(isDayKey('2027-02-29')).toBe(false);
  });
});
