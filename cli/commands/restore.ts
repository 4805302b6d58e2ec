import { Logger } from '@aws-lambda-powertools/logger';
import { createAlertPublisher } from '../../lib/alerts/sns-alert-publisher.js';
import { AthenaCapacityReservationGateway } from '../../lib/athena/athena-capacity-reservation-gateway.js';
import { AthenaWorkgroupGateway } from '../../lib/athena/athena-workgroup-gateway.js';
import { createRestoreReservations } from '../../lib/budgets/restore-reservations.js';
import { createRestoreWorkgroups } from '../../lib/budgets/restore-workgroups.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import {
  DynamoDbEnforcementStore,
  DynamoDbReservationEnforcementStore,
} from '../../lib/store/dynamodb-enforcement-store.js';
import { AwsServices, alertsTopicArn } from '../aws-services.js';
import { alertsTopicArnOption } from '../budget-flags.js';
import { defineCommand } from '../command.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { workgroupFilterOption } from '../options.js';
import { restoreJson, restoreTable, toJsonText } from '../output/budget-output.js';

export default defineCommand({
  name: 'restore',
  summary:
    'Gives back the workgroup settings (and reservation targets) budgets changed in ended periods',
  description: `
Runs what the hourly restore function does, now: for every period that has ended in which the
enforcer throttled or disabled a workgroup, restores the settings from before its first change,
on the fields that are still as the enforcer left them. A field an operator changed since is left
alone and reported as a conflict. Each restore is announced on the alerts topic (--alerts-topic-arn
or $ALERTS_TOPIC_ARN) when there is one. Without --workgroup, also gives back the TargetDpus of
capacity reservations that reservation budgets scaled down, while they still hold the target
the budget set (a later change by an operator or the auto-scaler wins and is reported). Exits 1
when a restore failed.`,
  options: {
    workgroup: workgroupFilterOption('every workgroup'),
    'alerts-topic-arn': alertsTopicArnOption('SNS topic for restore alerts'),
  },
  formats: ['table', 'json'],
  examples: ['athena-cost restore', 'athena-cost restore --workgroup analytics --format json'],
  async run(context) {
    const { workgroup } = context.flags;
    const topicArn = alertsTopicArn(context.flags.alertsTopicArn, context.env);
    const services = new AwsServices(context.region);
    try {
      const logger = cliLogger();
      const alerts = createAlertPublisher(logger, topicArn, () => services.sns());
      const restoreWorkgroups = createRestoreWorkgroups({
        enforcement: new DynamoDbEnforcementStore(context.documents(), context.tableName),
        workgroups: new AthenaWorkgroupGateway(services.athena()),
        alerts,
        logger,
        now: context.now,
      });
      const results = await restoreWorkgroups(workgroup === undefined ? {} : { workgroup });
      // Without --workgroup, the capacity reservations reservation budgets scaled down too.
      const reservations =
        workgroup === undefined
          ? await createRestoreReservations({
              enforcement: new DynamoDbReservationEnforcementStore(
                context.documents(),
                context.tableName,
              ),
              reservations: new AthenaCapacityReservationGateway(services.athena()),
              alerts,
              logger,
              now: context.now,
            })()
          : [];
      if (results.length === 0 && workgroup !== undefined) {
        const budget = await new DynamoDbBudgetStore(context.documents(), context.tableName)
          .list()
          .then(({ budgets, invalid }) =>
            [...budgets, ...invalid].some((entry) => entry.workgroup === workgroup),
          );
        if (!budget) {
          throw new CliError(
            `workgroup '${workgroup}' has no budget and nothing to restore`,
            1,
            "Run 'athena-cost budget list' to see the budgets.",
          );
        }
      }
      if (context.format === 'json') {
        context.stdout.write(
          toJsonText({
            ...restoreJson(context.now(), results),
            ...(workgroup === undefined ? { reservations } : {}),
          }),
        );
      } else if (reservations.length > 0) {
        if (results.length > 0) context.stdout.write(restoreTable(results));
        context.stdout.write(
          reservations
            .map(
              (result) =>
                `reservation ${result.reservation} (${result.period} ${result.periodKey}): ${result.outcome}: ${result.detail}\n`,
            )
            .join(''),
        );
      } else if (results.length === 0) {
        context.stdout.write(
          `Nothing to restore${workgroup === undefined ? '' : ` for ${workgroup}`}: no ended period has settings left to give back.\n`,
        );
      } else {
        context.stdout.write(restoreTable(results));
      }
      const failed = [
        ...results
          .filter((result) => result.outcome === 'failed')
          .map((result) => `${result.workgroup} (${result.period} ${result.periodKey})`),
        ...reservations
          .filter((result) => result.outcome === 'failed')
          .map(
            (result) => `reservation ${result.reservation} (${result.period} ${result.periodKey})`,
          ),
      ];
      if (failed.length > 0) {
        context.stderr.write(
          `athena-cost: restore failed for ${failed.join(', ')}; run it again once the cause is fixed\n`,
        );
        return EXIT_FAILURE;
      }
      return 0;
    } finally {
      services.close();
    }
  },
});

/**
 * The logger restore and the alert publisher write to: errors only (on stderr) unless
 * POWERTOOLS_LOG_LEVEL says otherwise, so JSON on stdout stays clean.
 */
function cliLogger(): Logger {
  const configured = process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL;
  return new Logger({
    serviceName: 'athena-cost-cli',
    ...(configured ? {} : { logLevel: 'ERROR' }),
  });
}
