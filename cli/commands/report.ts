import { z } from 'zod';
import {
  ATTRIBUTION_GROUPING_HELP,
  attributionKeyOf,
  loadAttributionReport,
} from '../../lib/reports/attribution-report.js';
import {
  MAX_REPORT_DAYS,
  ReportRangeError,
  resolveDayRange,
} from '../../lib/reports/report-range.js';
import { loadReservationReport } from '../../lib/reports/reservation-report.js';
import {
  loadUsageReport,
  MAX_TOP_QUERIES,
  REPORT_GROUPINGS,
  type ReportGrouping,
} from '../../lib/reports/usage-report.js';
import { DynamoDbAttributionReportSource } from '../../lib/store/dynamodb-attribution-report-source.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { PERIODS } from '../../lib/usage/period-keys.js';
import { loadBudgetStatuses } from '../budget-statuses.js';
import { defineCommand } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { dayOption, got, wholeNumberOption, workgroupFilterOption } from '../options.js';
import {
  renderAttributionReport,
  renderReport,
  renderReservationReport,
} from '../output/report-output.js';
import { writeOutput } from '../output/write-output.js';

/** The HTML report always lists top queries: this many unless `--top` says otherwise. */
const HTML_DEFAULT_TOP = 10;
/** The attribution sections every HTML report has when their data is there (`--by` adds one). */
const HTML_ATTRIBUTION_GROUPINGS: readonly string[] = ['principal', 'dbt-model'];

const isReportGrouping = (by: string): by is ReportGrouping =>
  (REPORT_GROUPINGS as readonly string[]).includes(by);

