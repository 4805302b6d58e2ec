import { z } from 'zod';
import { attributionLabel } from '../../../lib/budgets/attribution-budget.js';
import {
  removeAttributionBudgetAlarms,
  removeBudgetAlarms,
} from '../../../lib/budgets/plan-budget-alarms.js';
import { CloudWatchBudgetAlarms } from '../../../lib/metrics/cloudwatch-budget-alarms.js';
import {
  DynamoDbAttributionBudgetStore,
  DynamoDbBudgetStore,
  DynamoDbReservationBudgetStore,
} from '../../../lib/store/dynamodb-budget-store.js';
import { AwsServices, budgetAlarmSettings, callService } from '../../aws-services.js';
import { ATTRIBUTION_SUBJECT_OPTIONS, reservationOption } from '../../budget-flags.js';
import { defineCommand } from '../../command.js';
import { CliError } from '../../errors.js';
import { toJsonText } from '../../output/budget-output.js';

export default defineCommand({
  name: 'budget rm',
  summary: "Removes a workgroup's budget and its CloudWatch alarms",
  synopsis:
    'athena-cost budget rm --workgroup WG [--skip-alarms] | --reservation NAME | --principal ARN | --tag KEY=VALUE | --dbt-model NODE [--format table|json]',
  description: `
Deletes the workgroup's notify alarms ($STACK_NAME-budget-<workgroup>-notify-*), then its budget.
Settings the enforcer changed in the current period stay until restore gives them back at the
period end. Fails when the workgroup has no budget. With --reservation, removes a capacity
reservation's budget (it has no alarms); a scale-down of the current period stays until restore
gives the target back at the period end. With --principal, --tag or --dbt-model, removes the
budget on that attribution value and its notify alarms
($STACK_NAME-attribution-budget-<key>=<value>-notify-*).`,
  options: {
    workgroup: {
      type: 'string',
      valueName: 'WG',
      description: 'Athena workgroup',
      // Not the naming rules of `budget set`: a budget stored by hand under any name can go.
      schema: z.string().min(1, { error: 'must not be empty' }),
    },
    reservation: reservationOption('Capacity reservation instead'),
    ...ATTRIBUTION_SUBJECT_OPTIONS,
    'skip-alarms': {
      type: 'boolean',
      description: 'Leave CloudWatch alarms alone (offline setups)',
    },
  },
  formats: ['table', 'json'],
  examples: ['athena-cost budget rm --workgroup analytics'],
  check: (flags, context) => {
    const subjects = (
      ['workgroup', 'reservation', 'principal', 'tag', 'dbt-model'] as const
    ).filter((flag) => flags[flag === 'dbt-model' ? 'dbtModel' : flag] !== undefined);
    if (subjects.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: [subjects[1] ?? 'workgroup'],
        message:
          subjects.length === 0
            ? 'is required unless --reservation, --principal, --tag or --dbt-model is given'
            : `cannot be combined with --${subjects[0]}`,
      });
    }
  },
  async run(context) {
    const { workgroup, reservation } = context.flags;
    const attribution = context.flags.principal ?? context.flags.tag ?? context.flags.dbtModel;
    if (attribution !== undefined) {
      const label = attributionLabel(attribution);
      // Alarms first: should that fail, the budget is still there to retry with.
      const deleted = context.flags.skipAlarms
        ? []
        : await withCloudWatch(context.region, (cloudWatch) =>
            callService(
              'CloudWatch',
              `could not delete the alarms of ${label}; its budget is kept`,
              context.region,
              () =>
                removeAttributionBudgetAlarms(
                  new CloudWatchBudgetAlarms(cloudWatch),
                  attribution,
                  budgetAlarmSettings(undefined, context.env).stackName,
                ),
            ),
          );
      const removed = await new DynamoDbAttributionBudgetStore(
        context.documents(),
        context.tableName,
      ).remove(attributionLabel(attribution));
      if (!removed) {
        throw new CliError(
          `${label} has no budget`,
          1,
          "Run 'athena-cost budget list' to see the budgets.",
        );
      }
      context.stdout.write(
        context.format === 'json'
          ? toJsonText({
              key: attribution.key,
              value: attribution.value,
              removed: true,
              deletedAlarms: deleted,
            })
          : `Removed the budget of ${label} and ${deleted.length} alarm${deleted.length === 1 ? '' : 's'}.\n`,
      );
      return 0;
    }
    if (workgroup === undefined) {
      const name = reservation ?? '';
      const removed = await new DynamoDbReservationBudgetStore(
        context.documents(),
        context.tableName,
      ).remove(name);
      if (!removed) {
        throw new CliError(
          `reservation '${name}' has no budget`,
          1,
          "Run 'athena-cost budget list' to see the budgets.",
        );
      }
      context.stdout.write(
        context.format === 'json'
          ? toJsonText({ reservation: name, removed: true })
          : `Removed the budget of reservation ${name}.\n`,
      );
      return 0;
    }
    const services = new AwsServices(context.region);
    try {
      // Alarms first: should that fail, the budget is still there to retry with.
      const deleted = context.flags.skipAlarms
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
        text += context.flags.skipAlarms
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

/** Runs `call` with a CloudWatch client, closed afterwards. */
async function withCloudWatch<T>(
  region: string | undefined,
  call: (cloudWatch: ReturnType<AwsServices['cloudWatch']>) => Promise<T>,
): Promise<T> {
  const services = new AwsServices(region);
  try {
    return await call(services.cloudWatch());
  } finally {
    services.close();
  }
}
