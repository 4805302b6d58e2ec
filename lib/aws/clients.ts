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

export const createAthenaClient = (): AthenaClient => new AthenaClient(common);
export const createCloudWatchClient = (): CloudWatchClient => new CloudWatchClient(common);
export const createSnsClient = (): SNSClient => new SNSClient(common);

/** A document client that drops undefined attributes instead of failing on them. */
export const createDocumentClient = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(common), {
    marshallOptions: { removeUndefinedValues: true },
  });