export default defineCommand({
  name: 'report',
  summary: 'Usage and cost per workgroup and day, week or month, and the top queries',
  description: `
Reads the usage counters the monitor keeps (never a table scan). Days are UTC and inclusive;
a range spans at most ${MAX_REPORT_DAYS} days. --by day (the default) gives a row per workgroup and
day; --by week and --by month read week and month counters, so their rows cover whole ISO weeks
and months overlapping the range, even beyond it; --by workgroup sums the days of the range.
Budget columns show the binding limit of a workgroup's budget of the row's period and the share
of it used, as 'athena-cost status' computes them. --by principal (with the attributePrincipals
deploy parameter: the IAM principal that started each query, 'unknown' until CloudTrail names
it), --by dbt-model and --by tag:KEY (a key of the '-- athena-cost: KEY=VALUE' convention) give a
row per principal, dbt model or tag value over the range, most expensive first, with --top N the
N most expensive; with --period
day|week|month a row per value and day, ISO week or month instead (whole weeks and months
overlapping the range, as --by week|month reads them), --top N then keeping N per period. CSV holds the rows only; --format html writes a self-contained page with charts,
the top ${HTML_DEFAULT_TOP} queries (or --top N) and the top dbt models when there are any; with --by
principal, dbt-model or tag:KEY, the page of the range with that key's section.
COST USD is the attributed cost (a reservation query's DpuCount × engine time); BILLED USD is
what the usage billed: on a capacity reservation, the workgroup's share of the reservation's
allocated cost, idle capacity included, in proportion to its attributed DPU-hours.
--by reservation gives a row per capacity reservation and day: allocated (billed), used and idle
DPU-hours, utilization, cost and idle cost, then each reservation's right-sizing hint (the DPUs
that would have covered the p95 of its minute-level use); with --format html, the range's page
with its capacity reservations section (allocated vs used DPUs per hour, idle share, hint), which
every HTML report of all workgroups shows when the range has reservation days.`,
  options: {
    from: {
      type: 'string',
      valueName: 'YYYY-MM-DD',
      description: 'First day, inclusive (default: 6 days before --to)',
      schema: dayOption,
    },
    to: {
      type: 'string',
      valueName: 'YYYY-MM-DD',
      description: 'Last day, inclusive (default: today, UTC)',
      schema: dayOption,
    },
    workgroup: workgroupFilterOption('all'),
    by: {
      type: 'string',
      valueName: `${REPORT_GROUPINGS.join('|')}|reservation|principal|dbt-model|tag:KEY`,
      description:
        'Rows per day, week, month, workgroup, principal, dbt-model or tag:KEY over the range, or per reservation and day (default: day)',
      default: 'day',
      schema: z
        .string()
        .refine(
          (by) =>
            isReportGrouping(by) || by === 'reservation' || attributionKeyOf(by) !== undefined,
          {
            error: (issue) =>
              `must be one of ${REPORT_GROUPINGS.join(', ')}, reservation, ${ATTRIBUTION_GROUPING_HELP}${got(issue)}`,
          },
        ),
    },
    top: {
      type: 'string',
      valueName: 'N',
      description: `Also list the N most expensive queries (with --by principal, dbt-model or tag:KEY: only the N most expensive values), 1 to ${MAX_TOP_QUERIES}`,
      schema: wholeNumberOption(1, MAX_TOP_QUERIES),
    },
    period: {
      type: 'string',
      valueName: PERIODS.join('|'),
      description:
        'With --by principal, dbt-model or tag:KEY: a row per value and day, week or month (default: the range summed)',
      schema: z.enum(PERIODS, {
        error: (issue) => `must be one of ${PERIODS.join(', ')}${got(issue)}`,
      }),
    },
    out: {
      type: 'string',
      valueName: 'FILE',
      description: 'Write to FILE and print its path',
      schema: z.string().min(1, { error: 'needs a file name' }),
    },
  },
  formats: ['table', 'json', 'csv', 'html'],
  examples: [
    'athena-cost report --table athena-cost-prod',
    'athena-cost report --from 2026-11-01 --to 2026-11-30 --by week --format csv',
    'athena-cost report --workgroup analytics --top 20 --format json',
    'athena-cost report --by reservation --from 2026-11-01',
    'athena-cost report --from 2026-11-01 --format html --out november.html',
    'athena-cost report --by principal --top 10',
    'athena-cost report --by dbt-model --top 10',
    'athena-cost report --by tag:team --format csv',
    'athena-cost report --by dbt-model --period month --from 2026-10-01 --to 2026-11-30',
  ],
  async run(context) {
    const { flags } = context;
    let range: ReturnType<typeof resolveDayRange>;
    try {
      range = resolveDayRange(flags, context.now());
    } catch (error) {
      if (error instanceof ReportRangeError) throw new UsageError(error.message);
      throw error;
    }
    const html = context.format === 'html';
    const by = flags.by;
    if (flags.period !== undefined && (isReportGrouping(by) || by === 'reservation'))
      throw new UsageError(
        `--period goes with --by dbt-model or tag:KEY; --by ${by} has its own periods (--by day, week or month)`,
      );
    const loadReservations = () =>
      loadReservationReport(
        new DynamoDbUsageReportSource(context.documents(), context.tableName, {
          onWarning: context.warn,
        }),
        range,
      );
    if (by === 'reservation') {
      if (flags.workgroup !== undefined || flags.top !== undefined)
        throw new UsageError('--by reservation takes no --workgroup or --top');
      if (!html) {
        const reservations = await loadReservations();
        await writeOutput(
          context,
          renderReservationReport(reservations, context.format),
          flags.out,
        );
        return 0;
      }
    }
    const attributionSource = new DynamoDbAttributionReportSource(
      context.documents(),
      context.tableName,
    );
    const attributionRequest = (grouping: string) => ({
      range,
      by: grouping,
      workgroup: flags.workgroup,
      top: flags.top ?? (html ? HTML_DEFAULT_TOP : undefined),
      period: flags.period,
    });
    if (!isReportGrouping(by) && !html) {
      const attribution = await loadAttributionReport(attributionSource, attributionRequest(by));
      await writeOutput(context, renderAttributionReport(attribution, context.format), flags.out);
      return 0;
    }
    const source = new DynamoDbUsageReportSource(context.documents(), context.tableName, {
      onWarning: context.warn,
    });
    const report = await loadUsageReport(source, {
      range,
      // An attribution or reservation report in HTML is the range's page with that section.
      by: isReportGrouping(by) ? by : 'workgroup',
      workgroup: flags.workgroup,
      top: flags.top ?? (html ? HTML_DEFAULT_TOP : 0),
      includeDaily: html,
    });
    if (flags.workgroup !== undefined && report.rows.length === 0) {
      // As `status --workgroup` does for a workgroup without a budget: nothing to show is an error,
      // in every format, not an empty table that looks like a quiet workgroup.
      throw new CliError(
        `workgroup '${flags.workgroup}' has no usage recorded from ${range.from} to ${range.to}`,
        1,
        "Check the name, or the range (--from, --to); 'athena-cost report' lists the workgroups with usage.",
      );
    }
    const generatedAt = context.now();
    const budgets = html
      ? (
          await loadBudgetStatuses(
            context.documents(),
            context.tableName,
            generatedAt,
            flags.workgroup,
          )
        ).statuses
      : undefined;
    const byAttribution = !isReportGrouping(by) && by !== 'reservation';
    const groupings = [...new Set([...HTML_ATTRIBUTION_GROUPINGS, ...(byAttribution ? [by] : [])])];
    const attributions = html
      ? await Promise.all(
          groupings.map((grouping) =>
            loadAttributionReport(attributionSource, attributionRequest(grouping)),
          ),
        )
      : undefined;
    const text = renderReport(report, context.format, {
      generatedAt,
      budgets,
      attributions,
      requiredAttributions: new Set(byAttribution ? [attributionKeyOf(by) ?? by] : []),
      // A workgroup's page leaves reservations out: a reservation serves several workgroups.
      reservations: html && flags.workgroup === undefined ? await loadReservations() : undefined,
      requireReservations: by === 'reservation',
    });
    await writeOutput(context, text, flags.out);
    return 0;
  },
});
