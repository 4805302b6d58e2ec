import {
  idleCostNanoUsdOf,
  idleDpuMillisOf,
  type ReservationCounter,
  utilizationPercentOf,
} from '../capacity/billed-cost.js';
import { jsonDpuHours, jsonPercent, jsonUsd } from '../format/format-values.js';
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
  };
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
