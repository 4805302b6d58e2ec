import { createHash } from 'node:crypto';
import { pauseStep } from '../alerts/render-alert.js';
import { formatBytes, formatDpuHours, formatUsdWithSign } from '../format/format-values.js';
import {
  type AnomalyAlarmDefinition,
  BUDGET_USED_PERCENT_METRIC,
  type BudgetAlarmDefinition,
  type BudgetAlarms,
} from '../metrics/budget-alarms.js';
import { type AttributionBudget, attributionLabel, reportByOf } from './attribution-budget.js';
import type { Budget } from './budget.js';

export const DEFAULT_STACK_NAME = 'athena-cost';
export const DEFAULT_METRICS_NAMESPACE = 'AthenaCostMonitor';
/**
 * One minute, one datapoint: BudgetUsedPercent is published as batches arrive, so the alarm
 * fires within about a minute of the enforcer seeing a threshold crossed.
 */
export const BUDGET_ALARM_PERIOD_SECONDS = 60;
export const BUDGET_ALARM_EVALUATION_PERIODS = 1;

/** Where budget alarms live and whom they tell. */
export interface BudgetAlarmSettings {
  /** Alarm names start with it, so a stack's budget alarms can be listed and removed. */
  readonly stackName: string;
  readonly namespace: string;
  /** The alarm action; alarms without actions only change state when undefined. */
  readonly alertsTopicArn: string | undefined;
}

/** What bringing a workgroup's alarms in line with its budget takes. */
export interface BudgetAlarmPlan {
  /** Alarms to create or overwrite (PutMetricAlarm is an upsert). */
  readonly put: readonly BudgetAlarmDefinition[];
  /** Existing alarms of the workgroup that no longer match a notify threshold. */
  readonly delete: readonly string[];
}

/** Every notify alarm name of a workgroup starts with this. */
export const budgetAlarmPrefix = (stackName: string, workgroup: string): string =>
  `${stackName}-budget-${workgroup}-notify-`;

/** `${stack}-budget-${workgroup}-notify-${percent}`. */
export const budgetAlarmName = (stackName: string, workgroup: string, percent: number): string =>
  `${budgetAlarmPrefix(stackName, workgroup)}${String(percent)}`;

/**
 * The percent a name is the notify alarm of, for this stack and workgroup; undefined for any
 * other name, including another workgroup's whose name merely starts alike (`a` and
 * `a-notify-x` share the prefix `…-budget-a-notify-`).
 */
export function budgetAlarmPercent(
  name: string,
  stackName: string,
  workgroup: string,
): number | undefined {
  return percentAfter(name, budgetAlarmPrefix(stackName, workgroup));
}

/** The percent a notify alarm name gives after its prefix; undefined for any other name. */
function percentAfter(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const percent = Number(rest);
  return rest !== '' && Number.isFinite(percent) && percent > 0 && String(percent) === rest
    ? percent
    : undefined;
}

/** The alarms a budget should have: one per distinct notify threshold, ascending. */
export function budgetAlarmDefinitions(
  budget: Budget,
  settings: BudgetAlarmSettings,
): BudgetAlarmDefinition[] {
  return notifyPercentsOf(budget).map((percent) =>
    notifyAlarm(settings, {
      name: budgetAlarmName(settings.stackName, budget.workgroup, percent),
      description: budgetAlarmDescription(budget, percent),
      workgroup: budget.workgroup,
      threshold: percent,
    }),
  );
}

/** The distinct percents of a budget's notify thresholds, ascending. */
const notifyPercentsOf = (budget: {
  readonly thresholds: readonly { readonly percent: number; readonly action: string }[];
}): number[] =>
  [
    ...new Set(
      budget.thresholds
        .filter((threshold) => threshold.action === 'notify')
        .map((threshold) => threshold.percent),
    ),
  ].sort((a, b) => a - b);

/** A notify alarm on BudgetUsedPercent: the settings every budget's notify alarm shares. */
function notifyAlarm(
  settings: BudgetAlarmSettings,
  alarm: Pick<
    BudgetAlarmDefinition,
    'name' | 'description' | 'workgroup' | 'attribution' | 'threshold'
  >,
): BudgetAlarmDefinition {
  return {
    ...alarm,
    namespace: settings.namespace,
    metricName: BUDGET_USED_PERCENT_METRIC,
    statistic: 'Maximum',
    periodSeconds: BUDGET_ALARM_PERIOD_SECONDS,
    evaluationPeriods: BUDGET_ALARM_EVALUATION_PERIODS,
    datapointsToAlarm: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    // Usage only grows within a period and is published only when it changes: a quiet minute
    // must not flip the alarm back to OK and notify again on the next batch.
    treatMissingData: 'ignore',
    alarmActions: settings.alertsTopicArn === undefined ? [] : [settings.alertsTopicArn],
  };
}

