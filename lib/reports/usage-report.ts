import { type BudgetFigures, budgetFiguresOf } from '../budgets/budget-usage.js';
import {
  billedNanoUsdOf,
  type ReservationCharge,
  type ReservationCounter,
  reservationCharges,
} from '../capacity/billed-cost.js';
import { jsonDpuHours, jsonUsd } from '../format/format-values.js';
import type {
  BudgetLimit,
  TopQuery,
  UsageCounter,
  UsageReportSource,
  WorkgroupDay,
} from '../store/usage-report-source.js';
import type { Period } from '../usage/period-keys.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import { type DayRange, daysIn, periodKeysIn, rangeLabel } from './report-range.js';

/** A report has a row per workgroup and day, week or month, or per workgroup over the range. */
export const REPORT_GROUPINGS = ['day', 'week', 'month', 'workgroup'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** `--top` reads up to this many queries per workgroup and day. */
export const MAX_TOP_QUERIES = 100;

export interface ReportRequest {
  readonly range: DayRange;
  readonly by: ReportGrouping;
  /** Only this workgroup; all when absent. */
  readonly workgroup?: string | undefined;
  /** How many of the most expensive queries to list; 0 for none. */
  readonly top: number;
  /** Read the day counters and budgets the charts need, whatever `by` is. */
  readonly includeDaily?: boolean | undefined;
}

/** One workgroup's usage in one period (or over the whole range, for `by: 'workgroup'`). */
export interface ReportRow {
  readonly workgroup: string;
  /** `2026-11-25`, `2026-W48`, `2026-11`, or `2026-11-19..2026-11-25` for `by: 'workgroup'`. */
  readonly period: string;
  readonly totals: UsageTotals;
  /**
   * What the row's usage billed: shares of its reservations' allocated cost (idle included) in
   * place of their attributed cost; its cost where no reservation credited it.
   */
  readonly billedNanoUsd: number;
  /** The workgroup's DPU-hour limit, when it has a budget of the row's period that sets one. */
  readonly budgetLimitDpuHours: number | null;
  /** The binding limit of that budget against the row's usage, as `status` computes it. */
  readonly budgetLimit: BudgetFigures['bindingLimit'] | null;
  /** The share of the binding limit used, in percent (two decimals), as `status` shows it. */
  readonly budgetUsedPercent: number | null;
}

export interface UsageReport {
  readonly from: string;
  readonly to: string;
  readonly by: ReportGrouping;
  readonly workgroup: string | undefined;
  /** Sorted by period, then workgroup. */
  readonly rows: readonly ReportRow[];
  /** The sum of the rows, in exact integer units. */
  readonly total: UsageTotals;
  readonly billedTotalNanoUsd: number;
  /** Most expensive first. */
  readonly topQueries: readonly TopQuery[];
  /** Every day of the range, ascending. */
  readonly days: readonly string[];
  /** Day counters of the range; empty unless the grouping, `top` or `includeDaily` needed them. */
  readonly daily: readonly UsageCounter[];
  readonly budgets: readonly BudgetLimit[];
}

/** What a report is built from: the source's answers to the reads a request needs. */
export interface ReportInput {
  readonly request: ReportRequest;
  /** Counters of the grouping's period (day counters for `by: 'workgroup'`). */
  readonly counters: readonly UsageCounter[];
  readonly daily: readonly UsageCounter[];
  readonly budgets: readonly BudgetLimit[];
  readonly topQueries: readonly TopQuery[];
  /** Reservation counters of the grouping's period, for billed costs; none when absent. */
  readonly reservations?: readonly ReservationCounter[];
}

/** The counters' period for a grouping: a by-workgroup report sums day counters. */
export const periodOf = (by: ReportGrouping): Period => (by === 'workgroup' ? 'day' : by);

/**
 * Reads what a request needs and builds the report: the grouping's counters (one Query per key
 * across workgroups, or one per workgroup), day counters when the grouping, `top` or charts need
 * them, budgets, and for `top` the most expensive queries of each workgroup and day with usage.
 */
export async function loadUsageReport(
  source: UsageReportSource,
  request: ReportRequest,
): Promise<UsageReport> {
  const period = periodOf(request.by);
  const needsDaily = period === 'day' || request.top > 0 || request.includeDaily === true;
  const needsBudgets = request.by !== 'workgroup' || request.includeDaily === true;
  const [periodCounters, daily, budgets, reservations] = await Promise.all([
    period === 'day'
      ? undefined
      : source.readCounters(period, periodKeysIn(period, request.range), request.workgroup),
    needsDaily
      ? source.readCounters('day', daysIn(request.range), request.workgroup)
      : Promise.resolve([]),
    needsBudgets ? source.readBudgets(request.workgroup) : Promise.resolve([]),
    source.readReservationCounters?.(period, periodKeysIn(period, request.range)) ?? [],
  ]);
  const topQueries =
    request.top > 0
      ? await source.readTopQueries(workgroupDaysWithQueries(daily), request.top)
      : [];
  const report = buildUsageReport({
    request,
    counters: periodCounters ?? daily,
    daily,
    budgets,
    topQueries,
    reservations,
  });
  if (report.topQueries.length === 0 || source.readRedactedSql === undefined) return report;
  // Only the queries shown: one read for up to 100 records, whose copy exists only by opt-in.
  const sql = await source.readRedactedSql(
    report.topQueries.map((query) => query.queryExecutionId),
  );
  return {
    ...report,
    topQueries: report.topQueries.map((query) => {
      const text = sql.get(query.queryExecutionId);
      return text === undefined ? query : { ...query, sqlRedacted: text };
    }),
  };
}

/** The workgroups and days whose counters saw queries: where top queries can be. */
export function workgroupDaysWithQueries(daily: readonly UsageCounter[]): WorkgroupDay[] {
  return daily
    .filter((counter) => counter.period === 'day' && counter.totals.queries > 0)
    .map((counter) => ({ workgroup: counter.workgroup, day: counter.key }))
    .sort((a, b) => compareText(a.day, b.day) || compareText(a.workgroup, b.workgroup));
}

/** Builds a report from counters, budgets and candidate top queries. Pure. */
export function buildUsageReport(input: ReportInput): UsageReport {
  const { request } = input;
  const period = periodOf(request.by);
  const inRange = new Set(periodKeysIn(period, request.range));
  const matches = (counter: UsageCounter) =>
    counter.period === period &&
    inRange.has(counter.key) &&
    (request.workgroup === undefined || counter.workgroup === request.workgroup);
  const counters = input.counters.filter(matches);
  const charges = reservationCharges(input.reservations ?? []);
  const chargeOf = (counter: UsageCounter) =>
    charges.get(`${counter.period}#${counter.key}`)?.get(counter.workgroup);
  const rows =
    request.by === 'workgroup'
      ? rowsByWorkgroup(counters, rangeLabel(request.range), chargeOf)
      : counters.map((counter) =>
          rowOf(counter, budgetFor(input.budgets, counter), chargeOf(counter)),
        );
  rows.sort(compareRows);
  const days = new Set(daysIn(request.range));
  return {
    from: request.range.from,
    to: request.range.to,
    by: request.by,
    workgroup: request.workgroup,
    rows,
    total: rows.reduce((sum, row) => addTotals(sum, row.totals), ZERO_TOTALS),
    billedTotalNanoUsd: rows.reduce((sum, row) => sum + row.billedNanoUsd, 0),
    topQueries: mergeTopQueries(input.topQueries, request.top),
    days: [...days],
    daily: input.daily.filter((counter) => counter.period === 'day' && days.has(counter.key)),
    budgets: input.budgets,
  };
}

function rowsByWorkgroup(
  counters: readonly UsageCounter[],
  period: string,
  chargeOf: (counter: UsageCounter) => ReservationCharge | undefined,
): ReportRow[] {
  const sums = new Map<string, UsageTotals>();
  const billed = new Map<string, number>();
  for (const counter of counters) {
    sums.set(
      counter.workgroup,
      addTotals(sums.get(counter.workgroup) ?? ZERO_TOTALS, counter.totals),
    );
    billed.set(
      counter.workgroup,
      (billed.get(counter.workgroup) ?? 0) + billedNanoUsdOf(counter.totals, chargeOf(counter)),
    );
  }
  return [...sums].map(([workgroup, totals]) => ({
    workgroup,
    period,
    totals,
    billedNanoUsd: billed.get(workgroup) ?? totals.costNanoUsd,
    budgetLimitDpuHours: null,
    budgetLimit: null,
    budgetUsedPercent: null,
  }));
}

function budgetFor(
  budgets: readonly BudgetLimit[],
  counter: UsageCounter,
): BudgetLimit | undefined {
  return budgets.find(
    (budget) => budget.workgroup === counter.workgroup && budget.period === counter.period,
  );
}

function rowOf(
  counter: UsageCounter,
  budget: BudgetLimit | undefined,
  charge: ReservationCharge | undefined,
): ReportRow {
  const figures = budget === undefined ? undefined : budgetFiguresOf(budget, counter.totals);
  return {
    workgroup: counter.workgroup,
    period: counter.key,
    totals: counter.totals,
    billedNanoUsd: billedNanoUsdOf(counter.totals, charge),
    budgetLimitDpuHours: budget?.limitDpuHours ?? null,
    budgetLimit: figures?.bindingLimit ?? null,
    budgetUsedPercent: figures?.usedPercent ?? null,
  };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const compareRows = (a: ReportRow, b: ReportRow): number =>
  compareText(a.period, b.period) || compareText(a.workgroup, b.workgroup);

/** The `limit` most expensive queries, most expensive first; ties go to the latest, then by id. */
export function mergeTopQueries(queries: readonly TopQuery[], limit: number): TopQuery[] {
  const unique = new Map(queries.map((query) => [query.queryExecutionId, query]));
  return [...unique.values()]
    .sort(
      (a, b) =>
        b.costUsd - a.costUsd ||
        compareText(b.completedAt, a.completedAt) ||
        compareText(a.queryExecutionId, b.queryExecutionId),
    )
    .slice(0, Math.max(0, limit));
}

/** The fields of a row as JSON and CSV show them. */
export interface ReportRowFields {
  readonly workgroup: string;
  readonly period: string;
  readonly queries: number;
  readonly failedQueries: number;
  readonly dpuHours: number;
  readonly dataScannedBytes: number;
  readonly costUsd: number;
  readonly billedCostUsd: number;
  readonly budgetLimitDpuHours: number | null;
  readonly budgetLimit: BudgetFigures['bindingLimit'] | null;
  readonly budgetUsedPercent: number | null;
}

export interface ReportTotalFields {
  readonly queries: number;
  readonly failedQueries: number;
  readonly dpuHours: number;
  readonly dataScannedBytes: number;
  readonly costUsd: number;
}

/** The JSON document of a report (`--format json`). */
export interface ReportJson {
  readonly from: string;
  readonly to: string;
  readonly by: ReportGrouping;
  readonly rows: readonly ReportRowFields[];
  readonly total: ReportTotalFields & { readonly billedCostUsd: number };
  readonly topQueries: readonly TopQuery[];
}

/** Converts exact integer totals to the units reports show. */
export function totalFields(totals: UsageTotals): ReportTotalFields {
  return {
    queries: totals.queries,
    failedQueries: totals.failedQueries,
    dpuHours: jsonDpuHours(dpuHoursFromMillis(totals.dpuMillis)),
    dataScannedBytes: totals.dataScannedBytes,
    costUsd: jsonUsd(usdFromNano(totals.costNanoUsd)),
  };
}

export function rowFields(row: ReportRow): ReportRowFields {
  return {
    workgroup: row.workgroup,
    period: row.period,
    ...totalFields(row.totals),
    billedCostUsd: jsonUsd(usdFromNano(row.billedNanoUsd)),
    budgetLimitDpuHours: row.budgetLimitDpuHours,
    budgetLimit: row.budgetLimit,
    budgetUsedPercent: row.budgetUsedPercent,
  };
}

/** The totals of a row, in the order JSON, CSV and tables show them. */
export const TOTAL_FIELD_NAMES = [
  'queries',
  'failedQueries',
  'dpuHours',
  'dataScannedBytes',
  'costUsd',
] as const satisfies readonly (keyof ReportTotalFields)[];

/** The usage fields of a row, in the order JSON, CSV and tables show them. */
export const USAGE_FIELD_NAMES = [
  'workgroup',
  'period',
  ...TOTAL_FIELD_NAMES,
  'billedCostUsd',
] as const satisfies readonly (keyof ReportRowFields)[];

/** The columns of CSV rows: the JSON keys, with `budgetLimit` as its unit and value. */
export const CSV_COLUMNS = [
  ...USAGE_FIELD_NAMES,
  'budgetLimitDpuHours',
  'budgetLimitUnit',
  'budgetLimitValue',
  'budgetUsedPercent',
] as const;

/** A row's CSV cells, in {@link CSV_COLUMNS} order. */
export function csvCells(row: ReportRow): (string | number | null)[] {
  const fields = rowFields(row);
  return [
    ...USAGE_FIELD_NAMES.map((name) => fields[name]),
    fields.budgetLimitDpuHours,
    fields.budgetLimit?.unit ?? null,
    fields.budgetLimit?.value ?? null,
    fields.budgetUsedPercent,
  ];
}

export function toReportJson(report: UsageReport): ReportJson {
  return {
    from: report.from,
    to: report.to,
    by: report.by,
    rows: report.rows.map(rowFields),
    total: {
      ...totalFields(report.total),
      billedCostUsd: jsonUsd(usdFromNano(report.billedTotalNanoUsd)),
    },
    topQueries: report.topQueries.map(topQueryFields),
  };
}

/** A top query as JSON shows it (the report's and the digest's). */
export function topQueryFields(query: TopQuery): TopQuery {
  return {
    queryExecutionId: query.queryExecutionId,
    workgroup: query.workgroup,
    state: query.state,
    dpuCount: query.dpuCount,
    dpuHours: jsonDpuHours(query.dpuHours),
    engineExecutionMs: query.engineExecutionMs,
    dataScannedBytes: query.dataScannedBytes,
    costUsd: jsonUsd(query.costUsd),
    completedAt: query.completedAt,
    ...(query.sqlRedacted === undefined ? {} : { sqlRedacted: query.sqlRedacted }),
  };
}
