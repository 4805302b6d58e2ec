import { SQSClient } from '@aws-sdk/client-sqs';
import { createCloudWatchClient, createDocumentClient, createSnsClient } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { DigestConfig } from '../digest/digest-config.js';
import {
  createPublishDailyDigest,
  type PublishDailyDigest,
} from '../digest/publish-daily-digest.js';
import { SnsDigestPublisher } from '../digest/sns-digest-publisher.js';
import type { Log } from '../log.js';
import { wireDigestSources } from './wire-daily-digest.js';

/** The daily digest function's use case over its own AWS clients. */
export function wireDigestFunction(
  config: Config,
  digestConfig: DigestConfig,
  logger: Log,
): PublishDailyDigest {
  const queueUrl = digestConfig.deadLetterQueueUrl;
  return createPublishDailyDigest({
    sources: wireDigestSources({
      documents: createDocumentClient(),
      tableName: config.tableName,
      cloudWatch: { client: createCloudWatchClient(), namespace: config.metricsNamespace },
      ...(queueUrl === undefined
        ? {}
        : { deadLetters: { sqs: new SQSClient({ maxAttempts: 4 }), queueUrl } }),
      onWarning: (message) => logger.warn(message),
    }),
    publisher: new SnsDigestPublisher(createSnsClient(), digestConfig.alertsTopicArn),
  });
}
