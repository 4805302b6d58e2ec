import type { BudgetStatus } from '../budgets/budget-status.js';
import {
  formatBytes,
  formatCount,
  formatDpuHours,
  formatDurationMs,
  formatInstant,
  formatMinute,
  formatPercent,
  formatQuantity,
  formatUsdWithSign,
} from '../format/format-values.js';
import type { TopQuery } from '../store/usage-report-source.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import type { AttributionReport } from './attribution-report.js';
import { attributes, escapeHtml } from './html.js';
import { attributionSections } from './render-attribution-html.js';
import { reservationsSection } from './render-reservation-html.js';
import {
  colorsFor,
  costShareChart,
  type DayBudgetLine,
  dpuHoursChart,
  formatLimit,
} from './report-charts.js';
import { dayCount } from './report-range.js';
import type { ReservationReport } from './reservation-report.js';
import { type ReportRow, totalFields, type UsageReport } from './usage-report.js';

export interface HtmlReportOptions {
  /** When the report was made, shown in its header. */
  readonly generatedAt: Date;
  /**
   * Each budget's status at `generatedAt`, as `athena-cost status` computes it, for the budgets
   * section; the section is left out when absent.
   */
  readonly budgets?: readonly BudgetStatus[] | undefined;
  /**
   * Attribution reports (dbt models, tags, principals) for the "Top …" sections: each shown when
   * it has rows, or always when its key is in `requiredAttributions`.
   */
  readonly attributions?: readonly AttributionReport[] | undefined;
  readonly requiredAttributions?: ReadonlySet<string> | undefined;
  /**
   * The range's capacity reservations for their section (allocated vs used per hour, idle
   * share, right-sizing): shown when it has rows, or always with `requireReservations`.
   */
  readonly reservations?: ReservationReport | undefined;
  readonly requireReservations?: boolean | undefined;
}

/**
 * Renders a report as one self-contained HTML page: inline CSS and SVG, no scripts, fonts or
 * anything else from the network (a Content-Security-Policy forbids it). Every piece of data,
 * workgroup names first, is escaped.
 */