/**
 * What the alarm's chat card and e-mail show under its name (CloudWatch allows 1,024
 * characters): the workgroup, the share reached, the limits, and where to look or stop.
 */
export function budgetAlarmDescription(budget: Budget, percent: number): string {
  return [
    `athena-cost: workgroup ${budget.workgroup} has used ${percent}% of its ${budget.period} budget (${limitsOf(budget)}).`,
    `Status: athena-cost status --workgroup ${budget.workgroup}`,
    `${pauseStep(budget.workgroup).label}: ${pauseStep(budget.workgroup).command}`,
  ].join('\n');
}

/** `20.000 DPU-hours, $5.00`: the limits a budget sets. */
function limitsOf(budget: {
  readonly limitDpuHours?: number | undefined;
  readonly limitUsd?: number | undefined;
  readonly limitBytes?: number | undefined;
}): string {
  const limits: string[] = [];
  if (budget.limitDpuHours !== undefined) {
    limits.push(`${formatDpuHours(budget.limitDpuHours)} DPU-hours`);
  }
  if (budget.limitUsd !== undefined) limits.push(formatUsdWithSign(budget.limitUsd));
  if (budget.limitBytes !== undefined) limits.push(`${formatBytes(budget.limitBytes)} scanned`);
  return limits.join(', ');
}

/** Names among `existing` that are this workgroup's notify alarms and not `wanted`. */
export function staleBudgetAlarms(
  existing: readonly string[],
  wanted: readonly BudgetAlarmDefinition[],
  stackName: string,
  workgroup: string,
): string[] {
  const keep = new Set(wanted.map((definition) => definition.name));
  return existing.filter(
    (name) => !keep.has(name) && budgetAlarmPercent(name, stackName, workgroup) !== undefined,
  );
}

/** Plans the alarms of a budget given the alarm names that exist under its prefix. */
export function planBudgetAlarms(
  budget: Budget,
  existing: readonly string[],
  settings: BudgetAlarmSettings,
): BudgetAlarmPlan {
  const put = budgetAlarmDefinitions(budget, settings);
  return {
    put,
    delete: staleBudgetAlarms(existing, put, settings.stackName, budget.workgroup),
  };
}

/** What an alarm sync or removal did. */
export interface BudgetAlarmChanges {
  readonly put: readonly string[];
  readonly deleted: readonly string[];
}

/**
 * Creates or updates a budget's notify alarms, then deletes the workgroup's alarms that no
 * longer match a threshold: new alarms exist before old ones go.
 */
export async function syncBudgetAlarms(
  alarms: BudgetAlarms,
  budget: Budget,
  settings: BudgetAlarmSettings,
): Promise<BudgetAlarmChanges> {
  const existing = await alarms.namesWithPrefix(
    workgroupAlarmPrefix(settings.stackName, budget.workgroup),
  );
  const plan = planBudgetAlarms(budget, existing, settings);
  for (const definition of plan.put) await alarms.put(definition);
  const anomaly = anomalyAlarmDefinition(budget, settings);
  if (anomaly !== undefined) await alarms.putAnomaly(anomaly);
  const anomalyName = anomalyAlarmName(settings.stackName, budget.workgroup);
  const staleAnomaly = anomaly === undefined && existing.includes(anomalyName) ? [anomalyName] : [];
  const deleted = [...plan.delete, ...staleAnomaly];
  if (deleted.length > 0) await alarms.delete(deleted);
  return {
    put: [
      ...plan.put.map((definition) => definition.name),
      ...(anomaly === undefined ? [] : [anomaly.name]),
    ],
    deleted,
  };
}

/** `${stack}-budget-${workgroup}-anomaly`: the one anomaly alarm of a workgroup's budget. */
export const anomalyAlarmName = (stackName: string, workgroup: string): string =>
  `${stackName}-budget-${workgroup}-anomaly`;

/** Every alarm of a workgroup's budget starts with this; names are then matched exactly. */
const workgroupAlarmPrefix = (stackName: string, workgroup: string): string =>
  `${stackName}-budget-${workgroup}-`;

/** Two standard deviations: CloudWatch's default band width. */
export const ANOMALY_BAND_WIDTH = 2;

/**
 * The anomaly alarm a budget asks for (`anomalyAlarm`), on the hourly sum of the workgroup's
 * `CostUsd` or `DpuHours`: a runaway shows within the hour, before any threshold is reached.
 */
