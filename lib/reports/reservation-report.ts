import {
  idleCostNanoUsdOf,
  idleDpuMillisOf,
  type ReservationCounter,
  utilizationPercentOf,
} from '../capacity/billed-cost.js';
import { type RightSizing, rightSizingOf } from '../capacity/right-sizing.js';
import {
  formatCount,
  formatUsd,
  jsonDpuHours,
  jsonPercent,
  jsonUsd,
} from '../format/format-values.js';
import type { UsageReportSource } from '../store/usage-report-source.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import { type DayRange, daysIn } from './report-range.js';

/** One reservation's day: what it allocated (and billed), what was used, what sat idle. */
export interface ReservationRow {
  readonly reservation: string;
  readonly period: string;
  readonly counter: ReservationCounter;
}

/** A reservation row as JSON and CSV show it. */
export interface ReservationRowFields {
  readonly reservation: string;
  readonly period: string;
  readonly allocatedDpuHours: number;
  readonly usedDpuHours: number;
  readonly idleDpuHours: number;
  readonly utilizationPercent: number | null;
  readonly costUsd: number;
  readonly idleCostUsd: number;
}

export const RESERVATION_FIELD_NAMES = [
  'reservation',
  'period',
  'allocatedDpuHours',
  'usedDpuHours',
  'idleDpuHours',
  'utilizationPercent',
  'costUsd',
  'idleCostUsd',
] as const satisfies readonly (keyof ReservationRowFields)[];

export interface ReservationReport {
  readonly from: string;
  readonly to: string;
  readonly by: 'reservation';
  /** Sorted by period, then reservation. */
  readonly rows: readonly ReservationRow[];
  /** Every reservation's days summed. */
  readonly total: ReservationCounter;
  /** Per reservation, the size that would have covered the p95 minute of the range. */
  readonly rightSizing: readonly RightSizing[];
}

/** Reads the day counters of every reservation over the range (Queries only). */
export async function loadReservationReport(
  source: UsageReportSource,
  range: DayRange,
): Promise<ReservationReport> {
  const counters = (await source.readReservationCounters?.('day', daysIn(range))) ?? [];
  return buildReservationReport(range, counters);
}

/** Builds the report from day counters. Pure. */
export function buildReservationReport(
  range: DayRange,
  counters: readonly ReservationCounter[],
): ReservationReport {
  const days = new Set(daysIn(range));
  const rows = counters
    .filter((counter) => counter.period === 'day' && days.has(counter.key))
    .map((counter) => ({ reservation: counter.reservation, period: counter.key, counter }))
    .sort((a, b) => compareText(a.period, b.period) || compareText(a.reservation, b.reservation));
  return {
    from: range.from,
    to: range.to,
    by: 'reservation',
    rows,
    total: sumCounters(
      rows.map((row) => row.counter),
      range,
    ),
    rightSizing: rightSizingOfEach(rows.map((row) => row.counter)),
  };
}

/** One reservation's days of the report summed, as the TOTAL row sums every reservation's. */
export function reservationTotal(
  report: ReservationReport,
  reservation: string,
): ReservationCounter {
  return {
    ...sumCounters(
      report.rows.filter((row) => row.reservation === reservation).map((row) => row.counter),
      report,
    ),
    reservation,
  };
}

/** Each reservation's hint from its day counters, by name. */
export function rightSizingOfEach(dayCounters: readonly ReservationCounter[]): RightSizing[] {
  return [...new Set(dayCounters.map((counter) => counter.reservation))]
    .sort(compareText)
    .map((reservation) => rightSizingOf(reservation, dayCounters));
}

/** A right-sizing hint as JSON shows it; the figures are null when there is no hint. */
export interface RightSizingFields {
  readonly reservation: string;
  readonly hintDpus: number | null;
  readonly p95UsedDpus: number | null;
  /** Minutes with minute-level use (DPUConsumed) the hint is based on, of those counted. */
  readonly sampledMinutes: number;
  readonly countedMinutes: number;
  /** What those minutes cost, what they would have cost at the hint, and the difference. */
  readonly costUsd: number | null;
  readonly hintCostUsd: number | null;
  readonly savingUsd: number | null;
  /** Why there is no hint. */
  readonly reason: string | null;
}

