import { z } from 'zod';
import { workgroupFlag } from '../budget-flags.js';
import { loadBudgetStatuses } from '../budget-statuses.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { statusJson, statusTable, toJsonText } from '../output/budget-output.js';

export default defineCommand({
  name: 'status',
  summary: 'Where each budget stands this period: usage, actions taken and a forecast',
  usage: 'athena-cost status [--workgroup WG] [--format table|json]',
  description: `
For each budget, the usage of its current period (UTC) against its limits, the share used of the
binding (tightest) one, the threshold actions recorded this period with their times, and a
forecast of the binding limit: the usage at the period end if the average rate since the period
start holds, and when the limit would be reached at that rate ('—' when not within the period).
Once the limit is crossed, the time shown is when it was (from the enforcement records), and a
workgroup the enforcer disabled projects no further use. The forecast is a straight line: bursty
workloads make it a rough guide.`,
  options: {
    workgroup: {
      type: 'string',
      valueName: 'WG',
      description: 'Only this workgroup (default: every budget)',
    },
  },
  formats: ['table', 'json'],
  examples: ['athena-cost status', 'athena-cost status --workgroup analytics --format json'],
  flags: z.object({ workgroup: workgroupFlag.optional() }),
  async run(context) {
    const { workgroup } = context.flags;
    const at = context.now();
    const { statuses, invalid } = await loadBudgetStatuses(
      context.documents(),
      context.tableName,
      at,
      workgroup,
    );
    for (const entry of invalid) {
      context.warn(
        `the stored budget of ${entry.workgroup} is invalid and not enforced: ${entry.reason}`,
      );
    }
    if (workgroup !== undefined && statuses.length === 0) {
      throw new CliError(
        `workgroup '${workgroup}' has no ${invalid.length > 0 ? 'valid ' : ''}budget`,
        1,
        "Run 'athena-cost budget list' to see the budgets.",
      );
    }
    if (context.format === 'json') {
      context.stdout.write(toJsonText(statusJson(at, statuses)));
    } else if (statuses.length === 0) {
      context.stdout.write("No budgets. Set one with 'athena-cost budget set'.\n");
    } else {
      context.stdout.write(statusTable(statuses));
    }
    return 0;
  },
});
