import { idleSharePercentOf, type ReservationCounter } from '../capacity/billed-cost.js';
import { formatDpuHours, formatPercent, formatUsdWithSign } from '../format/format-values.js';
import { dpuHoursFromMillis } from '../usage/pricing.js';
import { attributes, escapeHtml } from './html.js';
import { colorsFor, type ReservationHour, reservationHoursChart } from './report-charts.js';
import { daysIn } from './report-range.js';
import {
  type ReservationReport,
  type ReservationRowFields,
  reservationRowFields,
  reservationTotal,
  rightSizingFields,
  rightSizingText,
} from './reservation-report.js';

/**
 * The HTML report's capacity reservations section: per reservation, its allocated and used DPUs
 * per hour and its idle share over the range, its right-sizing hint, then the rows of
 * `report --by reservation`. Every figure comes from the report's counters through the same
 * functions as the table (`reservationRowFields`, `rightSizingFields`).
 */
export function reservationsSection(report: ReservationReport, required: boolean): string {
  if (report.rows.length === 0 && !required) return '';
  const names = [...new Set(report.rows.map((row) => row.reservation))].sort();
  const colors = colorsFor(names);
  const days = daysIn(report);
  const charts = names.map((name, index) => {
    const total = reservationTotal(report, name);
    const fields = reservationRowFields(name, `${report.from}..${report.to}`, total);
    const hint = report.rightSizing.find((each) => each.reservation === name);
    const hours = hoursOf(report, name, days);
    const usedMeasured = hours.some((hour) => hour.usedDpus !== undefined);
    return `<figure class="multiple"${attributes({ 'data-reservation': name })}>
<figcaption>${escapeHtml(name)}: ${escapeHtml(summaryOf(fields, total))}</figcaption>
${reservationHoursChart({ reservation: name, days, hours, color: colors.get(name) ?? '#4e79a7', id: `reservation-hours-chart-${index + 1}` })}
${usedMeasured ? '' : '<p class="note">Used DPUs per hour need the DPUConsumed metric (its workgroups publish no CloudWatch metrics): only the allocation is drawn, and the table shows the attributed use per day.</p>'}
${hint === undefined ? '' : `<p class="hint right-sizing">${escapeHtml(`Right-sizing: ${rightSizingText(rightSizingFields(hint))}.`)}</p>`}
</figure>`;
  });
  return `<section class="panel" aria-labelledby="reservations-heading">
<h2 id="reservations-heading">Capacity reservations: allocated vs used</h2>
<p class="hint">A reservation bills its allocated DPUs every minute, used or not. Grey: DPUs allocated per hour (UTC, the hour's average); colour: DPUs its queries used (DPUConsumed); the grey above the colour sat idle.</p>
${charts.length === 0 ? '<p class="empty-note">No capacity reservation counted in this range.</p>' : charts.join('\n')}
${rowsTable(report)}
</section>`;
}

/** 24 hours per day of the range, from the day counters' minute profiles. */
function hoursOf(
  report: ReservationReport,
  reservation: string,
  days: readonly string[],
): ReservationHour[] {
  const byDay = new Map(
    report.rows.filter((row) => row.reservation === reservation).map((row) => [row.period, row]),
  );
  return days.flatMap((day) => {
    const profile = byDay.get(day)?.counter.minuteProfile;
    const usedMeasured =
      profile !== undefined && Object.keys(profile.usedDpuMillisByHour).length > 0;
    return Array.from({ length: 24 }, (_, hour): ReservationHour => {
      const key = String(hour).padStart(2, '0');
      return {
        allocatedDpus:
          profile === undefined
            ? undefined
            : dpuHoursFromMillis(profile.allocatedDpuMillisByHour[key] ?? 0),
        usedDpus: usedMeasured
          ? dpuHoursFromMillis(profile.usedDpuMillisByHour[key] ?? 0)
          : undefined,
      };
    });
  });
}

function summaryOf(fields: ReservationRowFields, total: ReservationCounter): string {
  const idleShare = idleSharePercentOf(total);
  return `${formatDpuHours(fields.allocatedDpuHours)} DPU-hours allocated, ${formatDpuHours(fields.usedDpuHours)} used, ${formatDpuHours(fields.idleDpuHours)} idle${idleShare === null ? '' : ` (${formatPercent(idleShare)} idle)`}; cost ${formatUsdWithSign(fields.costUsd)}, of which idle ${formatUsdWithSign(fields.idleCostUsd)}`;
}

const numberCell = (text: string) => `<td class="num">${escapeHtml(text)}</td>`;

function cells(fields: ReservationRowFields): string {
  return [
    numberCell(formatDpuHours(fields.allocatedDpuHours)),
    numberCell(formatDpuHours(fields.usedDpuHours)),
    numberCell(formatDpuHours(fields.idleDpuHours)),
    numberCell(fields.utilizationPercent === null ? '–' : formatPercent(fields.utilizationPercent)),
    numberCell(formatUsdWithSign(fields.costUsd)),
    numberCell(formatUsdWithSign(fields.idleCostUsd)),
  ].join('');
}

function rowsTable(report: ReservationReport): string {
  const body =
    report.rows.length === 0
      ? '<tr><td colspan="8" class="empty-note">No reservation days in this range.</td></tr>'
      : report.rows
          .map((row) => {
            const fields = reservationRowFields(row.reservation, row.period, row.counter);
            return `<tr${attributes({ 'data-reservation': row.reservation, 'data-period': row.period, 'data-allocated-dpu-hours': fields.allocatedDpuHours, 'data-used-dpu-hours': fields.usedDpuHours })}><td>${escapeHtml(row.reservation)}</td><td class="nowrap">${escapeHtml(row.period)}</td>${cells(fields)}</tr>`;
          })
          .join('\n');
  const total = reservationRowFields('TOTAL', '', report.total);
  return `<div class="table-wrap"><table id="reservation-rows">
<caption>Per reservation and day, as <code>athena-cost report --by reservation</code> shows them</caption>
<thead><tr><th scope="col">Reservation</th><th scope="col">Day</th><th scope="col" class="num">Allocated DPU-h</th><th scope="col" class="num">Used DPU-h</th><th scope="col" class="num">Idle DPU-h</th><th scope="col" class="num">Utilization</th><th scope="col" class="num">Cost</th><th scope="col" class="num">Idle cost</th></tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th>${cells(total)}</tr></tfoot>
</table></div>`;
}
