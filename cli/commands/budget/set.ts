import { AthenaCapacityReservationGateway } from '../../../lib/athena/athena-capacity-reservation-gateway.js';
import { AthenaWorkgroupGateway } from '../../../lib/athena/athena-workgroup-gateway.js';
import { ReservationNotFoundError } from '../../../lib/athena/capacity-reservation-gateway.js';
import { WorkgroupNotFoundError } from '../../../lib/athena/workgroup-gateway.js';
import { attributionLabel } from '../../../lib/budgets/attribution-budget.js';
import {
  type BudgetAlarmChanges,
  type BudgetAlarmSettings,
  syncAttributionBudgetAlarms,
  syncBudgetAlarms,
} from '../../../lib/budgets/plan-budget-alarms.js';
import type { WorkgroupSettings } from '../../../lib/budgets/workgroup-settings.js';
import { BUDGET_USED_PERCENT_METRIC } from '../../../lib/metrics/budget-alarms.js';
import { CloudWatchBudgetAlarms } from '../../../lib/metrics/cloudwatch-budget-alarms.js';
import {
  DynamoDbAttributionBudgetStore,
  DynamoDbBudgetStore,
  DynamoDbReservationBudgetStore,
} from '../../../lib/store/dynamodb-budget-store.js';
import {
  AwsServices,
  alertsTopicArn,
  budgetAlarmSettings,
  callService,
  describeServiceError,
} from '../../aws-services.js';
import {
  BUDGET_SET_OPTIONS,
  BUDGET_SET_SYNOPSIS,
  type BudgetSetOptions,
  budgetFromOptions,
  budgetSetWarnings,
  checkBudgetSetOptions,
  reservationBudgetWarnings,
  sparkThrottleWarning,
  throttleBypassWarning,
  throttleEngineMismatch,
} from '../../budget-flags.js';
import { type CliContext, defineCommand } from '../../command.js';
import { CliError, EXIT_FAILURE, UsageError } from '../../errors.js';
import {
  attributionBudgetJson,
  attributionBudgetsTable,
  budgetJson,
  budgetsTable,
  reservationBudgetJson,
  reservationBudgetsTable,
  toJsonText,
} from '../../output/budget-output.js';

export default defineCommand({
  name: 'budget set',
  summary: "Creates or replaces a workgroup's budget and its CloudWatch alarms",
  synopsis: BUDGET_SET_SYNOPSIS,
  description: `
Validates the budget with the rules the enforcer applies, checks that the workgroup exists in
Athena, stores the budget (replacing the workgroup's previous one whole: options not given are
unset) and keeps one CloudWatch alarm per --notify-at percentage on the BudgetUsedPercent metric
(namespace $METRICS_NAMESPACE, default AthenaCostMonitor), named
$STACK_NAME-budget-<workgroup>-notify-<percent> (STACK_NAME defaults to athena-cost); alarms of
percentages no longer listed are deleted. Alarms notify the alerts topic (--alerts-topic-arn or
$ALERTS_TOPIC_ARN); without one they are created without actions.
Percentages are of the tightest limit set (DPU-hours, USD, bytes) and may exceed 100.
Athena lets a query's own DPU settings win over the workgroup's unless the workgroup enforces
its configuration: a DPU throttle on a workgroup that does not is warned about, and queries
that exceed its ceiling are counted as bypasses (--on-bypass). Setting the budget again
re-evaluates it from the new limits: actions of thresholds no longer crossed are released.
With --reservation, the budget is on a capacity reservation's bill: its allocated DPU-hours and
their cost per period (the figures of 'report --by reservation'), evaluated by the capacity
function every 5 minutes. --scale-down-at requests TargetDpus --scale-down-dpus once per period
(never raising; Athena allocates within up to 30 minutes, not guaranteed), skipped and reported
when the target changed since the capacity function last looked (an operator or AWS's capacity
auto-scaler) unless --override-autoscaler; the hourly restore function gives the previous target
back when the period ends, unless someone changed it since. No CloudWatch alarms: the capacity
function sends the alerts.
With --principal, --tag or --dbt-model, the budget is on one attribution value over every
workgroup (the figures of 'report --by principal|tag:KEY|dbt-model'), evaluated after each batch
that counts usage under it. It only notifies: Athena has no per-principal or per-tag lever (a
throttle or a disable stops a whole workgroup), so the throttle, disable and action options are
refused with it. A principal's usage counts once CloudTrail's record of the query has arrived.`,
  options: BUDGET_SET_OPTIONS,
  check: checkBudgetSetOptions,
  formats: ['table', 'json'],
  examples: [
    'athena-cost budget set --workgroup analytics --period day --limit-dpu-hours 10 --notify-at 50,80 --throttle-at 90 --throttle-max-dpu 8 --disable-at 100',
    'athena-cost budget set --workgroup adhoc --period month --limit-dpu-hours 1 --limit-bytes 5TiB --notify-at 80 --throttle-at 90 --throttle-bytes-cutoff 10GiB --dry-run',
    'athena-cost budget set --workgroup spark-notebooks --period day --limit-usd 50 --notify-at 50 --throttle-at 80 --throttle-max-concurrent-dpus 4 --disable-now-at 100',
    'athena-cost budget set --reservation etl-capacity --period day --limit-usd 150 --notify-at 80 --scale-down-at 100 --scale-down-dpus 8',
    'athena-cost budget set --tag team=finance --period month --limit-usd 500 --notify-at 50,80,100',
    'athena-cost budget set --principal arn:aws:iam::123456789012:role/dbt-runner --period day --limit-dpu-hours 20 --notify-at 80',
  ],
  async run(context) {
    const options = context.flags;
    if (options.reservation !== undefined) return setReservationBudget(context);
    if (options.principal ?? options.tag ?? options.dbtModel) return setAttributionBudget(context);
    const built = budgetFromOptions(options, context.now());
    if (!built.ok) throw new UsageError(built.message);
    const { budget } = built;
    const topicArn = alertsTopicArn(options.alertsTopicArn, context.env);
    const settings = budgetAlarmSettings(topicArn, context.env);
    for (const warning of budgetSetWarnings(options)) context.warn(warning);
    const sparkThrottle = sparkThrottleWarning(budget);
    if (sparkThrottle !== undefined) context.warn(sparkThrottle);

    const services = new AwsServices(context.region);
    try {
      if (!options.skipWorkgroupCheck) {
        const { settings, spark } = await readWorkgroup(services, budget.workgroup, context.env);
        const mismatch = throttleEngineMismatch(budget, spark);
        if (mismatch !== undefined)
          throw new CliError(mismatch, EXIT_FAILURE, 'Nothing was stored.');
        const bypass = throttleBypassWarning(
          budget,
          settings.enforceWorkgroupConfiguration === true,
        );
        if (bypass !== undefined) context.warn(bypass);
      }
      await new DynamoDbBudgetStore(context.documents(), context.tableName).put(budget);
      const alarms = options.skipAlarms
        ? undefined
        : await syncAlarms(context, topicArn, `'${budget.workgroup}'`, () =>
            syncBudgetAlarms(new CloudWatchBudgetAlarms(services.cloudWatch()), budget, settings),
          );
      if (context.format === 'json') {
        context.stdout.write(
          toJsonText({ budget: budgetJson(budget), alarms: alarmsJson(settings, alarms) }),
        );
        return 0;
      }
      const text = `Stored the ${budget.period} budget of ${budget.workgroup}.\n\n${budgetsTable([budget])}${alarmsText(settings, alarms)}`;
      context.stdout.write(text);
      return 0;
    } finally {
      services.close();
    }
  },
});

