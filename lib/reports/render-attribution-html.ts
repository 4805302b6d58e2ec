import {
  formatBytes,
  formatCount,
  formatDpuHours,
  formatPercent,
  formatUsdWithSign,
} from '../format/format-values.js';
import {
  type AttributionReport,
  attributionRowFields,
  attributionTitle,
} from './attribution-report.js';
import { attributes, escapeHtml } from './html.js';
import { totalFields } from './usage-report.js';

/**
 * The HTML report's attribution sections ("Top dbt models", "Top tags: team", "Top principals"),
 * one per report that has rows; a report the user asked for by name (`required`) shows an empty
 * note instead of vanishing, so "no usage tagged team" is visible.
 */
export function attributionSections(
  reports: readonly AttributionReport[],
  required: ReadonlySet<string> = new Set(),
): string {
  return reports
    .filter((report) => report.rows.length > 0 || required.has(report.key))
    .map((report) => attributionSection(report))
    .join('\n');
}

function attributionSection(report: AttributionReport): string {
  const title = attributionTitle(report.key);
  const id = `attribution-${report.key.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  const totalCost = report.total.costNanoUsd;
  const perPeriod = report.period !== undefined;
  const columns = perPeriod ? 8 : 7;
  const body =
    report.rows.length === 0
      ? `<tr><td colspan="${columns}" class="empty-note">${escapeHtml(`No usage with ${report.key} in this range.`)}</td></tr>`
      : report.rows
          .map((row, index) => {
            const fields = attributionRowFields(row);
            const share = totalCost > 0 ? (row.totals.costNanoUsd / totalCost) * 100 : 0;
            return `<tr${attributes({ 'data-key': row.key, 'data-value': row.value, 'data-period': row.period })}>
<td class="num rank">${index + 1}</td>
<td class="mono">${escapeHtml(row.value)}</td>
${perPeriod ? `<td class="nowrap">${escapeHtml(row.period)}</td>` : ''}
<td class="num">${escapeHtml(formatCount(fields.queries))}</td>
<td class="num">${escapeHtml(formatDpuHours(fields.dpuHours))}</td>
<td class="num">${escapeHtml(formatBytes(fields.dataScannedBytes))}</td>
<td class="num">${escapeHtml(formatUsdWithSign(fields.costUsd))}</td>
<td class="num">${escapeHtml(formatPercent(share))}</td>
</tr>`;
          })
          .join('\n');
  const total = totalFields(report.total);
  const shown =
    report.rows.length < report.rowsBeforeTop
      ? `The ${report.rows.length} most expensive of ${report.values} values`
      : `${report.values} ${report.values === 1 ? 'value' : 'values'}`;
  const scope = report.workgroup === undefined ? 'all workgroups' : `workgroup ${report.workgroup}`;
  return `<section class="panel" aria-labelledby="${id}-heading">
<h2 id="${id}-heading">${escapeHtml(title)}</h2>
<p class="hint">${escapeHtml(`${shown} of ${report.key}, ${scope}; the share is of the cost of every value. Queries without ${report.key} are not counted here.`)}</p>
<div class="table-wrap"><table${attributes({ id, class: 'attribution' })}>
<thead><tr><th scope="col" class="num">#</th><th scope="col">${escapeHtml(report.key)}</th>${perPeriod ? '<th scope="col">Period</th>' : ''}<th scope="col" class="num">Queries</th><th scope="col" class="num">DPU-hours</th><th scope="col" class="num">Scanned</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row" colspan="${perPeriod ? 3 : 2}">All values</th><td class="num">${escapeHtml(formatCount(total.queries))}</td><td class="num">${escapeHtml(formatDpuHours(total.dpuHours))}</td><td class="num">${escapeHtml(formatBytes(total.dataScannedBytes))}</td><td class="num">${escapeHtml(formatUsdWithSign(total.costUsd))}</td><td></td></tr></tfoot>
</table></div>
</section>`;
}