export function renderHtmlReport(report: UsageReport, options: HtmlReportOptions): string {
  const workgroups = [
    ...new Set([
      ...report.daily.map((counter) => counter.workgroup),
      ...report.rows.map((row) => row.workgroup),
      ...report.topQueries.map((query) => query.workgroup),
    ]),
  ].sort();
  const colors = colorsFor(workgroups);
  const dailyMillis = new Map<string, number>();
  const costNano = new Map<string, number>();
  for (const counter of report.daily) {
    const key = `${counter.workgroup}\n${counter.key}`;
    dailyMillis.set(key, (dailyMillis.get(key) ?? 0) + counter.totals.dpuMillis);
    costNano.set(
      counter.workgroup,
      (costNano.get(counter.workgroup) ?? 0) + counter.totals.costNanoUsd,
    );
  }
  const charted = new Set(report.daily.map((counter) => counter.workgroup));
  const usesDpus = new Set(
    report.daily.filter((counter) => counter.totals.dpuMillis > 0).map((c) => c.workgroup),
  );
  if (report.workgroup !== undefined) charted.add(report.workgroup);
  // A DPU-hour limit means nothing on a chart the workgroup has no bar in (an on-demand one).
  const dayBudgets = report.budgets.flatMap((budget): DayBudgetLine[] =>
    budget.period === 'day' &&
    budget.limitDpuHours !== undefined &&
    charted.has(budget.workgroup) &&
    (usesDpus.has(budget.workgroup) || report.workgroup === budget.workgroup)
      ? [{ workgroup: budget.workgroup, limitDpuHours: budget.limitDpuHours }]
      : [],
  );
  const dpuWorkgroups = workgroups.filter((workgroup) => usesDpus.has(workgroup));
  // One workgroup's limit drawn over the stack of all would compare it with the others' usage:
  // with several workgroups, each budgeted one gets a chart of its own series and its limit.
  const linesOnStack = dpuWorkgroups.length <= 1 ? dayBudgets : [];
  const dpuHours = (workgroup: string, day: string) =>
    dpuHoursFromMillis(dailyMillis.get(`${workgroup}\n${day}`) ?? 0);
  const title = `Athena cost report, ${report.from} to ${report.to}`;
  const days = dayCount({ from: report.from, to: report.to });
  const scope = report.workgroup === undefined ? 'all workgroups' : `workgroup ${report.workgroup}`;
  const wholePeriods =
    report.by === 'week' || report.by === 'month'
      ? `<p class="note">Rows by ${report.by} cover whole ${report.by === 'week' ? 'ISO weeks' : 'months'}, so they and the totals above can include days outside the range. The charts cover the range only.</p>`
      : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="athena-cost">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="page-header">
<p class="eyebrow">Amazon Athena · cost and DPU usage</p>
<h1>${escapeHtml(`${report.from} – ${report.to}`)}</h1>
<p class="subtitle">${escapeHtml(`${days} ${days === 1 ? 'day' : 'days'} (UTC) · ${scope} · rows by ${report.by} · generated ${formatInstant(options.generatedAt.toISOString())}`)}</p>
</header>
${summaryCards(report)}
<section class="panel" aria-labelledby="dpu-heading">
<h2 id="dpu-heading">DPU-hours per day</h2>
<p class="hint">Peak DPUs × engine time of queries on capacity reservations, stacked by workgroup.${linesOnStack.length > 0 ? ' Dashed line: the day budget limit.' : ''}</p>
${dpuHoursChart({ days: report.days, workgroups, dpuHours, dayBudgets: linesOnStack, colors })}
${legend(dpuWorkgroups, linesOnStack, colors)}
</section>
${linesOnStack.length === 0 ? dayBudgetCharts(report.days, dayBudgets, dpuHours, colors) : ''}
${options.budgets === undefined ? '' : budgetsSection(options.budgets, colors)}
${options.reservations === undefined ? '' : reservationsSection(options.reservations, options.requireReservations ?? false)}
<section class="panel" aria-labelledby="share-heading">
<h2 id="share-heading">Cost share by workgroup</h2>
<p class="hint">Estimated cost over the range, from list prices.</p>
${costShareChart({
  costs: [...costNano].map(([workgroup, nano]) => ({ workgroup, costUsd: usdFromNano(nano) })),
  colors,
})}
</section>
<section class="panel" aria-labelledby="top-heading">
<h2 id="top-heading">Most expensive queries</h2>
${topQueriesTable(report.topQueries, colors)}
</section>
${attributionSections(options.attributions ?? [], options.requiredAttributions)}
<section class="panel" aria-labelledby="rows-heading">
<h2 id="rows-heading">Usage by ${escapeHtml(report.by)}</h2>
${wholePeriods}
${rowsTable(report, colors)}
</section>
<footer>DPU-hours attribute reservation capacity by each query's peak DPU count; costs are estimates, not the bill. Made by athena-cost.</footer>
</main>
</body>
</html>
`;
}

function summaryCards(report: UsageReport): string {
  const total = totalFields(report.total);
  const cards = [
    ['Estimated cost', formatUsdWithSign(total.costUsd), ''],
    ['DPU-hours', formatDpuHours(total.dpuHours), ''],
    [
      'Queries',
      formatCount(total.queries),
      total.failedQueries > 0 ? `${formatCount(total.failedQueries)} failed` : 'none failed',
    ],
    ['Data scanned', formatBytes(total.dataScannedBytes), ''],
  ] as const;
  return `<section class="cards" aria-label="Totals">${cards
    .map(
      ([label, value, note]) =>
        `<div class="card"><div class="card-label">${escapeHtml(label)}</div><div class="card-value">${escapeHtml(value)}</div>${note ? `<div class="card-note">${escapeHtml(note)}</div>` : ''}</div>`,
    )
    .join('')}</section>`;
}

/** Small multiples: each budgeted workgroup's own DPU-hours per day against its day limit. */
function dayBudgetCharts(
  days: readonly string[],
  dayBudgets: readonly DayBudgetLine[],
  dpuHours: (workgroup: string, day: string) => number,
  colors: ReadonlyMap<string, string>,
): string {
  if (dayBudgets.length === 0) return '';
  const charts = dayBudgets.map(
    (budget, index) => `<figure class="multiple">
<figcaption>${swatch(budget.workgroup, colors)}${escapeHtml(`${budget.workgroup}: day limit ${formatDpuHours(budget.limitDpuHours)} DPU-hours`)}</figcaption>
${dpuHoursChart({
  days,
  workgroups: [budget.workgroup],
  dpuHours,
  dayBudgets: [budget],
  colors,
  id: `day-budget-chart-${index + 1}`,
  title: `${budget.workgroup}: DPU-hours per day against its day budget`,
  height: 220,
})}
</figure>`,
  );
  return `<section class="panel" aria-labelledby="day-budgets-heading">
<h2 id="day-budgets-heading">DPU-hours against day budgets</h2>
<p class="hint">Each budgeted workgroup's own DPU-hours per day; the dashed line is its day limit.</p>
${charts.join('\n')}
</section>`;
}

/** Each budget's binding limit, share used, actions with their times and forecast. */
function budgetsSection(
  statuses: readonly BudgetStatus[],
  colors: ReadonlyMap<string, string>,
): string {
  const body =
    statuses.length === 0
      ? '<tr><td colspan="8" class="empty-note">No budgets.</td></tr>'
      : statuses
          .map((status) => {
            const actions =
              status.actions.length === 0
                ? '<span class="muted">none</span>'
                : `<ul class="actions">${status.actions
                    .map(
                      (action) =>
                        `<li>${escapeHtml(`${action.threshold === null ? '?' : formatPercent(action.threshold)} ${action.action} (${action.status}) ${formatMinute(action.at)}`)}${action.detail === null ? '' : ` <span class="muted">${escapeHtml(action.detail)}</span>`}</li>`,
                    )
                    .join('')}</ul>`;
            const reached = status.forecast.limitCrossed
              ? `crossed${status.forecast.limitReachedAt === null ? '' : ` ${formatMinute(status.forecast.limitReachedAt)}`}`
              : status.forecast.limitReachedAt === null
                ? '–'
                : formatMinute(status.forecast.limitReachedAt);
            return `<tr${attributes({ 'data-workgroup': status.workgroup, 'data-binding-limit': status.bindingLimit, 'data-used-percent': status.usedPercent })}>
<td>${swatch(status.workgroup, colors)}${escapeHtml(status.workgroup)}</td>
<td class="nowrap">${escapeHtml(`${status.period} ${status.periodKey}`)}</td>
${numberCell(formatQuantity(status.bindingLimit, status.bindingLimitValue))}
${budgetMeterCell(status.usedPercent)}
${numberCell(formatQuantity(status.forecast.projected.unit, status.forecast.projected.value))}
${numberCell(formatPercent(status.forecast.projectedPercent))}
<td class="nowrap">${escapeHtml(reached)}</td>
<td>${actions}</td>
</tr>`;
          })
          .join('\n');
  return `<section class="panel" aria-labelledby="budgets-heading">
<h2 id="budgets-heading">Budgets this period</h2>
<p class="hint">As <code>athena-cost status</code> shows them: usage against the binding (tightest) limit, and a straight-line forecast to the period end.</p>
<div class="table-wrap"><table id="budgets">
<thead><tr><th scope="col">Workgroup</th><th scope="col">Period</th><th scope="col" class="num">Binding limit</th><th scope="col" class="num">Used</th><th scope="col" class="num">Projected</th><th scope="col" class="num">Projected %</th><th scope="col">Limit reached (UTC)</th><th scope="col">Actions (UTC)</th></tr></thead>
<tbody>
${body}
</tbody>
</table></div>
</section>`;
}

function legend(
  workgroups: readonly string[],
  dayBudgets: readonly DayBudgetLine[],
  colors: ReadonlyMap<string, string>,
): string {
  if (workgroups.length === 0) return '';
  const items = workgroups.map(
    (workgroup) => `<li>${swatch(workgroup, colors)}${escapeHtml(workgroup)}</li>`,
  );
  const limits = dayBudgets.map(
    (budget) =>
      `<li class="limit"><span class="dash"${attributes({ style: `border-color:${colors.get(budget.workgroup) ?? '#888'}` })}></span>${escapeHtml(`${budget.workgroup} day limit, ${formatLimit(budget.limitDpuHours)} DPU-hours`)}</li>`,
  );
  return `<ul class="legend" aria-label="Legend">${[...items, ...limits].join('')}</ul>`;
}

const swatch = (workgroup: string, colors: ReadonlyMap<string, string>) =>
  `<span class="swatch"${attributes({ style: `background:${colors.get(workgroup) ?? '#888'}` })}></span>`;

const numberCell = (text: string) => `<td class="num">${escapeHtml(text)}</td>`;

function topQueriesTable(
  queries: readonly TopQuery[],
  colors: ReadonlyMap<string, string>,
): string {
  if (queries.length === 0) {
    return '<p class="empty-note">No queries in this range.</p>';
  }
  const body = queries
    .map(
      (query, index) => `<tr>
<td class="num rank">${index + 1}</td>
<td class="mono">${escapeHtml(query.queryExecutionId)}</td>
<td>${swatch(query.workgroup, colors)}${escapeHtml(query.workgroup)}</td>
<td><span${attributes({ class: `state state-${query.state.toLowerCase()}` })}>${escapeHtml(query.state)}</span></td>
${numberCell(query.dpuCount === null ? '–' : formatCount(query.dpuCount))}
${numberCell(formatDpuHours(query.dpuHours))}
${numberCell(formatDurationMs(query.engineExecutionMs))}
${numberCell(formatBytes(query.dataScannedBytes))}
${numberCell(formatUsdWithSign(query.costUsd))}
<td class="nowrap"${attributes({ title: query.completedAt })}>${escapeHtml(formatMinute(query.completedAt))}</td>
</tr>${
        query.sqlRedacted === undefined
          ? ''
          : `\n<tr class="sql-row"><td></td><td colspan="9"><code class="sql">${escapeHtml(query.sqlRedacted)}</code></td></tr>`
      }`,
    )
    .join('\n');
  return `<div class="table-wrap"><table id="top-queries">
<caption>The ${queries.length} most expensive queries of the range</caption>
<thead><tr><th scope="col" class="num">#</th><th scope="col">Query ID</th><th scope="col">Workgroup</th><th scope="col">State</th><th scope="col" class="num">DPUs</th><th scope="col" class="num">DPU-hours</th><th scope="col" class="num">Engine</th><th scope="col" class="num">Scanned</th><th scope="col" class="num">Cost</th><th scope="col">Completed (UTC)</th></tr></thead>
<tbody>
${body}
</tbody>
</table></div>`;
}

function budgetCell(row: ReportRow): string {
  if (row.budgetUsedPercent === null) return '<td class="num muted">–</td>';
  return budgetMeterCell(row.budgetUsedPercent);
}

function budgetMeterCell(percent: number): string {
  const level = percent >= 100 ? 'over' : percent >= 80 ? 'near' : 'ok';
  return `<td class="num"><span class="meter"${attributes({ 'data-level': level })}><span class="meter-fill"${attributes({ style: `width:${Math.min(100, Math.max(0, percent))}%` })}></span></span>${escapeHtml(formatPercent(percent))}</td>`;
}

function rowsTable(report: UsageReport, colors: ReadonlyMap<string, string>): string {
  const total = totalFields(report.total);
  const body =
    report.rows.length === 0
      ? '<tr><td colspan="9" class="empty-note">No usage recorded in this range.</td></tr>'
      : report.rows
          .map((row) => {
            const fields = totalFields(row.totals);
            return `<tr${attributes({ 'data-workgroup': row.workgroup, 'data-period': row.period })}>
<td>${swatch(row.workgroup, colors)}${escapeHtml(row.workgroup)}</td>
<td class="nowrap">${escapeHtml(row.period)}</td>
${numberCell(formatCount(fields.queries))}
${numberCell(formatCount(fields.failedQueries))}
${numberCell(formatDpuHours(fields.dpuHours))}
${numberCell(formatBytes(fields.dataScannedBytes))}
${numberCell(formatUsdWithSign(fields.costUsd))}
${numberCell(row.budgetLimit === null ? '–' : formatQuantity(row.budgetLimit.unit, row.budgetLimit.value))}
${budgetCell(row)}
</tr>`;
          })
          .join('\n');
  return `<div class="table-wrap"><table id="usage-rows">
<caption>Usage per workgroup and ${escapeHtml(report.by === 'workgroup' ? 'range' : report.by)}</caption>
<thead><tr><th scope="col">Workgroup</th><th scope="col">Period</th><th scope="col" class="num">Queries</th><th scope="col" class="num">Failed</th><th scope="col" class="num">DPU-hours</th><th scope="col" class="num">Scanned</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Budget limit</th><th scope="col" class="num">Budget used</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th>${numberCell(formatCount(total.queries))}${numberCell(formatCount(total.failedQueries))}${numberCell(formatDpuHours(total.dpuHours))}${numberCell(formatBytes(total.dataScannedBytes))}${numberCell(formatUsdWithSign(total.costUsd))}<td></td><td></td></tr></tfoot>
</table></div>`;
}

const STYLE = `
:root{--ink:#1f2933;--muted:#62707f;--line:#e3e7ec;--panel:#fff;--bg:#f4f6f8;--accent:#4e79a7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-font-smoothing:antialiased}
main{max-width:1320px;margin:0 auto;padding:32px 24px 48px}
.page-header{margin-bottom:20px}
.eyebrow{margin:0;color:var(--accent);font-weight:600;font-size:13px;letter-spacing:.06em;text-transform:uppercase}
h1{margin:4px 0 2px;font-size:30px;font-weight:700;letter-spacing:-.01em}
.subtitle{margin:0;color:var(--muted)}
h2{margin:0 0 2px;font-size:18px;font-weight:650}
.hint,.note{margin:0 0 14px;color:var(--muted);font-size:13px}
.note{margin-top:-6px}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:14px;margin-bottom:18px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:14px 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card-label{color:var(--muted);font-size:13px}
.card-value{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums;letter-spacing:-.01em}
.card-note{color:var(--muted);font-size:12px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:20px 22px;margin-bottom:18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
svg.chart{display:block;width:100%;height:auto;font-family:inherit}
.chart .grid line{stroke:#edf0f3}
.chart .grid line.baseline{stroke:#aeb6bf}
.chart .tick{fill:#6b7785;font-size:12px;font-variant-numeric:tabular-nums}
.chart .axis-title{fill:#6b7785;font-size:12px}
.chart .bar{stroke:#fff;stroke-width:.75}
.chart .budget-line line{stroke-width:2;stroke-dasharray:7 5}
.chart .budget-label{font-size:12px;font-weight:600;font-variant-numeric:tabular-nums}
.chart .empty{fill:var(--muted);font-size:15px}
.chart .allocated-area{fill:#e3e7ec}
.chart .allocated-line{fill:none;stroke:#7a8591;stroke-width:1.5}
.chart .used-area{opacity:.9}
.chart .day-tick{stroke:#f0f2f5}
.right-sizing{margin-top:6px}
.chart .share-label{fill:var(--ink);font-size:14px}
.chart .share-track{fill:#f0f2f5}
.chart .share-value{fill:var(--ink);font-size:14px;font-variant-numeric:tabular-nums;white-space:pre}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;margin:10px 0 0;padding:0 0 0 64px;font-size:13px;color:var(--ink)}
.legend .dash{display:inline-block;width:18px;height:0;border-top:2px dashed;margin-right:7px;vertical-align:middle}
.swatch{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:7px;vertical-align:baseline}
.table-wrap{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:13.5px}
caption{text-align:left;color:var(--muted);font-size:13px;padding-bottom:8px}
th,td{padding:8px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
thead th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;border-bottom:1px solid #cfd6dd;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
tbody tr:hover{background:#f1f5f9}
tfoot th,tfoot td{font-weight:700;border-top:2px solid #cfd6dd;border-bottom:none}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:11.5px;white-space:nowrap}
.nowrap{white-space:nowrap}
.muted,.rank{color:var(--muted)}
.state{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11.5px;font-weight:600;letter-spacing:.02em}
.state-succeeded{background:#e6f4ea;color:#1e6b34}
.state-failed{background:#fdecea;color:#a3251c}
.state-cancelled{background:#f1f3f5;color:#56606b}
.meter{display:inline-block;width:54px;height:6px;border-radius:3px;background:#edf0f3;margin-right:8px;vertical-align:middle;overflow:hidden}
.meter-fill{display:block;height:100%;background:#59a14f}
.meter[data-level=near] .meter-fill{background:#edc948}
.meter[data-level=over] .meter-fill{background:#e15759}
.empty-note{color:var(--muted);text-align:center;padding:18px}
#top-queries td:nth-child(3),#usage-rows td:first-child,#budgets td:first-child{white-space:nowrap}
#top-queries .mono{font-size:11px;letter-spacing:-.01em}
table.attribution .mono{white-space:normal;word-break:break-all}
.sql-row td{border-top:none;padding-top:0}
code.sql{display:block;white-space:pre-wrap;word-break:break-all;color:var(--muted);font-size:11.5px}
.multiple{margin:0 0 14px}
.multiple figcaption{font-size:13px;font-weight:600;margin-bottom:2px}
.actions{margin:0;padding:0;list-style:none;font-size:12.5px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media (max-width:760px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}.legend{padding-left:0}}
@media print{body{background:#fff}.panel,.card{box-shadow:none;break-inside:avoid}}
`;