export function rightSizingFields(hint: RightSizing): RightSizingFields {
  if (!hint.ok)
    return {
      reservation: hint.reservation,
      hintDpus: null,
      p95UsedDpus: null,
      sampledMinutes: 0,
      countedMinutes: hint.countedMinutes,
      costUsd: null,
      hintCostUsd: null,
      savingUsd: null,
      reason: hint.reason,
    };
  return {
    reservation: hint.reservation,
    hintDpus: hint.hintDpus,
    p95UsedDpus: hint.p95UsedDpus,
    sampledMinutes: hint.sampledMinutes,
    countedMinutes: hint.countedMinutes,
    costUsd: jsonUsd(usdFromNano(hint.sampledCostNanoUsd)),
    hintCostUsd: jsonUsd(usdFromNano(hint.hintCostNanoUsd)),
    savingUsd: jsonUsd(usdFromNano(hint.savingNanoUsd)),
    reason: null,
  };
}

/** A hint in one sentence: the size, the saving, and the minutes it rests on. */
export function rightSizingText(hint: RightSizingFields): string {
  if (hint.hintDpus === null) return `${hint.reservation}: no hint (${hint.reason ?? 'no data'})`;
  const saving = hint.savingUsd ?? 0;
  const difference =
    saving >= 0
      ? `saving ${formatUsd(saving)} USD`
      : `${formatUsd(-saving)} USD more: it ran short of capacity`;
  return `${hint.reservation}: ${hint.hintDpus} DPUs would have covered the p95 minute (${hint.p95UsedDpus} DPUs used): ${formatUsd(hint.hintCostUsd ?? 0)} USD instead of ${formatUsd(hint.costUsd ?? 0)} USD, ${difference}; from DPUConsumed in ${formatCount(hint.sampledMinutes)} of ${formatCount(hint.countedMinutes)} minutes counted`;
}

export function reservationRowFields(
  reservation: string,
  period: string,
  counter: ReservationCounter,
): ReservationRowFields {
  return {
    reservation,
    period,
    allocatedDpuHours: jsonDpuHours(dpuHoursFromMillis(counter.allocatedDpuMillis)),
    usedDpuHours: jsonDpuHours(dpuHoursFromMillis(counter.usedDpuMillis)),
    idleDpuHours: jsonDpuHours(dpuHoursFromMillis(idleDpuMillisOf(counter))),
    utilizationPercent: nullablePercent(utilizationPercentOf(counter)),
    costUsd: jsonUsd(usdFromNano(counter.costNanoUsd)),
    idleCostUsd: jsonUsd(usdFromNano(idleCostNanoUsdOf(counter))),
  };
}

/** The JSON document of `report --by reservation`. */
export function toReservationReportJson(report: ReservationReport) {
  return {
    from: report.from,
    to: report.to,
    by: report.by,
    rows: report.rows.map((row) => reservationRowFields(row.reservation, row.period, row.counter)),
    total: reservationRowFields('TOTAL', `${report.from}..${report.to}`, report.total),
    rightSizing: report.rightSizing.map(rightSizingFields),
  };
}

const nullablePercent = (value: number | null) => (value === null ? null : jsonPercent(value));

function sumCounters(counters: readonly ReservationCounter[], range: DayRange): ReservationCounter {
  const byWorkgroup: Record<string, number> = {};
  for (const counter of counters)
    for (const [workgroup, dpuMillis] of Object.entries(counter.attributedByWorkgroup))
      byWorkgroup[workgroup] = (byWorkgroup[workgroup] ?? 0) + dpuMillis;
  const sum = (pick: (counter: ReservationCounter) => number) =>
    counters.reduce((total, counter) => total + pick(counter), 0);
  // Idle is summed per day: a day's unused hours are not offset by another day's over-use.
  const idle = sum(idleDpuMillisOf);
  const allocated = sum((counter) => counter.allocatedDpuMillis);
  return {
    reservation: 'TOTAL',
    period: 'day',
    key: `${range.from}..${range.to}`,
    allocatedDpuMillis: allocated,
    usedDpuMillis: allocated - idle,
    attributedDpuMillis: sum((counter) => counter.attributedDpuMillis),
    attributedByWorkgroup: byWorkgroup,
    costNanoUsd: sum((counter) => counter.costNanoUsd),
    minutes: sum((counter) => counter.minutes),
  };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