/** Brings a budget's alarms in line with it, after it is stored; warns when they have no action. */
async function syncAlarms(
  context: CliContext<BudgetSetOptions>,
  topicArn: string | undefined,
  subject: string,
  sync: () => Promise<BudgetAlarmChanges>,
): Promise<BudgetAlarmChanges> {
  const alarms = await callService(
    'CloudWatch',
    `stored the budget of ${subject}, but could not update its alarms (run the command again)`,
    context.region,
    sync,
  );
  if (topicArn === undefined && alarms.put.length > 0) {
    context.warn(
      'no alerts topic (--alerts-topic-arn or ALERTS_TOPIC_ARN): the alarms have no actions',
    );
  }
  return alarms;
}

/** What `budget set --format json` says of the alarms: null with --skip-alarms. */
const alarmsJson = (settings: BudgetAlarmSettings, alarms: BudgetAlarmChanges | undefined) =>
  alarms === undefined
    ? null
    : {
        namespace: settings.namespace,
        metricName: BUDGET_USED_PERCENT_METRIC,
        alarmActions: actionsOf(settings),
        put: alarms.put,
        deleted: alarms.deleted,
      };

const actionsOf = (settings: BudgetAlarmSettings): string[] =>
  settings.alertsTopicArn === undefined ? [] : [settings.alertsTopicArn];

/** The alarms put and deleted, as `budget set` prints them under the budget. */
function alarmsText(settings: BudgetAlarmSettings, alarms: BudgetAlarmChanges | undefined): string {
  if (alarms === undefined) return '\nAlarms left as they are (--skip-alarms).\n';
  const actions = actionsOf(settings);
  let text = `\nAlarms on ${settings.namespace} ${BUDGET_USED_PERCENT_METRIC}, actions: ${actions.length === 0 ? 'none' : actions.join(', ')}\n`;
  for (const name of alarms.put) text += `  put      ${name}\n`;
  for (const name of alarms.deleted) text += `  deleted  ${name}\n`;
  if (alarms.put.length === 0 && alarms.deleted.length === 0) text += '  none\n';
  return text;
}

