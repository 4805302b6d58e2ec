import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { chunk } from '../async/map-with-concurrency.js';
import { tokenPages } from '../async/token-pages.js';
import type {
  AnomalyAlarmDefinition,
  BudgetAlarmDefinition,
  BudgetAlarms,
} from './budget-alarms.js';

/** DeleteAlarms takes at most 100 names per call. */
const MAX_ALARMS_PER_DELETE = 100;

/** {@link BudgetAlarms} over CloudWatch PutMetricAlarm, DescribeAlarms and DeleteAlarms. */
export class CloudWatchBudgetAlarms implements BudgetAlarms {
  constructor(private readonly cloudWatch: CloudWatchClient) {}

  async namesWithPrefix(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const pages = tokenPages((nextToken) =>
      this.cloudWatch.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: prefix,
          AlarmTypes: ['MetricAlarm'],
          MaxRecords: 100,
          NextToken: nextToken,
        }),
      ),
    );
    for await (const page of pages) {
      for (const alarm of page.MetricAlarms ?? []) {
        if (alarm.AlarmName !== undefined) names.push(alarm.AlarmName);
      }
    }
    return names;
  }

  async put(definition: BudgetAlarmDefinition): Promise<void> {
    await this.cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: definition.name,
        AlarmDescription: definition.description,
        Namespace: definition.namespace,
        MetricName: definition.metricName,
        Dimensions: [
          definition.attribution === undefined
            ? { Name: 'WorkGroup', Value: definition.workgroup }
            : { Name: 'Attribution', Value: definition.attribution },
        ],
        Statistic: definition.statistic,
        Period: definition.periodSeconds,
        EvaluationPeriods: definition.evaluationPeriods,
        DatapointsToAlarm: definition.datapointsToAlarm,
        Threshold: definition.threshold,
        ComparisonOperator: definition.comparisonOperator,
        TreatMissingData: definition.treatMissingData,
        ActionsEnabled: true,
        AlarmActions: [...definition.alarmActions],
      }),
    );
  }

  async putAnomaly(definition: AnomalyAlarmDefinition): Promise<void> {
    await this.cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: definition.name,
        AlarmDescription: definition.description,
        Metrics: [
          {
            Id: 'usage',
            MetricStat: {
              Metric: {
                Namespace: definition.namespace,
                MetricName: definition.metricName,
                Dimensions: [{ Name: 'WorkGroup', Value: definition.workgroup }],
              },
              Period: definition.periodSeconds,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
          {
            Id: 'band',
            Expression: `ANOMALY_DETECTION_BAND(usage, ${definition.bandWidth})`,
            Label: 'expected',
            ReturnData: true,
          },
        ],
        ThresholdMetricId: 'band',
        ComparisonOperator: 'GreaterThanUpperThreshold',
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        // An hour without queries publishes nothing: it is not spend out of the band.
        TreatMissingData: 'notBreaching',
        ActionsEnabled: true,
        AlarmActions: [...definition.alarmActions],
      }),
    );
  }

  async delete(names: readonly string[]): Promise<void> {
    for (const part of chunk(names, MAX_ALARMS_PER_DELETE)) {
      await this.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: part }));
    }
  }
}
