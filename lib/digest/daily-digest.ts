import type { BudgetStatus, BudgetStatusAction } from '../budgets/budget-status.js';
import { jsonDpuHours, jsonUsd } from '../format/format-values.js';
import { isDayKey } from '../reports/report-range.js';
import {
  loadUsageReport,
  type ReportRowFields,
  type ReportTotalFields,
  rowFields,
  topQueryFields,
  totalFields,
  type UsageReport,
} from '../reports/usage-report.js';
import type { TopQuery, UsageReportSource } from '../store/usage-report-source.js';
import { DAY_MS, type Period, periodBounds, periodKeyFor } from '../usage/period-keys.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';

/** The digest lists this many workgroups and queries, the most expensive first. */
export const DIGEST_TOP = 5;
/** The average the day is compared with: the days before it. */
export const DIGEST_AVERAGE_DAYS = 7;
/** A week or month budget is at risk when its forecast reaches this share of the limit. */
export const AT_RISK_PERCENT = 100;

/** Yesterday's usage, how it compares, and what budget enforcement did: the daily digest. */
export interface DailyDigest {
  /** The UTC day summarised, `YYYY-MM-DD`. */
  readonly day: string;
  /** The usage of the day: `athena-cost report --from day --to day` gives the same totals. */
  readonly total: ReportTotalFields;
  readonly previousDay: ReportTotalFields;
  /** The mean of the {@link DIGEST_AVERAGE_DAYS} days before `day`, days without usage as 0. */
  readonly averageDay: ReportTotalFields;
  /** Change of cost and DPU-hours, in percent, against the day before and the average. */
  readonly change: {
    readonly costVsPreviousDay: number | null;
    readonly costVsAverage: number | null;
    readonly dpuHoursVsPreviousDay: number | null;
    readonly dpuHoursVsAverage: number | null;
  };
  /** The {@link DIGEST_TOP} workgroups that cost most on the day. */
  readonly topWorkgroups: readonly ReportRowFields[];
  /** The {@link DIGEST_TOP} queries that cost most on the day. */
  readonly topQueries: readonly TopQuery[];
  /** Week and month budgets whose forecast reaches {@link AT_RISK_PERCENT}, worst first. */
  readonly budgetsAtRisk: readonly BudgetAtRisk[];
  /** Threshold actions recorded during the day. */
  readonly actions: readonly DigestAction[];
  /** `ReconciledQueries` of the day: queries whose event never arrived; null if unknown. */
  readonly reconciledQueries: number | null;
  /** Messages in the ingest dead-letter queue when the digest was made; null if unknown. */
  readonly deadLetters: number | null;
}

export interface BudgetAtRisk {
  readonly workgroup: string;
  readonly period: Period;
  readonly periodKey: string;
  readonly usedPercent: number;
  readonly projectedPercent: number;
  readonly limitReachedAt: string | null;
}

export interface DigestAction extends BudgetStatusAction {
  readonly workgroup: string;
  readonly period: Period;
  readonly periodKey: string;
}

/** Where the digest's figures come from: the same reads as `report` and `status`. */
export interface DigestSources {
  readonly reports: UsageReportSource;
  /** Budget statuses at an instant, as `athena-cost status` shows them. */
  readonly budgetStatuses: (at: Date) => Promise<readonly BudgetStatus[]>;
  /** The `ReconciledQueries` of [start, end); absent or failing: unknown. */
  readonly reconciledQueries?: ((start: Date, end: Date) => Promise<number>) | undefined;
  /** Messages waiting in the ingest dead-letter queue; absent or failing: unknown. */
  readonly deadLetters?: (() => Promise<number>) | undefined;
}

/** The digest's day: `day` when given (validated), else the UTC day before `now`. */
export function digestDay(day: string | undefined, now: Date): string {
  if (day === undefined) return periodKeyFor('day', new Date(now.getTime() - DAY_MS));
  if (!isDayKey(day)) throw new RangeError(`the day must be a date YYYY-MM-DD, got '${day}'`);
  return day;
}

/**
 * Loads and builds the digest of one UTC day. Usage comes from `loadUsageReport` (the day by
 * workgroup with its top queries, and the days before it by day), budgets from the statuses at
 * the day's last millisecond: so every figure is the one `report` and `status` show.
 */
