import type { AthenaClient } from '@aws-sdk/client-athena';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAlertPublisher } from '../alerts/sns-alert-publisher.js';
import { AthenaWorkgroupGateway } from '../athena/athena-workgroup-gateway.js';
import type { QueryExecutionSource } from '../athena/query-execution-source.js';
import { cachedBudgets } from '../budgets/cached-budgets.js';
import { createBudgetEnforcer } from '../budgets/enforce-budgets.js';
import type { Config } from '../config.js';
import { createRecordQueries, type RecordQueries } from '../ingest/record-queries.js';
import type { Log } from '../log.js';
import { HeldOutboxEntries } from '../metrics/metrics-outbox.js';
import {
  HeldMetrics,
  type MetricsPublisher,
  withHeldMetrics,
} from '../metrics/metrics-publisher.js';
import { DynamoDbBudgetStore } from '../store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../store/dynamodb-enforcement-store.js';
import { DynamoDbOutboxMarker } from '../store/dynamodb-metrics-outbox.js';
import { DynamoDbQueryRecordStore } from '../store/dynamodb-query-record-store.js';
import { DynamoDbUsageCounterReader } from '../store/dynamodb-usage-counter-reader.js';

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
 * Wires the one recording path to AWS: exactly-once records and counters, usage metrics and
 * budget enforcement, reading executions from the given source. Ingest reads them with
 * BatchGetQueryExecution; reconciliation hands over the ones it already fetched.
 */
export function wireRecording(
  wiring: RecordingWiring,
): (source: QueryExecutionSource) => RecordQueries {
  const { config, athena, documents, logger } = wiring;
  const store = new DynamoDbQueryRecordStore(documents, {
    tableName: config.tableName,
    queryRecordTtlDays: config.queryRecordTtlDays,
    ...(config.attributionValuesPerDay === undefined
      ? {}
      : { attributionValuesPerDay: config.attributionValuesPerDay }),
    attributePrincipals: config.attributePrincipals === true,
  });
  const outbox = new DynamoDbOutboxMarker(documents, config.tableName);
  // BudgetUsedPercent waits for the usage metrics of the same batch: one PutMetricData for both.
  const budgetMetrics = new HeldMetrics();
  const metrics = withHeldMetrics(wiring.metrics, budgetMetrics);
  // And the outbox entries of the bypasses it counts go with the batch's own.
  const heldOutbox = new HeldOutboxEntries();
  const afterRecording = createBudgetEnforcer({
    budgets: cachedBudgets(
      new DynamoDbBudgetStore(documents, config.tableName),
      logger,
      config.budgetCacheSeconds * 1000,
    ),
    counters: new DynamoDbUsageCounterReader(documents, config.tableName),
    enforcement: new DynamoDbEnforcementStore(documents, config.tableName),
    workgroups: new AthenaWorkgroupGateway(athena),
    alerts: createAlertPublisher(logger, config.alertsTopicArn, wiring.createSnsClient),
    metrics: budgetMetrics,
    outbox: heldOutbox,
    logger,
  });
  return (source) =>
    createRecordQueries({
      executions: source,
      store,
      metrics,
      outbox,
      heldOutbox,
      pricing: config.pricing,
      redactedSqlChars: config.redactedSqlChars,
      logger,
      afterRecording,
    });
}
