import type {
  AttributionCounter,
  AttributionReportSource,
} from '../store/attribution-report-source.js';
import type { Period } from '../usage/period-keys.js';
import { DBT_MODEL_KEY, TAG_KEY_PATTERN, tagAttributionKey } from '../usage/query-attribution.js';
import { PRINCIPAL_KEY } from '../usage/query-principal.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import { type DayRange, periodKeysIn, rangeLabel } from './report-range.js';
import { type ReportTotalFields, TOTAL_FIELD_NAMES, totalFields } from './usage-report.js';

/** How reports title a key's values: `Top dbt models`, `Top principals`, `Top tags: team`. */
export function attributionTitle(key: string): string {
  if (key === DBT_MODEL_KEY) return 'Top dbt models';
  if (key === PRINCIPAL_KEY) return 'Top principals';
  return `Top tags: ${key.startsWith('tag:') ? key.slice(4) : key}`;
}

/** `--by` values of an attribution report: `principal`, `dbt-model`, or `tag:<key>`. */
export const ATTRIBUTION_GROUPING_HELP = 'principal, dbt-model, tag:<key>';

/** The attribution key a `--by` value names, or undefined when it names none. */
export function attributionKeyOf(by: string): string | undefined {
  if (by === 'principal') return PRINCIPAL_KEY;
  if (by === 'dbt-model') return DBT_MODEL_KEY;
  if (by.startsWith('tag:') && TAG_KEY_PATTERN.test(by.slice(4)))
    return tagAttributionKey(by.slice(4));
  return undefined;
}

/** The `--by` value of an attribution key: `dbt.model` → `dbt-model`, `tag:team` → itself. */
export const attributionGroupingOf = (key: string): string =>
  key === DBT_MODEL_KEY ? 'dbt-model' : key;

export interface AttributionReportRequest {
  readonly range: DayRange;
  /** As given to `--by`: `principal`, `dbt-model` or `tag:<key>`. */
  readonly by: string;
  /** Only this workgroup's usage; all when absent. */
  readonly workgroup?: string | undefined;
  /** Only the N values that cost most (in each period); all when absent. */
  readonly top?: number | undefined;
  /**
   * A row per value and day, ISO week or month overlapping the range (whole weeks and months,
   * as `--by week|month` reads them); absent: a row per value summing the days of the range,
   * as `--by workgroup` does.
   */
  readonly period?: Period | undefined;
}

export interface AttributionRow {
  readonly key: string;
  readonly value: string;
  /**
   * The range, `2026-11-19..2026-11-25`, when a row sums the days of the range; else the
   * period's key: `2026-11-25`, `2026-W48`, `2026-11`.
   */
  readonly period: string;
  readonly totals: UsageTotals;
}

export interface AttributionReport {
  readonly from: string;
  readonly to: string;
  readonly by: string;
  readonly key: string;
  readonly workgroup: string | undefined;
  /** The counters' period when rows are per period; undefined when they sum the range. */
  readonly period: Period | undefined;
  /** By period, then most expensive first, then by value; at most `top` per period. */
  readonly rows: readonly AttributionRow[];
  /** Every value of the key in the periods read, the rows beyond `top` included. */
  readonly total: UsageTotals;
  /** How many distinct values the key had in the periods read. */
  readonly values: number;
  /** How many rows there were before `top` kept the most expensive. */
  readonly rowsBeforeTop: number;
}

/**
 * Reads the counters the report needs (one Query per period key: the day counters of the range,
 * or the week or month counters overlapping it) and builds the report.
 */
export async function loadAttributionReport(
  source: AttributionReportSource,
  request: AttributionReportRequest,
): Promise<AttributionReport> {
  const key = attributionKeyOf(request.by);
  if (key === undefined) throw new RangeError(`not an attribution grouping: ${request.by}`);
  const period = request.period ?? 'day';
  const counters = await source.readAttributionCounters(
    key,
    period,
    periodKeysIn(period, request.range),
  );
  return buildAttributionReport(request, key, counters);
}

/**
 * Sums counters per value (and period, when the request has one), across workgroups or of one;
 * keeps the `top` most expensive values of each period. Pure.
 */
export function buildAttributionReport(
  request: AttributionReportRequest,
  key: string,
  counters: readonly AttributionCounter[],
): AttributionReport {
  const period = request.period ?? 'day';
  const periodKeys = new Set(periodKeysIn(period, request.range));
  const label = (periodKey: string) =>
    request.period === undefined ? rangeLabel(request.range) : periodKey;
  const sums = new Map<string, AttributionRow>();
  for (const counter of counters) {
    if (counter.key !== key || counter.period !== period || !periodKeys.has(counter.periodKey))
      continue;
    if (request.workgroup !== undefined && counter.workgroup !== request.workgroup) continue;
    const row = { key, value: counter.value, period: label(counter.periodKey) };
    const id = `${row.period}\u0000${row.value}`;
    sums.set(id, {
      ...row,
      totals: addTotals(sums.get(id)?.totals ?? ZERO_TOTALS, counter.totals),
    });
  }
  const all = [...sums.values()].sort(
    (a, b) =>
      compareText(a.period, b.period) ||
      b.totals.costNanoUsd - a.totals.costNanoUsd ||
      b.totals.dpuMillis - a.totals.dpuMillis ||
      compareText(a.value, b.value),
  );
  const rank = new Map<string, number>();
  const rows = all.filter((row) => {
    const place = (rank.get(row.period) ?? 0) + 1;
    rank.set(row.period, place);
    return request.top === undefined || place <= request.top;
  });
  return {
    from: request.range.from,
    to: request.range.to,
    by: request.by,
    key,
    workgroup: request.workgroup,
    period: request.period,
    rows,
    total: all.reduce((sum, row) => addTotals(sum, row.totals), ZERO_TOTALS),
    values: new Set(all.map((row) => row.value)).size,
    rowsBeforeTop: all.length,
  };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
    period: report.period ?? 'range',
    values: report.values,
    rows: report.rows.map(attributionRowFields),
    total: totalFields(report.total),
  };
}