export async function loadDailyDigest(sources: DigestSources, day: string): Promise<DailyDigest> {
  const { start, end } = periodBounds('day', day);
  const dayBefore = periodKeyFor('day', new Date(start.getTime() - DAY_MS));
  const firstOfAverage = periodKeyFor(
    'day',
    new Date(start.getTime() - DIGEST_AVERAGE_DAYS * DAY_MS),
  );
  const reconciled = sources.reconciledQueries;
  const unknownOnFailure = async (read: (() => Promise<number>) | undefined) =>
    read === undefined ? null : read().catch(() => null);
  const [dayReport, daysBefore, statuses, reconciledQueries, deadLetters] = await Promise.all([
    loadUsageReport(sources.reports, {
      range: { from: day, to: day },
      by: 'workgroup',
      top: DIGEST_TOP,
    }),
    loadUsageReport(sources.reports, {
      range: { from: firstOfAverage, to: dayBefore },
      by: 'day',
      top: 0,
    }),
    sources.budgetStatuses(new Date(end.getTime() - 1)),
    unknownOnFailure(reconciled === undefined ? undefined : () => reconciled(start, end)),
    unknownOnFailure(sources.deadLetters),
  ]);
  return buildDailyDigest({
    day,
    dayReport,
    daysBefore,
    statuses,
    reconciledQueries,
    deadLetters,
  });
}

export interface DailyDigestInput {
  readonly day: string;
  /** The day by workgroup, with its top queries. */
  readonly dayReport: UsageReport;
  /** The {@link DIGEST_AVERAGE_DAYS} days before, by day. */
  readonly daysBefore: UsageReport;
  /** Budget statuses at the day's last millisecond. */
  readonly statuses: readonly BudgetStatus[];
  readonly reconciledQueries: number | null;
  readonly deadLetters: number | null;
}

/** Builds the digest from the reports and statuses it summarises. Pure. */
export function buildDailyDigest(input: DailyDigestInput): DailyDigest {
  const { day, dayReport, daysBefore } = input;
  const { start, end } = periodBounds('day', day);
  const dayBefore = periodKeyFor('day', new Date(start.getTime() - DAY_MS));
  const previousTotals = daysBefore.rows
    .filter((row) => row.period === dayBefore)
    .reduce((sum: UsageTotals, row) => addTotals(sum, row.totals), ZERO_TOTALS);
  const total = totalFields(dayReport.total);
  const previousDay = totalFields(previousTotals);
  const averageDay = averageOf(totalFields(daysBefore.total), DIGEST_AVERAGE_DAYS);
  const inDay = (at: string) => {
    const time = Date.parse(at);
    return time >= start.getTime() && time < end.getTime();
  };
  return {
    day,
    total,
    previousDay,
    averageDay,
    change: {
      costVsPreviousDay: changePercent(total.costUsd, previousDay.costUsd),
      costVsAverage: changePercent(total.costUsd, averageDay.costUsd),
      dpuHoursVsPreviousDay: changePercent(total.dpuHours, previousDay.dpuHours),
      dpuHoursVsAverage: changePercent(total.dpuHours, averageDay.dpuHours),
    },
    topWorkgroups: dayReport.rows
      .map(rowFields)
      .sort(
        (a, b) =>
          b.costUsd - a.costUsd || b.dpuHours - a.dpuHours || (a.workgroup < b.workgroup ? -1 : 1),
      )
      .slice(0, DIGEST_TOP),
    topQueries: dayReport.topQueries.slice(0, DIGEST_TOP).map(topQueryFields),
    budgetsAtRisk: input.statuses
      .filter(
        (status) =>
          status.period !== 'day' &&
          Math.max(status.usedPercent, status.forecast.projectedPercent) >= AT_RISK_PERCENT,
      )
      .map((status) => ({
        workgroup: status.workgroup,
        period: status.period,
        periodKey: status.periodKey,
        usedPercent: status.usedPercent,
        projectedPercent: status.forecast.projectedPercent,
        limitReachedAt: status.forecast.limitReachedAt,
      }))
      .sort((a, b) => b.projectedPercent - a.projectedPercent),
    actions: input.statuses
      .flatMap((status) =>
        status.actions
          .filter((action) => action.status !== 'claimed' && inDay(action.at))
          .map((action) => ({
            workgroup: status.workgroup,
            period: status.period,
            periodKey: status.periodKey,
            ...action,
          })),
      )
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
    reconciledQueries: input.reconciledQueries,
    deadLetters: input.deadLetters,
  };
}

/** The mean day, kept to the precision JSON shows each unit with. */
function averageOf(sum: ReportTotalFields, days: number): ReportTotalFields {
  return {
    queries: Math.round((sum.queries * 100) / days) / 100,
    failedQueries: Math.round((sum.failedQueries * 100) / days) / 100,
    dpuHours: jsonDpuHours(sum.dpuHours / days),
    dataScannedBytes: Math.round(sum.dataScannedBytes / days),
    costUsd: jsonUsd(sum.costUsd / days),
  };
}

/** The change from `base` to `value` in percent, to the tenth; null when `base` is 0. */
export function changePercent(value: number, base: number): number | null {
  if (base === 0) return null;
  return Math.round(((value - base) * 1000) / base) / 10;
}
