import type { AthenaClient } from '@aws-sdk/client-athena';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAlertPublisher } from '../alerts/sns-alert-publisher.js';
import { cachedBudgets } from '../budgets/cached-budgets.js';
import {
  cachedWorkgroupsWithUsage,
  createAttributionBudgetNotifier,
  type NotifyAttributionBudgets,
} from '../budgets/notify-attribution-budgets.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import type { MetricsPublisher } from '../metrics/metrics-publisher.js';
import { DynamoDbAttributionCounterReader } from '../store/dynamodb-attribution-counter-reader.js';
import {
  DynamoDbAttributionBudgetStore,
  DynamoDbBudgetStore,
} from '../store/dynamodb-budget-store.js';
import {
  DynamoDbAttributionEnforcementStore,
  DynamoDbEnforcementStore,
} from '../store/dynamodb-enforcement-store.js';
import { DynamoDbUsageCounterReader } from '../store/dynamodb-usage-counter-reader.js';

/** What a function hands its wiring: configuration, its clients, its metrics and logger. */
export interface RecordingWiring {
  readonly config: Config;
  readonly athena: AthenaClient;
  readonly documents: DynamoDBDocumentClient;
  readonly createSnsClient: () => SNSClient;
  /** Usage metrics of what is recorded (QueryCount, DpuHours...) and BudgetUsedPercent. */
  readonly metrics: MetricsPublisher;
  readonly logger: Log;
}

/**
 * What every budget enforcer reads and writes, SQL or Spark: the cached budgets, the usage
 * counters, the enforcement records and the alerts topic.
 */
export function budgetStoresAndAlerts(wiring: Omit<RecordingWiring, 'athena' | 'metrics'>) {
  const { config, documents, logger } = wiring;
  return {
    budgets: cachedBudgets(
      new DynamoDbBudgetStore(documents, config.tableName),
      logger,
      config.budgetCacheSeconds * 1000,
    ),
    counters: new DynamoDbUsageCounterReader(documents, config.tableName),
    enforcement: new DynamoDbEnforcementStore(documents, config.tableName),
    alerts: createAlertPublisher(logger, config.alertsTopicArn, wiring.createSnsClient),
    logger,
  };
}

/**
 * Notifiers of the attribution budgets, one per metrics publisher they hand BudgetUsedPercent
 * to, over one cache of the budgets and of the periods' workgroups per Lambda instance.
 */
export type AttributionBudgetNotifiers = (metrics: MetricsPublisher) => NotifyAttributionBudgets;

export function wireAttributionBudgetNotifiers(
  wiring: Omit<RecordingWiring, 'athena' | 'metrics'>,
): AttributionBudgetNotifiers {
  const { config, documents, logger } = wiring;
  const ttlMs = config.budgetCacheSeconds * 1000;
  const counters = new DynamoDbAttributionCounterReader(documents, config.tableName);
  const budgets = cachedBudgets(
    new DynamoDbAttributionBudgetStore(documents, config.tableName),
    logger,
    ttlMs,
  );
  const workgroupsWithUsage = cachedWorkgroupsWithUsage(counters, ttlMs);
  const notifications = new DynamoDbAttributionEnforcementStore(documents, config.tableName);
  const alerts = createAlertPublisher(logger, config.alertsTopicArn, wiring.createSnsClient);
  return (metrics) =>
    createAttributionBudgetNotifier({
      budgets,
      counters,
      workgroupsWithUsage,
      notifications,
      alerts,
      metrics,
      logger,
    });
}
