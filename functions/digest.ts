import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import {
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../lib/aws/clients.js';
import { loadConfig } from '../lib/config.js';
import { type DailyDigest, digestDay, loadDailyDigest } from '../lib/digest/daily-digest.js';
import { loadDigestConfig } from '../lib/digest/digest-config.js';
import { SnsDigestPublisher } from '../lib/digest/sns-digest-publisher.js';
import { logger } from '../lib/logger.js';
import { wireDigestSources } from '../lib/wiring/wire-daily-digest.js';

const config = loadConfig();
const digestConfig = loadDigestConfig();
const queueUrl = digestConfig.deadLetterQueueUrl;

const sources = wireDigestSources({
  documents: createDocumentClient(),
  tableName: config.tableName,
  cloudWatch: { client: createCloudWatchClient(), namespace: config.metricsNamespace },
  ...(queueUrl === undefined
    ? {}
    : { deadLetters: { sqs: new SQSClient({ maxAttempts: 4 }), queueUrl } }),
  onWarning: (message) => logger.warn(message),
});
const publisher = new SnsDigestPublisher(createSnsClient(), digestConfig.alertsTopicArn);

/**
 * Runs every morning (07:00 UTC by default): publishes the digest of the UTC day before to the
 * alerts topic. A failure throws, so the function's Errors alarm tells an operator.
 */
export const handler = async (event: ScheduledEvent, context: Context): Promise<DailyDigest> => {
  logger.addContext(context);
  const day = digestDay(undefined, new Date(event.time ?? Date.now()));
  const digest = await loadDailyDigest(sources, day);
  await publisher.publish(digest);
  logger.info('Daily digest published', {
    day,
    costUsd: digest.total.costUsd,
    actions: digest.actions.length,
  });
  return digest;
};
