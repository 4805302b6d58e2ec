import { createCloudWatchClient, createDocumentClient } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { CloudWatchMetricsPublisher } from '../metrics/cloudwatch-metrics-publisher.js';
import {
  createPublishLeftoverMetrics,
  type PublishLeftoverMetrics,
} from '../metrics/publish-leftover-metrics.js';
import { DynamoDbMetricsOutbox } from '../store/dynamodb-metrics-outbox-sweep.js';

/** The metrics outbox sweep over its own AWS clients: the table's outbox in, CloudWatch out. */
export function wirePublishMetricsFunction(config: Config, logger: Log): PublishLeftoverMetrics {
  return createPublishLeftoverMetrics({
    outbox: new DynamoDbMetricsOutbox(createDocumentClient(), config.tableName),
    metrics: new CloudWatchMetricsPublisher(createCloudWatchClient(), config.metricsNamespace),
    logger,
  });
}
