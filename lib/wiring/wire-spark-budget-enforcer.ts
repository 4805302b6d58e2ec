import type { AthenaClient } from '@aws-sdk/client-athena';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAlertPublisher } from '../alerts/sns-alert-publisher.js';
import { AthenaSparkSessionGateway } from '../athena/athena-spark-session-gateway.js';
import { AthenaWorkgroupSettingsGateway } from '../athena/athena-workgroup-settings-gateway.js';
import { cachedBudgets } from '../budgets/cached-budgets.js';
import {
  type AfterSparkUsage,
  createSparkBudgetEnforcer,
} from '../budgets/enforce-spark-budgets.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import type { MetricsPublisher } from '../metrics/metrics-publisher.js';
import { DynamoDbBudgetStore } from '../store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../store/dynamodb-enforcement-store.js';
import { DynamoDbSessionTerminationStore } from '../store/dynamodb-session-termination-store.js';
import { DynamoDbUsageCounterReader } from '../store/dynamodb-usage-counter-reader.js';

export interface SparkBudgetWiring {
  readonly config: Config;
  readonly athena: AthenaClient;
  readonly documents: DynamoDBDocumentClient;
  readonly createSnsClient: () => SNSClient;
  /** Where BudgetUsedPercent of Spark workgroups goes. */
  readonly metrics: MetricsPublisher;
  readonly logger: Log;
}

/**
 * Wires the budgets of Spark workgroups to AWS, for the session sweep to call once a run has
 * recorded its deltas: GetWorkGroup/UpdateWorkGroup for the throttle and disable,
 * ListSessions/TerminateSession for disable-now, the budget, enforcement and termination items.
 */
export function wireSparkBudgetEnforcer(wiring: SparkBudgetWiring): AfterSparkUsage {
  const { config, athena, documents, logger } = wiring;
  return createSparkBudgetEnforcer({
    budgets: cachedBudgets(
      new DynamoDbBudgetStore(documents, config.tableName),
      logger,
      config.budgetCacheSeconds * 1000,
    ),
    counters: new DynamoDbUsageCounterReader(documents, config.tableName),
    enforcement: new DynamoDbEnforcementStore(documents, config.tableName),
    workgroups: new AthenaWorkgroupSettingsGateway(athena),
    sessions: new AthenaSparkSessionGateway(athena),
    terminations: new DynamoDbSessionTerminationStore(documents, config.tableName),
    alerts: createAlertPublisher(logger, config.alertsTopicArn, wiring.createSnsClient),
    metrics: wiring.metrics,
    logger,
  });
}
