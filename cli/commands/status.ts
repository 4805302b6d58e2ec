import { loadAttributionBudgetStatuses } from '../attribution-budget-statuses.js';
import { reservationOption } from '../budget-flags.js';
import { loadBudgetStatuses } from '../budget-statuses.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { workgroupFilterOption } from '../options.js';
import {
  attributionStatusJson,
  attributionStatusTable,
  invalidBudgetWarnings,
  reservationStatusJson,
  reservationStatusTable,
  statusJson,
  statusTable,
  toJsonText,
} from '../output/budget-output.js';
import { loadReservationBudgetStatuses } from '../reservation-budget-statuses.js';

export default defineCommand({
  name: 'status',
  summary: 'Where each budget stands this period: usage, actions taken and a forecast',
  description: `
For each budget, the usage of its current period (UTC) against its limits, the share used of the
binding (tightest) one, the threshold actions recorded this period with their times, and a
forecast of the binding limit: the usage at the period end if the average rate since the period
start holds, and when the limit would be reached at that rate ('—' when not within the period).
Once the limit is crossed, the time shown is when it was (from the enforcement records), and a
workgroup the enforcer disabled projects no further use. The forecast is a straight line: bursty
workloads make it a rough guide.
Capacity reservation budgets follow: the reservation's allocated DPU-hours and cost this period
(the figures of 'report --by reservation'), the share used, and its notify and scale-down actions.
Budgets on attribution values (principals, tag values, dbt models) come last: the value's usage
over every workgroup with usage this period, the share used and the notifications sent.`,
  options: {
    workgroup: workgroupFilterOption('every budget'),
    reservation: reservationOption('Only this capacity reservation budget'),
  },
  formats: ['table', 'json'],
  examples: ['athena-cost status', 'athena-cost status --workgroup analytics --format json'],
  check: (flags, context) => {
    if (flags.workgroup !== undefined && flags.reservation !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['reservation'],
        message: 'cannot be combined with --workgroup',
      });
    }
  },
  async run(context) {
    const { workgroup, reservation } = context.flags;
    const at = context.now();
    if (reservation !== undefined) {
      const loaded = await loadReservationBudgetStatuses(
        context.documents(),
        context.tableName,
        at,
        reservation,
      );
      for (const warning of invalidBudgetWarnings({ reservations: loaded.invalid })) {
        context.warn(warning);
      }
      if (loaded.statuses.length === 0) {
        throw new CliError(
          `reservation '${reservation}' has no ${loaded.invalid.length > 0 ? 'valid ' : ''}budget`,
          1,
          "Run 'athena-cost budget list' to see the budgets.",
        );
      }
      context.stdout.write(
        context.format === 'json'
          ? toJsonText({
              at: at.toISOString(),
              reservationBudgets: loaded.statuses.map(reservationStatusJson),
            })
          : reservationStatusTable(loaded.statuses),
      );
      return 0;
    }
    const { statuses, invalid } = await loadBudgetStatuses(
      context.documents(),
      context.tableName,
      at,
      workgroup,
    );
    const reservations =
      workgroup === undefined
        ? await loadReservationBudgetStatuses(context.documents(), context.tableName, at)
        : { statuses: [], invalid: [] };
    const attributions =
      workgroup === undefined
        ? await loadAttributionBudgetStatuses(context.documents(), context.tableName, at)
        : { statuses: [], invalid: [] };
    const warnings = invalidBudgetWarnings({
      workgroups: invalid,
      reservations: reservations.invalid,
      attributions: attributions.invalid,
    });
    for (const warning of warnings) context.warn(warning);
    if (workgroup !== undefined && statuses.length === 0) {
      throw new CliError(
        `workgroup '${workgroup}' has no ${invalid.length > 0 ? 'valid ' : ''}budget`,
        1,
        "Run 'athena-cost budget list' to see the budgets.",
      );
    }
    if (context.format === 'json') {
      context.stdout.write(
        toJsonText({
          ...statusJson(at, statuses),
          ...(workgroup === undefined
            ? {
                reservationBudgets: reservations.statuses.map(reservationStatusJson),
                attributionBudgets: attributions.statuses.map(attributionStatusJson),
              }
            : {}),
        }),
      );
    } else if (
      statuses.length === 0 &&
      reservations.statuses.length === 0 &&
      attributions.statuses.length === 0
    ) {
      context.stdout.write("No budgets. Set one with 'athena-cost budget set'.\n");
    } else {
      const parts: string[] = [];
      if (statuses.length > 0) parts.push(statusTable(statuses));
      if (reservations.statuses.length > 0) {
        parts.push(
          `Capacity reservation budgets\n${reservationStatusTable(reservations.statuses)}`,
        );
      }
      if (attributions.statuses.length > 0) {
        parts.push(
          `Attribution budgets (notify only, over every workgroup)\n${attributionStatusTable(attributions.statuses)}`,
        );
      }
      context.stdout.write(parts.join('\n'));
    }
    return 0;
  },
});
