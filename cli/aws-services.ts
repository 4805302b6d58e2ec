import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  type BudgetAlarmSettings,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_STACK_NAME,
} from '../lib/budgets/plan-budget-alarms.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE, networkProblem } from './errors.js';

/** The AWS services the CLI calls besides DynamoDB. */
export type AwsService = 'Athena' | 'CloudFormation' | 'CloudWatch' | 'SNS';

const SERVICES: Readonly<Record<AwsService, { readonly envKey: string; readonly host: string }>> = {
  Athena: { envKey: 'AWS_ENDPOINT_URL_ATHENA', host: 'athena' },
  CloudFormation: { envKey: 'AWS_ENDPOINT_URL_CLOUDFORMATION', host: 'cloudformation' },
  CloudWatch: { envKey: 'AWS_ENDPOINT_URL_CLOUDWATCH', host: 'monitoring' },
  SNS: { envKey: 'AWS_ENDPOINT_URL_SNS', host: 'sns' },
};

/** Where a service's calls go, as the SDK resolves it, for messages. */
export function serviceEndpoint(
  service: AwsService,
  region: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const override = env[SERVICES[service].envKey] || env.AWS_ENDPOINT_URL;
  if (override) return override;
  const resolvedRegion = region ?? env.AWS_REGION;
  return resolvedRegion
    ? `https://${SERVICES[service].host}.${resolvedRegion}.amazonaws.com`
    : `the regional ${service} endpoint`;
}

/**
 * Turns an error of a service call into a CliError saying what could not be done and why. The
 * CLI's own handler would otherwise describe it as a DynamoDB problem of the table.
 */
export function describeServiceError(
  error: unknown,
  service: AwsService,
  what: string,
  region: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CliError {
  if (error instanceof CliError) return error;
  const endpoint = serviceEndpoint(service, region, env);
  if (!(error instanceof Error)) return new CliError(`${what}: ${String(error)}`);
  const network = networkProblem(error);
  if (network !== undefined) {
    return new CliError(
      `${what}: cannot reach ${service} at ${endpoint}: ${network}`,
      EXIT_FAILURE,
      `Check --region, the network, or ${SERVICES[service].envKey} for a local stand-in.`,
    );
  }
  if (/region is missing/i.test(error.message)) {
    return new CliError('no AWS region', EXIT_USAGE, 'Pass --region or set AWS_REGION.');
  }
  switch (error.name) {
    case 'CredentialsProviderError':
      return new CliError(
        `${what}: no AWS credentials for ${service}: ${error.message}`,
        EXIT_FAILURE,
        'Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'InvalidClientTokenId':
    case 'ExpiredTokenException':
    case 'AccessDeniedException':
    case 'AccessDenied':
    case 'AuthorizationError':
      return new CliError(`${what}: AWS refused access to ${service}: ${error.message}`);
  }
  return new CliError(`${what}: ${service} answered ${error.name}: ${error.message}`);
}

/** Runs a service call, describing its failure with {@link describeServiceError}. */
export async function callService<T>(
  service: AwsService,
  what: string,
  region: string | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeServiceError(error, service, what, region);
  }
}

/**
 * SDK clients created on first use, without hard-coded endpoints: AWS_ENDPOINT_URL_ATHENA,
 * AWS_ENDPOINT_URL_CLOUDWATCH and AWS_ENDPOINT_URL_SNS redirect them (stand-ins, local mode).
 */
export class AwsServices {
  private athenaClient: AthenaClient | undefined;
  private cloudWatchClient: CloudWatchClient | undefined;
  private snsClient: SNSClient | undefined;

  constructor(readonly region: string | undefined) {}

  private get config() {
    return { maxAttempts: 3, ...(this.region === undefined ? {} : { region: this.region }) };
  }

  athena(): AthenaClient {
    this.athenaClient ??= new AthenaClient(this.config);
    return this.athenaClient;
  }

  cloudWatch(): CloudWatchClient {
    this.cloudWatchClient ??= new CloudWatchClient(this.config);
    return this.cloudWatchClient;
  }

  sns(): SNSClient {
    this.snsClient ??= new SNSClient(this.config);
    return this.snsClient;
  }

  close(): void {
    this.athenaClient?.destroy();
    this.cloudWatchClient?.destroy();
    this.snsClient?.destroy();
  }
}

/** An SNS topic ARN, as `--alerts-topic-arn` and ALERTS_TOPIC_ARN must give it. */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** The alerts topic: `--alerts-topic-arn`, else ALERTS_TOPIC_ARN, else none. */
export function alertsTopicArn(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flag !== undefined) return flag;
  const value = env.ALERTS_TOPIC_ARN?.trim();
  if (!value) return undefined;
  if (!SNS_TOPIC_ARN.test(value)) {
    throw new CliError(
      `ALERTS_TOPIC_ARN must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts, got '${value}'`,
      EXIT_USAGE,
    );
  }
  return value;
}

/** Where budget alarms live: STACK_NAME and METRICS_NAMESPACE, with the stack's defaults. */
export function budgetAlarmSettings(
  topicArn: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): BudgetAlarmSettings {
  const namespace = env.METRICS_NAMESPACE?.trim() || DEFAULT_METRICS_NAMESPACE;
  if (namespace.startsWith('AWS/')) {
    throw new CliError(
      `METRICS_NAMESPACE must not start with AWS/, got '${namespace}'`,
      EXIT_USAGE,
    );
  }
  return {
    stackName: env.STACK_NAME?.trim() || DEFAULT_STACK_NAME,
    namespace,
    alertsTopicArn: topicArn,
  };
}
