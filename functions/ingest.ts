import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAlertPublisher } from '../lib/alerts/alert-publisher.js';
import { AthenaQueryExecutionSource } from '../lib/athena/query-execution-gateway.js';
import { AthenaWorkgroupGateway } from '../lib/athena/workgroup-gateway.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../lib/aws/clients.js';
import { cachedBudgets } from '../lib/budgets/cached-budgets.js';
import { createBudgetEnforcer } from '../lib/budgets/enforce-budgets.js';
import { loadConfig } from '../lib/config.js';
import { createRecordQueries } from '../lib/ingest/record-queries.js';
import { createRecordQueryEvents } from '../lib/ingest/record-query-events.js';
import { logger } from '../lib/logger.js';
import { CloudWatchMetricsPublisher } from '../lib/metrics/metrics-publisher.js';
import { DynamoDbBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbQueryRecordStore } from '../lib/store/dynamodb-query-record-store.js';
import { DynamoDbUsageCounterReader } from '../lib/store/usage-counter-store.js';

const config = loadConfig();
const athena = createAthenaClient();
const documents = createDocumentClient();
const metrics = new CloudWatchMetricsPublisher(createCloudWatchClient(), config.metricsNamespace);

const recordQueries = createRecordQueries({
  executions: new AthenaQueryExecutionSource(athena),
  store: new DynamoDbQueryRecordStore(documents, {
    tableName: config.tableName,
    queryRecordTtlDays: config.queryRecordTtlDays,
  }),
  metrics,
  pricing: config.pricing,
  logger,
  afterRecording: createBudgetEnforcer({
    budgets: cachedBudgets(
      new DynamoDbBudgetStore(documents, config.tableName),
      logger,
      config.budgetCacheSeconds * 1000,
    ),
    counters: new DynamoDbUsageCounterReader(documents, config.tableName),
    enforcement: new DynamoDbEnforcementStore(documents, config.tableName),
    workgroups: new AthenaWorkgroupGateway(athena),
    alerts: createAlertPublisher(logger, config.alertsTopicArn, createSnsClient),
    metrics,
    logger,
  }),
});

const recordQueryEvents = createRecordQueryEvents({ recordQueries, logger });

/** Drains Athena state-change events from SQS; failed records are redelivered by SQS. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const result = await recordQueryEvents(
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
  );
  return {
    batchItemFailures: result.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })),
  };
};
