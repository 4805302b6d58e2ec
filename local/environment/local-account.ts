/**
 * The region, account, credentials and metrics namespace of every local run (local mode, the
 * bench, the tests), defined once. The stand-ins and DynamoDB Local accept any signature.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** serverless.yml's `metricsNamespace` parameter, which the functions publish under. */
export const METRICS_NAMESPACE = 'AthenaCostMonitor';

/** The ARN of an SNS topic in the local account. */
export const localTopicArn = (name: string): string =>
  `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`;
