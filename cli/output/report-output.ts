import { DPU_STEP } from '../../lib/capacity/reservation-accounting.js';
import { MIN_RESERVATION_DPUS, RIGHT_SIZING_LIMITS } from '../../lib/capacity/right-sizing.js';
import {
  formatBytes,
  formatCount,
  formatDpuHours,
  formatDurationMs,
  formatInstant,
  formatPercent,
  formatQuantity,
  formatUsd,
  jsonUsd,
} from '../../lib/format/format-values.js';
import {
  ATTRIBUTION_FIELD_NAMES,
  type AttributionReport,
  attributionRowFields,
  toAttributionJson,
} from '../../lib/reports/attribution-report.js';
import { type HtmlReportOptions, renderHtmlReport } from '../../lib/reports/render-html-report.js';
import {
  RESERVATION_FIELD_NAMES,
  type ReservationReport,
  type RightSizingFields,
  reservationRowFields,
  rightSizingFields,
  rightSizingText,
  toReservationReportJson,
} from '../../lib/reports/reservation-report.js';
import {
  CSV_COLUMNS,
  csvCells,
  rowFields,
  TOTAL_FIELD_NAMES,
  toReportJson,
  totalFields,
  USAGE_FIELD_NAMES,
  type UsageReport,
} from '../../lib/reports/usage-report.js';
import { usdFromNano } from '../../lib/usage/pricing.js';
import type { OutputFormat } from '../command.js';
import { UsageError } from '../errors.js';
import { toCsv } from './csv.js';
import { type Column, renderTable } from './table.js';

/** Renders a usage report in one of the CLI's formats. */
export function renderReport(
  report: UsageReport,
  format: OutputFormat,
  options: HtmlReportOptions,
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toReportJson(report), null, 2)}\n`;
    case 'csv':
      return reportCsv(report);
    case 'html':
      return renderHtmlReport(report, options);
    case 'table':
    // Reports do not offer the digest's text and markdown: `report` never passes them.
    case 'text':
    case 'markdown':
      return reportTable(report);
  }
}

/** The rows only: a header line, then one line per row. */
export function reportCsv(report: UsageReport): string {
  return toCsv(CSV_COLUMNS, report.rows.map(csvCells));
}

/** The usage columns every report row has, after its labels. */
const TOTALS_COLUMNS: readonly Column[] = [
  { header: 'QUERIES', format: formatCount },
  { header: 'FAILED', format: formatCount },
  { header: 'DPU-HOURS', format: formatDpuHours, align: 'right' },
  { header: 'SCANNED', format: formatBytes, align: 'right' },
  { header: 'COST USD', format: formatUsd, align: 'right' },
];

const ROW_COLUMNS: readonly Column[] = [
  { header: 'WORKGROUP' },
  { header: 'PERIOD' },
  ...TOTALS_COLUMNS,
  { header: 'BILLED USD', format: formatUsd, align: 'right' },
  { header: 'BUDGET LIMIT', align: 'right' },
  { header: 'BUDGET USED', format: formatPercent, align: 'right' },
];

const TOP_COLUMNS: readonly Column[] = [
  { header: 'QUERY ID' },
  { header: 'WORKGROUP' },
  { header: 'STATE' },
  { header: 'DPUS', format: formatCount, align: 'right' },
  { header: 'DPU-HOURS', format: formatDpuHours, align: 'right' },
  { header: 'ENGINE TIME', align: 'right' },
  { header: 'SCANNED', format: formatBytes, align: 'right' },
  { header: 'COST USD', format: formatUsd, align: 'right' },
  { header: 'COMPLETED (UTC)' },
];

/** The rows with a TOTAL line, then the top queries when there are any. */
export function reportTable(report: UsageReport): string {
  const total = totalFields(report.total);
  const rows = report.rows.map((row) => {
    const fields = rowFields(row);
    return [
      ...USAGE_FIELD_NAMES.map((name) => fields[name]),
      fields.budgetLimit === null
        ? null
        : formatQuantity(fields.budgetLimit.unit, fields.budgetLimit.value),
      fields.budgetUsedPercent,
    ];
  });
  const footer = [
    [
      'TOTAL',
      '',
      ...TOTAL_FIELD_NAMES.map((name) => total[name]),
      jsonUsd(usdFromNano(report.billedTotalNanoUsd)),
      null,
      null,
    ],
  ];
  let text = renderTable(ROW_COLUMNS, rows, { footer });
  if (report.topQueries.length > 0) {
    text += `\nTop ${report.topQueries.length} queries by cost\n`;
    text += renderTable(
      TOP_COLUMNS,
      report.topQueries.map((query) => [
        query.queryExecutionId,
        query.workgroup,
        query.state,
        query.dpuCount,
        query.dpuHours,
        formatDurationMs(query.engineExecutionMs),
        query.dataScannedBytes,
        query.costUsd,
        formatInstant(query.completedAt),
      ]),
    );
    const withSql = report.topQueries.filter((query) => query.sqlRedacted !== undefined);
    if (withSql.length > 0) {
      text +=
        '\nSQL of the top queries (redacted: literals and numbers replaced, comments dropped)\n';
      for (const query of withSql) text += `${query.queryExecutionId}  ${query.sqlRedacted}\n`;
    }
  }
  return text;
}

/** Renders an attribution report (`--by dbt-model|tag:<key>`): table, JSON or CSV. */
export function renderAttributionReport(report: AttributionReport, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toAttributionJson(report), null, 2)}\n`;
    case 'csv':
      return toCsv(
        ATTRIBUTION_FIELD_NAMES,
        report.rows.map((row) => {
          const fields = attributionRowFields(row);
          return ATTRIBUTION_FIELD_NAMES.map((name) => fields[name]);
        }),
      );
    case 'html':
      // `report` renders attribution in HTML as sections of the range's page (renderHtmlReport).
      throw new UsageError(`--by ${report.by}: HTML is a section of the report page`);
    // Reports do not offer the digest's text and markdown: `report` never passes them.
    case 'text':
    case 'markdown':
    case 'table': {
      const total = totalFields(report.total);
      const shown =
        report.rows.length < report.rowsBeforeTop
          ? `TOTAL (${report.values} values, ${report.rows.length} ${report.period === undefined ? '' : 'rows '}shown)`
          : 'TOTAL';
      return renderTable(
        ATTRIBUTION_COLUMNS,
        report.rows.map((row) => {
          const fields = attributionRowFields(row);
          return ATTRIBUTION_FIELD_NAMES.map((name) => fields[name]);
        }),
        {
          footer: [[shown, '', '', ...TOTAL_FIELD_NAMES.map((name) => total[name])]],
        },
      );
    }
  }
}

