import { z } from 'zod';
import { mapWithConcurrency } from '../../lib/async/map-with-concurrency.js';
import { budgetStatusOf, currentPeriodOf } from '../../lib/budgets/budget-status.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbUsageCounterReader } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { counterId } from '../../lib/store/usage-counter-reader.js';
import { ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { workgroupFlag } from '../budget-flags.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { statusJson, statusTable, toJsonText } from '../output/budget-output.js';

/** Enforcement records are read one workgroup at a time, this many at once. */
const PARALLEL_READS = 4;

export default defineCommand({
  name: 'status',
  summary: 'Where each budget stands this period: usage, actions taken and a forecast',
  usage: 'athena-cost status [--workgroup WG] [--format table|json]',
  description: `
For each budget, the usage of its current period (UTC) against its limits, the share used of the
tightest one, the threshold actions recorded this period with their times, and a forecast: the
DPU-hours at the period end if the average rate since the period start holds, and when the
DPU-hour limit would be reached at that rate ('—' when not within the period). The forecast is a
straight line: bursty workloads make it a rough guide.`,
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
    const documents = context.documents();
    const { budgets, invalid } = await new DynamoDbBudgetStore(documents, context.tableName).list();
    for (const entry of invalid) {
      if (workgroup === undefined || entry.workgroup === workgroup) {
        context.warn(
          `the stored budget of ${entry.workgroup} is invalid and not enforced: ${entry.reason}`,
        );
      }
    }
    const selected =
      workgroup === undefined
        ? budgets
        : budgets.filter((budget) => budget.workgroup === workgroup);
    if (workgroup !== undefined && selected.length === 0) {
      throw new CliError(
        `workgroup '${workgroup}' has no ${invalid.some((entry) => entry.workgroup === workgroup) ? 'valid ' : ''}budget`,
        1,
        "Run 'athena-cost budget list' to see the budgets.",
      );
    }
    const at = context.now();
    const keys = selected.map((budget) => currentPeriodOf(budget, at));
    const totals = await new DynamoDbUsageCounterReader(documents, context.tableName).totalsFor(
      keys,
    );
    const enforcement = new DynamoDbEnforcementStore(documents, context.tableName);
    const actions = await mapWithConcurrency(keys, PARALLEL_READS, (key) =>
      enforcement.actions(key),
    );
    const statuses = selected.map((budget, index) => {
      const key = currentPeriodOf(budget, at);
      return budgetStatusOf({
        budget,
        totals: totals.get(counterId(key)) ?? ZERO_TOTALS,
        actions: actions[index] ?? [],
        at,
      });
    });
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
