import { z } from 'zod';
import { pauseOf } from '../../../lib/budgets/budget.js';
import { DynamoDbBudgetStore } from '../../../lib/store/dynamodb-budget-store.js';
import { defineCommand } from '../../command.js';
import { CliError, UsageError } from '../../errors.js';
import { got, WORKGROUP_OPTION } from '../../options.js';
import { budgetJson, describeMode, toJsonText } from '../../output/budget-output.js';

export default defineCommand({
  name: 'budget pause',
  summary: "Pauses a workgroup's budget: usage is recorded and notified, no action is taken",
  description: `
While paused, the budget still records usage and sends its notifications, but no threshold
throttles or disables the workgroup, bypasses do not disable it, and a workgroup re-enabled by
hand is left running. Actions not taken during the pause are taken at the first evaluation after
it ends, if usage is still past their threshold. The pause ends at --until or with
'athena-cost budget resume'. What the enforcer already changed stays until restore.`,
  options: {
    workgroup: WORKGROUP_OPTION,
    until: {
      type: 'string',
      valueName: 'ISO-TIME',
      description: 'When the pause ends by itself, e.g. 2026-11-25T18:00:00Z (default: resume)',
      schema: z
        .string()
        .refine((value) => !Number.isNaN(Date.parse(value)) && /\d{4}-\d{2}-\d{2}T/.test(value), {
          error: (issue) =>
            `must be an ISO 8601 date-time such as 2026-11-25T18:00:00Z${got(issue)}`,
        }),
    },
  },
  formats: ['table', 'json'],
  examples: [
    'athena-cost budget pause --workgroup etl-nightly',
    'athena-cost budget pause --workgroup etl-nightly --until 2026-11-25T18:00:00Z',
  ],
  async run(context) {
    const { workgroup, until } = context.flags;
    const at = context.now();
    const untilDate = until === undefined ? undefined : new Date(until);
    if (untilDate !== undefined && untilDate.getTime() <= at.getTime()) {
      throw new UsageError(`--until must be in the future, got '${until}'`);
    }
    const budget = await new DynamoDbBudgetStore(context.documents(), context.tableName).pause(
      workgroup,
      at,
      untilDate,
    );
    if (budget === undefined) {
      throw new CliError(
        `workgroup '${workgroup}' has no budget`,
        1,
        "Run 'athena-cost budget list' to see the budgets.",
      );
    }
    if (context.format === 'json') {
      context.stdout.write(toJsonText({ budget: budgetJson(budget), paused: pauseOf(budget, at) }));
    } else {
      context.stdout.write(
        `Paused the budget of ${workgroup}: ${describeMode({ ...budget, pause: pauseOf(budget, at) })}.\n`,
      );
    }
    return 0;
  },
});
