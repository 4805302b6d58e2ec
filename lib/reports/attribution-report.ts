import type {
  AttributionCounter,
  AttributionReportSource,
} from '../store/attribution-report-source.js';
import { DBT_MODEL_KEY, TAG_KEY_PATTERN, tagAttributionKey } from '../usage/query-attribution.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import { type DayRange, daysIn, rangeLabel } from './report-range.js';
import { type ReportTotalFields, TOTAL_FIELD_NAMES, totalFields } from './usage-report.js';

/** `--by` values of an attribution report: `dbt-model`, or `tag:<key>`. */
export const ATTRIBUTION_GROUPING_HELP = 'dbt-model, tag:<key>';

/** The attribution key a `--by` value names, or undefined when it names none. */
export function attributionKeyOf(by: string): string | undefined {
  if (by === 'dbt-model') return DBT_MODEL_KEY;
  if (by.startsWith('tag:') && TAG_KEY_PATTERN.test(by.slice(4)))
    return tagAttributionKey(by.slice(4));
  return undefined;
}

export interface AttributionReportRequest {
  readonly range: DayRange;
  /** As given to `--by`: `dbt-model` or `tag:<key>`. */
  readonly by: string;
  /** Only this workgroup's usage; all when absent. */
  readonly workgroup?: string | undefined;
  /** Only the N values that cost most; all when absent. */
  readonly top?: number | undefined;
}

export interface AttributionRow {
  readonly key: string;
  readonly value: string;
  /** The range, `2026-11-19..2026-11-25`: a row sums the days of the range. */
  readonly period: string;
  readonly totals: UsageTotals;
}

export interface AttributionReport {
  readonly from: string;
  readonly to: string;
  readonly by: string;
  readonly key: string;
  readonly workgroup: string | undefined;
  /** Most expensive first, then by value; at most `top`. */
  readonly rows: readonly AttributionRow[];
  /** Every value of the key in the range, the rows beyond `top` included. */
  readonly total: UsageTotals;
  /** How many values the key had in the range. */
  readonly values: number;
}

/** Reads the day counters of the range (one Query per day) and builds the report. */
export async function loadAttributionReport(
  source: AttributionReportSource,
  request: AttributionReportRequest,
): Promise<AttributionReport> {
  const key = attributionKeyOf(request.by);
  if (key === undefined) throw new RangeError(`not an attribution grouping: ${request.by}`);
  const counters = await source.readAttributionCounters(key, 'day', daysIn(request.range));
  return buildAttributionReport(request, key, counters);
}

/** Sums day counters per value over the range, across workgroups or of one. Pure. */
export function buildAttributionReport(
  request: AttributionReportRequest,
  key: string,
  counters: readonly AttributionCounter[],
): AttributionReport {
  const days = new Set(daysIn(request.range));
  const sums = new Map<string, UsageTotals>();
  for (const counter of counters) {
    if (counter.key !== key || counter.period !== 'day' || !days.has(counter.periodKey)) continue;
    if (request.workgroup !== undefined && counter.workgroup !== request.workgroup) continue;
    sums.set(counter.value, addTotals(sums.get(counter.value) ?? ZERO_TOTALS, counter.totals));
  }
  const period = rangeLabel(request.range);
  const all = [...sums]
    .map(([value, totals]) => ({ key, value, period, totals }))
    .sort(
      (a, b) =>
        b.totals.costNanoUsd - a.totals.costNanoUsd ||
        b.totals.dpuMillis - a.totals.dpuMillis ||
        (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
  return {
    from: request.range.from,
    to: request.range.to,
    by: request.by,
    key,
    workgroup: request.workgroup,
    rows: request.top === undefined ? all : all.slice(0, request.top),
    total: all.reduce((sum, row) => addTotals(sum, row.totals), ZERO_TOTALS),
    values: all.length,
  };
}

/** A row as JSON and CSV show it. */
export interface AttributionRowFields extends ReportTotalFields {
  readonly key: string;
  readonly value: string;
  readonly period: string;
}

/** The fields in the order JSON, CSV and the table show them. */
export const ATTRIBUTION_FIELD_NAMES = [
  'key',
  'value',
  'period',
  ...TOTAL_FIELD_NAMES,
] as const satisfies readonly (keyof AttributionRowFields)[];

export function attributionRowFields(row: AttributionRow): AttributionRowFields {
  return { key: row.key, value: row.value, period: row.period, ...totalFields(row.totals) };
}

/** The JSON document of an attribution report. */
export function toAttributionJson(report: AttributionReport) {
  return {
    from: report.from,
    to: report.to,
    by: report.by,
    key: report.key,
    workgroup: report.workgroup ?? null,
    values: report.values,
    rows: report.rows.map(attributionRowFields),
    total: totalFields(report.total),
  };
}
