import { DAY_MS, type Period, periodBounds, periodKeyFor } from '../usage/period-keys.js';

/** Reports cover at most this many days: one Query per day and index stays bounded. */
export const MAX_REPORT_DAYS = 400;
/** Without `--from`, a report covers the week ending on `--to`. */
export const DEFAULT_REPORT_DAYS = 7;

/** An inclusive range of UTC days, as `YYYY-MM-DD` keys. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

/** A range that is malformed, backwards or too long; the message names the problem. */
export class ReportRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportRangeError';
  }
}

/** Whether a string is a real UTC day written `YYYY-MM-DD`. */
export function isDayKey(value: string): boolean {
  try {
    periodBounds('day', value);
    return true;
  } catch {
    return false;
  }
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * What is wrong with a day as typed, without the option's name: `must be a date YYYY-MM-DD, got
 * '11/25'`, or for a well-formed day that does not exist `2026-02-30 does not exist: February
 * 2026 has 28 days`; undefined for a real day.
 */
export function dayKeyProblem(value: string): string | undefined {
  if (isDayKey(value)) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const [year, month] = [Number(match?.[1]), Number(match?.[2])];
  if (match === null || month < 1 || month > 12) {
    return `must be a date YYYY-MM-DD, got '${value}'`;
  }
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${value} does not exist: ${MONTH_NAMES[month - 1]} ${year} has ${days} days`;
}

const dayStart = (day: string): number => periodBounds('day', day).start.getTime();
const dayKeyAt = (epochMs: number): string => periodKeyFor('day', new Date(epochMs));

/**
 * Resolves the days a report covers: `to` defaults to today (UTC), `from` to six days before
 * `to`. Rejects malformed days, `from` after `to` and ranges longer than {@link MAX_REPORT_DAYS}.
 */
export function resolveDayRange(
  bounds: { readonly from?: string | undefined; readonly to?: string | undefined },
  now: Date,
): DayRange {
  for (const [name, value] of [
    ['from', bounds.from],
    ['to', bounds.to],
  ] as const) {
    const problem = value === undefined ? undefined : dayKeyProblem(value);
    if (problem !== undefined) throw new ReportRangeError(`--${name} ${problem}`);
  }
  const to = bounds.to ?? periodKeyFor('day', now);
  const from = bounds.from ?? dayKeyAt(dayStart(to) - (DEFAULT_REPORT_DAYS - 1) * DAY_MS);
  if (from > to) throw new ReportRangeError(`--from ${from} is after --to ${to}`);
  const days = dayCount({ from, to });
  if (days > MAX_REPORT_DAYS) {
    throw new ReportRangeError(
      `${from}..${to} spans ${days} days; a report covers at most ${MAX_REPORT_DAYS}`,
    );
  }
  return { from, to };
}

/** The number of days in a range, both ends included. */
export function dayCount(range: DayRange): number {
  return Math.round((dayStart(range.to) - dayStart(range.from)) / DAY_MS) + 1;
}

/** Every day of a range, ascending. */
export function daysIn(range: DayRange): string[] {
  const start = dayStart(range.from);
  return Array.from({ length: dayCount(range) }, (_, index) => dayKeyAt(start + index * DAY_MS));
}

/** The keys of the periods overlapping a range, ascending: whole weeks and months. */
export function periodKeysIn(period: Period, range: DayRange): string[] {
  const keys = new Set<string>();
  const start = dayStart(range.from);
  for (let index = 0; index < dayCount(range); index++) {
    keys.add(periodKeyFor(period, new Date(start + index * DAY_MS)));
  }
  return [...keys];
}

/** How a range appears as the period of a `--by workgroup` row: `2026-11-19..2026-11-25`. */
export const rangeLabel = (range: DayRange): string => `${range.from}..${range.to}`;
