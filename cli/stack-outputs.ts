import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import { describeServiceError } from './aws-services.js';
import { CliError, EXIT_USAGE } from './errors.js';

/** The stack outputs the CLI reads (serverless.yml), and the variable each one stands for. */
export const STACK_OUTPUT_VARIABLES = {
  UsageTableName: 'TABLE_NAME',
  AlertsTopicArn: 'ALERTS_TOPIC_ARN',
  IngestDeadLetterQueueUrl: 'DLQ_URL',
  IngestDeadLetterQueueArn: 'DLQ_ARN',
  IngestQueueArn: 'INGEST_QUEUE_ARN',
  MetricsNamespace: 'METRICS_NAMESPACE',
  // What the recording reads, so that a backfill records as the stack's functions do.
  AttributePrincipals: 'ATTRIBUTE_PRINCIPALS',
  AttributionValuesPerDay: 'ATTRIBUTION_VALUES_PER_DAY',
} as const;

/**
 * The settings a deployed stack gives the CLI, from one DescribeStacks: its outputs as
 * environment variables, and STACK_NAME (the prefix of budget alarm names) as the stack's name.
 * Outputs an older stack lacks are left to the environment.
 */
export async function stackEnvironment(
  stackName: string,
  region: string | undefined,
): Promise<Record<string, string>> {
  // No hard-coded endpoint: AWS_ENDPOINT_URL_CLOUDFORMATION redirects it.
  const cloudFormation = new CloudFormationClient({
    maxAttempts: 3,
    ...(region === undefined ? {} : { region }),
  });
  let outputs: Output[];
  try {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    if (error instanceof Error && /does not exist/i.test(error.message)) {
      throw new CliError(
        `stack ${stackName} does not exist${region === undefined ? '' : ` in ${region}`}`,
        EXIT_USAGE,
        'Deploy with `npx sls deploy --stage prod` (stack athena-cost-prod), or check --stack and --region.',
      );
    }
    throw describeServiceError(error, 'CloudFormation', `cannot read stack ${stackName}`, region);
  } finally {
    cloudFormation.destroy();
  }
  const environment: Record<string, string> = { STACK_NAME: stackName };
  for (const [key, variable] of Object.entries(STACK_OUTPUT_VARIABLES)) {
    const value = outputs.find((output) => output.OutputKey === key)?.OutputValue;
    if (value) environment[variable] = value;
  }
  return environment;
}
