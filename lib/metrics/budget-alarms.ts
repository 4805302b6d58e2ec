/** The metric the enforcer publishes after each batch that changed a workgroup's usage. */
export const BUDGET_USED_PERCENT_METRIC = 'BudgetUsedPercent';

/** One CloudWatch alarm on a workgroup's BudgetUsedPercent, for one notify threshold. */
export interface BudgetAlarmDefinition {
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: typeof BUDGET_USED_PERCENT_METRIC;
  /** The `WorkGroup` dimension; empty on an attribution budget's alarm. */
  readonly workgroup: string;
  /** The `Attribution` dimension (`tag:team=finance`), instead of `WorkGroup`. */
  readonly attribution?: string | undefined;
  readonly statistic: 'Maximum';
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  /** The threshold's percent. */
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanOrEqualToThreshold';
  /** No datapoint means no batch changed the usage: nothing is breaching. */
  readonly treatMissingData: 'ignore';
  readonly alarmActions: readonly string[];
}

/**
 * An anomaly-detection alarm on a workgroup's hourly usage metric: it fires when the hour's sum
 * rises above the band CloudWatch learned from the metric's history.
 */
export interface AnomalyAlarmDefinition {
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: 'CostUsd' | 'DpuHours';
  readonly workgroup: string;
  readonly periodSeconds: number;
  /** The band's width in standard deviations. */
  readonly bandWidth: number;
  readonly alarmActions: readonly string[];
}

/** The CloudWatch calls budget alarms need. */
export interface BudgetAlarms {
  /** Names of the metric alarms starting with `prefix`. */
  namesWithPrefix(prefix: string): Promise<string[]>;
  put(definition: BudgetAlarmDefinition): Promise<void>;
  putAnomaly(definition: AnomalyAlarmDefinition): Promise<void>;
  /** Deletes alarms that exist (CloudWatch fails the whole call on an unknown name). */
  delete(names: readonly string[]): Promise<void>;
}
