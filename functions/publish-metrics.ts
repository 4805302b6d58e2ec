import type { Context, ScheduledEvent } from 'aws-lambda';
import { createCloudWatchClient, createDocumentClient } from '../lib/aws/clients.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { CloudWatchMetricsPublisher } from '../lib/metrics/cloudwatch-metrics-publisher.js';
import {
  createPublishLeftoverMetrics,
  type LeftoverMetricsResult,
} from '../lib/metrics/publish-leftover-metrics.js';
import { DynamoDbMetricsOutbox } from '../lib/store/dynamodb-metrics-outbox.js';

const config = loadConfig();

const publishLeftoverMetrics = createPublishLeftoverMetrics({
  outbox: new DynamoDbMetricsOutbox(createDocumentClient(), config.tableName),
  metrics: new CloudWatchMetricsPublisher(createCloudWatchClient(), config.metricsNamespace),
  logger,
});

/**
 * Runs every 5 minutes: publishes the usage metrics committed with the counters that a crash or
 * a lost answer left unpublished, so CloudWatch catches up with DynamoDB. A failure throws, for
 * the function's Errors metric; the next run retries.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<LeftoverMetricsResult> => {
  logger.addContext(context);
  return publishLeftoverMetrics();
};
