import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients with no hard-coded endpoint, so AWS_ENDPOINT_URL_<SERVICE> redirects them (local
 * mode, tests). Standard retry mode backs off on throttling and 5xx; what still fails reaches the
 * caller, which reports the affected records for redelivery.
 */
const common = { maxAttempts: 4 } as const;

/**
 * Takes the SDK's logger middleware out. No logger is configured, yet on every failed call it
 * still walks the whole request to redact it for the log it will not write: for a transaction of
 * 100 query records cancelled by one duplicate, that is milliseconds of CPU for nothing.
 */
function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export const createAthenaClient = (): AthenaClient => withoutSdkLogging(new AthenaClient(common));
export const createCloudWatchClient = (): CloudWatchClient =>
  withoutSdkLogging(new CloudWatchClient(common));
export const createSnsClient = (): SNSClient => withoutSdkLogging(new SNSClient(common));

/** A document client that drops undefined attributes instead of failing on them. */
export const createDocumentClient = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(withoutSdkLogging(new DynamoDBClient(common)), {
    marshallOptions: { removeUndefinedValues: true },
  });