const ATTRIBUTION_COLUMNS: readonly Column[] = [
  { header: 'KEY' },
  { header: 'VALUE' },
  { header: 'PERIOD' },
  ...TOTALS_COLUMNS,
];

const RESERVATION_COLUMNS: readonly Column[] = [
  { header: 'RESERVATION' },
  { header: 'PERIOD' },
  { header: 'ALLOCATED DPU-H', format: formatDpuHours, align: 'right' },
  { header: 'USED DPU-H', format: formatDpuHours, align: 'right' },
  { header: 'IDLE DPU-H', format: formatDpuHours, align: 'right' },
  { header: 'UTILIZATION', format: formatPercent, align: 'right' },
  { header: 'COST USD', format: formatUsd, align: 'right' },
  { header: 'IDLE COST USD', format: formatUsd, align: 'right' },
];

/** `report --by reservation` in table, JSON or CSV. */
export function renderReservationReport(report: ReservationReport, format: OutputFormat): string {
  const rows = report.rows.map((row) => {
    const fields = reservationRowFields(row.reservation, row.period, row.counter);
    return RESERVATION_FIELD_NAMES.map((name) => fields[name]);
  });
  switch (format) {
    case 'json':
      return `${JSON.stringify(toReservationReportJson(report), null, 2)}\n`;
    case 'csv':
      return toCsv(RESERVATION_FIELD_NAMES, rows);
    default: {
      const total = reservationRowFields('TOTAL', '', report.total);
      const table = renderTable(RESERVATION_COLUMNS, rows, {
        footer: [RESERVATION_FIELD_NAMES.map((name) => total[name])],
      });
      return `${table}${rightSizingSection(report.rightSizing.map(rightSizingFields))}`;
    }
  }
}

/** The right-sizing hints under a reservation table, with what they rest on. */
export function rightSizingSection(hints: readonly RightSizingFields[]): string {
  if (hints.length === 0) return '';
  return `\nRight-sizing (p95 of minute-level use, in steps of ${DPU_STEP} DPUs, at least ${MIN_RESERVATION_DPUS}):\n${hints
    .map((hint) => `  ${rightSizingText(hint)}\n`)
    .join('')}  ${RIGHT_SIZING_LIMITS}\n`;
}