/** The workgroup's settings, or a clear error when it does not exist. */
function readWorkgroup(
  services: AwsServices,
  workgroup: string,
  env: NodeJS.ProcessEnv,
): Promise<{ settings: WorkgroupSettings; spark: boolean }> {
  return askAthenaWhetherExists(
    services,
    env,
    {
      missing: `Athena workgroup '${workgroup}'`,
      checked: `workgroup '${workgroup}'`,
      notFound: WorkgroupNotFoundError,
      hint: 'Check --workgroup and --region; pass --skip-workgroup-check to store the budget without asking Athena.',
    },
    () => new AthenaWorkgroupGateway(services.athena()).describe(workgroup),
  );
}

/** What `budget set` asks Athena about: how to name it, and the error Athena answers when it is missing. */
interface ExistenceCheck {
  /** Named in `… does not exist`. */
  readonly missing: string;
  /** Named in `could not check that … exists`. */
  readonly checked: string;
  readonly notFound: abstract new (...args: never[]) => Error;
  readonly hint: string;
}

/** The answer of `ask`, or a clear error when what it asks about does not exist or Athena fails. */
async function askAthenaWhetherExists<T>(
  services: AwsServices,
  env: NodeJS.ProcessEnv,
  check: ExistenceCheck,
  ask: () => Promise<T>,
): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof check.notFound) {
      const region = services.region ?? env.AWS_REGION;
      throw new CliError(
        `${check.missing} does not exist${region ? ` in ${region}` : ''}`,
        1,
        check.hint,
      );
    }
    throw describeServiceError(
      error,
      'Athena',
      `could not check that ${check.checked} exists`,
      services.region,
    );
  }
}

/** `budget set --reservation`: validates, checks the reservation exists, stores. */
async function setReservationBudget(context: CliContext<BudgetSetOptions>): Promise<number> {
  const options = context.flags;
  const built = budgetFromOptions(options, context.now(), 'reservation');
  if (!built.ok) throw new UsageError(built.message);
  const { budget } = built;
  for (const warning of reservationBudgetWarnings(options)) context.warn(warning);
  if (options.skipAlarms || options.alertsTopicArn !== undefined) {
    context.warn(
      '--skip-alarms and --alerts-topic-arn have no effect with --reservation: it has no alarms',
    );
  }
  if (!options.skipWorkgroupCheck) {
    const services = new AwsServices(context.region);
    try {
      await askAthenaWhetherExists(
        services,
        context.env,
        {
          missing: `capacity reservation '${budget.reservation}'`,
          checked: `capacity reservation '${budget.reservation}'`,
          notFound: ReservationNotFoundError,
          hint: "Check --reservation and --region ('athena-cost reservations' lists them); pass --skip-workgroup-check to store the budget without asking Athena.",
        },
        () => new AthenaCapacityReservationGateway(services.athena()).target(budget.reservation),
      );
    } finally {
      services.close();
    }
  }
  await new DynamoDbReservationBudgetStore(context.documents(), context.tableName).put(budget);
  if (context.format === 'json') {
    context.stdout.write(toJsonText({ reservationBudget: reservationBudgetJson(budget) }));
  } else {
    context.stdout.write(
      `Stored the ${budget.period} budget of reservation ${budget.reservation}.\n\n${reservationBudgetsTable([budget])}`,
    );
  }
  return 0;
}

/**
 * `budget set --principal|--tag|--dbt-model`: validates and stores a notify-only budget on an
 * attribution value. Nothing to check in Athena: a value exists once a query carries it.
 */
async function setAttributionBudget(context: CliContext<BudgetSetOptions>): Promise<number> {
  const options = context.flags;
  const built = budgetFromOptions(options, context.now(), 'attribution');
  if (!built.ok) throw new UsageError(built.message);
  const { budget } = built;
  if (budget.thresholds.length === 0)
    context.warn('the budget has no thresholds (--notify-at): it only tracks usage');
  if (options.skipWorkgroupCheck)
    context.warn(
      '--skip-workgroup-check has no effect on an attribution budget: nothing is checked',
    );
  const topicArn = alertsTopicArn(options.alertsTopicArn, context.env);
  const settings = budgetAlarmSettings(topicArn, context.env);
  await new DynamoDbAttributionBudgetStore(context.documents(), context.tableName).put(budget);
  let alarms: BudgetAlarmChanges | undefined;
  if (!options.skipAlarms) {
    const services = new AwsServices(context.region);
    try {
      alarms = await syncAlarms(context, topicArn, attributionLabel(budget), () =>
        syncAttributionBudgetAlarms(
          new CloudWatchBudgetAlarms(services.cloudWatch()),
          budget,
          settings,
        ),
      );
    } finally {
      services.close();
    }
  }
  if (context.format === 'json') {
    context.stdout.write(
      toJsonText({
        attributionBudget: attributionBudgetJson(budget),
        alarms: alarmsJson(settings, alarms),
      }),
    );
  } else {
    context.stdout.write(
      `Stored the ${budget.period} budget of ${budget.key} ${budget.value} (notify only, over every workgroup).\n\n${attributionBudgetsTable([budget])}${alarmsText(settings, alarms)}`,
    );
  }
  return 0;
}
