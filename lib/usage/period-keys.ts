/** The budget and reporting periods, all in UTC. */
export type Period = 'day' | 'week' | 'month';

export const PERIODS: readonly Period[] = ['day', 'week', 'month'];

/** The keys of the day (`YYYY-MM-DD`), ISO week (`YYYY-Www`) and month (`YYYY-MM`) holding an instant. */
export interface PeriodKeys {
  readonly day: string;
  readonly week: string;
  readonly month: string;
}

/** One workgroup's period: what counters, budget actions and alerts are kept by. */
export interface WorkgroupPeriod {
  readonly workgroup: string;
  readonly period: Period;
  /** The period's key: `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM`. */
  readonly periodKey: string;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Returns the UTC period keys of an instant. */
export function periodKeysFor(instant: Date): PeriodKeys {
  if (Number.isNaN(instant.getTime())) throw new RangeError('periodKeysFor: invalid date');
  const year = instant.getUTCFullYear();
  const month = pad(instant.getUTCMonth() + 1);
  return {
    day: `${year}-${month}-${pad(instant.getUTCDate())}`,
    week: isoWeekKey(instant),
    month: `${year}-${month}`,
  };
}

/** Returns the key of one period holding an instant. */
export function periodKeyFor(period: Period, instant: Date): string {
  return periodKeysFor(instant)[period];
}

function isoWeekKey(instant: Date): string {
  // ISO 8601: weeks start on Monday and belong to the year of their Thursday.
  const day = Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(day + (3 - weekday) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  // Week n's Thursday falls on day 7(n-1) to 7(n-1)+6 of its year (counting from 0).
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${weekYear}-W${pad(week)}`;
}

/** One UTC day in milliseconds (UTC has no daylight-saving days). */
export const DAY_MS = 86_400_000;

/** The half-open UTC interval [start, end) a period key covers. */
export interface PeriodBounds {
  readonly start: Date;
  readonly end: Date;
}

/** Returns the bounds of a period key, rejecting malformed keys. */
export function periodBounds(period: Period, key: string): PeriodBounds {
  switch (period) {
    case 'day': {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
      if (!match) break;
      const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
      if (periodKeyFor('day', new Date(start)) !== key) break;
      return { start: new Date(start), end: new Date(start + DAY_MS) };
    }
    case 'week': {
      const match = /^(\d{4})-W(\d{2})$/.exec(key);
      if (!match) break;
      const weekYear = Number(match[1]);
      const jan4 = Date.UTC(weekYear, 0, 4);
      const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
      const start = mondayOfWeek1 + (Number(match[2]) - 1) * 7 * DAY_MS;
      if (periodKeyFor('week', new Date(start)) !== key) break;
      return { start: new Date(start), end: new Date(start + 7 * DAY_MS) };
    }
    case 'month': {
      const match = /^(\d{4})-(\d{2})$/.exec(key);
      if (!match) break;
      const year = Number(match[1]);
      const month = Number(match[2]) - 1;
      if (month < 0 || month > 11) break;
      return {
        start: new Date(Date.UTC(year, month, 1)),
        end: new Date(Date.UTC(year, month + 1, 1)),
      };
    }
  }
  throw new RangeError(`Not a ${period} key: ${key}`);
}