export function anomalyAlarmDefinition(
  budget: Budget,
  settings: BudgetAlarmSettings,
): AnomalyAlarmDefinition | undefined {
  if (budget.anomalyAlarm === undefined) return undefined;
  const cost = budget.anomalyAlarm === 'cost';
  return {
    name: anomalyAlarmName(settings.stackName, budget.workgroup),
    description: [
      `athena-cost: the hourly ${cost ? 'cost' : 'DPU-hours'} of workgroup ${budget.workgroup} rose above its expected band (anomaly detection, ${ANOMALY_BAND_WIDTH} standard deviations), before any budget threshold.`,
      `Top queries: athena-cost report --workgroup ${budget.workgroup} --by workgroup --top 5`,
      `Status: athena-cost status --workgroup ${budget.workgroup}`,
    ].join('\n'),
    namespace: settings.namespace,
    metricName: cost ? 'CostUsd' : 'DpuHours',
    workgroup: budget.workgroup,
    periodSeconds: 3_600,
    bandWidth: ANOMALY_BAND_WIDTH,
    alarmActions: settings.alertsTopicArn === undefined ? [] : [settings.alertsTopicArn],
  };
}

/** Deletes every notify alarm and the anomaly alarm of a workgroup; returns their names. */
export async function removeBudgetAlarms(
  alarms: BudgetAlarms,
  workgroup: string,
  stackName: string,
): Promise<string[]> {
  const existing = await alarms.namesWithPrefix(workgroupAlarmPrefix(stackName, workgroup));
  const owned = existing.filter(
    (name) =>
      budgetAlarmPercent(name, stackName, workgroup) !== undefined ||
      name === anomalyAlarmName(stackName, workgroup),
  );
  if (owned.length > 0) await alarms.delete(owned);
  return owned;
}

/**
 * Every notify alarm of an attribution budget starts with this: `-attribution-budget-` never
 * follows the stack name in a workgroup's alarm (`<stack>-budget-<workgroup>-...`), so the two
 * kinds never meet. CloudWatch names are at most 255 characters: a long value is cut and told
 * apart by a hash of the whole label.
 */
export function attributionAlarmPrefix(
  stackName: string,
  budget: Pick<AttributionBudget, 'key' | 'value'>,
): string {
  const label = attributionLabel(budget);
  const room = MAX_ALARM_NAME_LENGTH - `${stackName}-attribution-budget--notify-1000.000001`.length;
  const shown =
    label.length <= room
      ? label
      : `${label.slice(0, room - 9)}~${createHash('sha256').update(label).digest('hex').slice(0, 8)}`;
  return `${stackName}-attribution-budget-${shown}-notify-`;
}

/** CloudWatch's limit on an alarm name. */
const MAX_ALARM_NAME_LENGTH = 255;

/** The alarms an attribution budget should have: one per notify threshold, ascending. */
export function attributionAlarmDefinitions(
  budget: AttributionBudget,
  settings: BudgetAlarmSettings,
): BudgetAlarmDefinition[] {
  const prefix = attributionAlarmPrefix(settings.stackName, budget);
  const label = attributionLabel(budget);
  return notifyPercentsOf(budget).map((percent) =>
    notifyAlarm(settings, {
      name: `${prefix}${String(percent)}`,
      description: [
        `athena-cost: ${label} has used ${percent}% of its ${budget.period} budget (${limitsOf(budget)}) over every workgroup. Notify only: Athena has no per-principal or per-tag lever.`,
        `Where: athena-cost report --by ${reportByOf(budget.key)} --period ${budget.period} --top 10`,
        'Status: athena-cost status',
      ].join('\n'),
      workgroup: '',
      attribution: label,
      threshold: percent,
    }),
  );
}

/**
 * Creates or updates an attribution budget's notify alarms, then deletes its alarms of
 * percentages no longer listed.
 */
export async function syncAttributionBudgetAlarms(
  alarms: BudgetAlarms,
  budget: AttributionBudget,
  settings: BudgetAlarmSettings,
): Promise<BudgetAlarmChanges> {
  const prefix = attributionAlarmPrefix(settings.stackName, budget);
  const existing = await alarms.namesWithPrefix(prefix);
  const put = attributionAlarmDefinitions(budget, settings);
  for (const definition of put) await alarms.put(definition);
  const keep = new Set(put.map((definition) => definition.name));
  const deleted = existing.filter(
    (name) => !keep.has(name) && percentAfter(name, prefix) !== undefined,
  );
  if (deleted.length > 0) await alarms.delete(deleted);
  return { put: put.map((definition) => definition.name), deleted };
}

/** Deletes every notify alarm of an attribution budget; returns their names. */
export async function removeAttributionBudgetAlarms(
  alarms: BudgetAlarms,
  budget: Pick<AttributionBudget, 'key' | 'value'>,
  stackName: string,
): Promise<string[]> {
  const prefix = attributionAlarmPrefix(stackName, budget);
  const owned = (await alarms.namesWithPrefix(prefix)).filter(
    (name) => percentAfter(name, prefix) !== undefined,
  );
  if (owned.length > 0) await alarms.delete(owned);
  return owned;
}
