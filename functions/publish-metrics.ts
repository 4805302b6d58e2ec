import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import type { LeftoverMetricsResult } from '../lib/metrics/publish-leftover-metrics.js';
import { wirePublishMetricsFunction } from '../lib/wiring/wire-publish-metrics-function.js';

const publishLeftoverMetrics = wirePublishMetricsFunction(loadConfig(), logger);

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
