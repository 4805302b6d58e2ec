import { z } from 'zod';
import { removeBudgetAlarms } from '../../../lib/budgets/plan-budget-alarms.js';
import { CloudWatchBudgetAlarms } from '../../../lib/metrics/cloudwatch-budget-alarms.js';
import { DynamoDbBudgetStore } from '../../../lib/store/dynamodb-budget-store.js';
import { AwsServices, budgetAlarmSettings, callService } from '../../aws-services.js';
import { defineCommand } from '../../command.js';
import { CliError } from '../../errors.js';
import { toJsonText } from '../../output/budget-output.js';

const RmFlags = z.object({
  workgroup: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a name') })
    .min(1, { error: 'must not be empty' }),
  'skip-alarms': z.boolean().default(false),
});

export default defineCommand({
  name: 'budget rm',
  summary: "Removes a workgroup's budget and its CloudWatch alarms",
  usage: 'athena-cost budget rm --workgroup WG [--skip-alarms] [--format table|json]',
  description: `
Deletes the workgroup's notify alarms ($STACK_NAME-budget-<workgroup>-notify-*), then its budget.
Settings the enforcer changed in the current period stay until restore gives them back at the
period end. Fails when the workgroup has no budget.`,
  options: {
    workgroup: { type: 'string', valueName: 'WG', description: 'Athena workgroup (required)' },
    'skip-alarms': {
      type: 'boolean',
      description: 'Leave CloudWatch alarms alone (offline setups)',
    },
  },
  formats: ['table', 'json'],
  examples: ['athena-cost budget rm --workgroup analytics'],
  flags: RmFlags,
  async run(context) {
    const { workgroup } = context.flags;
    const services = new AwsServices(context.region);
    try {
      // Alarms first: should that fail, the budget is still there to retry with.
      const deleted = context.flags['skip-alarms']
        ? []
        : await callService(
            'CloudWatch',
            `could not delete the alarms of '${workgroup}'; its budget is kept`,
            context.region,
            () =>
              removeBudgetAlarms(
                new CloudWatchBudgetAlarms(services.cloudWatch()),
                workgroup,
                budgetAlarmSettings(undefined, context.env).stackName,
              ),
          );
      const removed = await new DynamoDbBudgetStore(context.documents(), context.tableName).remove(
        workgroup,
      );
      if (!removed) {
        const leftover =
          deleted.length === 0 ? '' : ` (deleted ${deleted.length} leftover alarms of it)`;
        throw new CliError(
          `workgroup '${workgroup}' has no budget${leftover}`,
          1,
          "Run 'athena-cost budget list' to see the budgets.",
        );
      }
      if (context.format === 'json') {
        context.stdout.write(toJsonText({ workgroup, removed: true, deletedAlarms: deleted }));
      } else {
        let text = `Removed the budget of ${workgroup}`;
        text += context.flags['skip-alarms']
          ? '; alarms left as they are (--skip-alarms).\n'
          : ` and ${deleted.length} alarm${deleted.length === 1 ? '' : 's'}.\n`;
        for (const name of deleted) text += `  deleted  ${name}\n`;
        context.stdout.write(text);
      }
      return 0;
    } finally {
      services.close();
    }
  },
});
