import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ReceiveMessageCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stackEnvironment } from '../../cli/stack-outputs.js';
import { runCliInMemory } from '../support/in-memory-cli.js';

const cloudFormation = mockClient(CloudFormationClient);
const sqs = mockClient(SQSClient);

const STACK = 'athena-cost-prod';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/athena-cost-prod-ingest-dlq';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:athena-cost-prod-ingest-dlq';
const INGEST_ARN = 'arn:aws:sqs:eu-west-1:123456789012:athena-cost-prod-ingest';
const OUTPUTS = [
  { OutputKey: 'UsageTableName', OutputValue: 'athena-cost-prod' },
  { OutputKey: 'AlertsTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:123456789012:alerts' },
  { OutputKey: 'IngestDeadLetterQueueUrl', OutputValue: DLQ_URL },
  { OutputKey: 'IngestDeadLetterQueueArn', OutputValue: DLQ_ARN },
  { OutputKey: 'IngestQueueArn', OutputValue: INGEST_ARN },
  { OutputKey: 'MetricsNamespace', OutputValue: 'AthenaCostMonitor' },
];
const ENV = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

beforeEach(() => {
  cloudFormation.reset();
  sqs.reset();
});

/** What DescribeStacks answers for the stack with these outputs. */
const describedStack = (outputs: typeof OUTPUTS) => ({
  Stacks: [
    {
      StackName: STACK,
      StackStatus: 'CREATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: outputs,
    },
  ],
});

describe('athena-cost --stack NAME', () => {
  it('reads the stack outputs once and runs the command with them', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(describedStack(OUTPUTS));
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });

    const { code, stderr } = await runCliInMemory(
      ['dlq', 'redrive', '--stack', STACK, '--region', 'eu-west-1'],
      { env: ENV },
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(
      cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input),
    ).toEqual([{ StackName: STACK }]);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: INGEST_ARN,
    });
  });

  it('takes the stack from ATHENA_COST_STACK; a flag still wins over an output', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(describedStack(OUTPUTS));
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    const other = `${DLQ_URL}-other`;

    const { code } = await runCliInMemory(
      ['dlq', 'peek', '--dlq-url', other, '--region', 'eu-west-1'],
      {
        env: { ...ENV, ATHENA_COST_STACK: STACK },
      },
    );

    expect(code).toBe(0);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.QueueUrl).toBe(other);
  });

  it('says when the stack does not exist, and when it has no table output', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejectsOnce(
        Object.assign(new Error(`Stack with id ${STACK} does not exist`), {
          name: 'ValidationError',
        }),
      )
      .resolves(describedStack([]));

    const missing = await runCliInMemory(
      ['budget', 'list', '--stack', STACK, '--region', 'eu-west-1'],
      { env: ENV },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`stack ${STACK} does not exist in eu-west-1`);

    const bare = await runCliInMemory(
      ['budget', 'list', '--stack', STACK, '--region', 'eu-west-1'],
      { env: ENV },
    );
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(`stack ${STACK} has no output UsageTableName`);
  });

  it("gives the recording the stack's attribution settings, so a backfill counts as its functions do", async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .resolves(
        describedStack([
          ...OUTPUTS,
          { OutputKey: 'AttributePrincipals', OutputValue: 'true' },
          { OutputKey: 'AttributionValuesPerDay', OutputValue: '250' },
        ]),
      );

    const environment = await stackEnvironment(STACK, 'eu-west-1');

    expect(environment).toMatchObject({
      TABLE_NAME: 'athena-cost-prod',
      ATTRIBUTE_PRINCIPALS: 'true',
      ATTRIBUTION_VALUES_PER_DAY: '250',
    });
  });

  it('rejects what is not a stack name before calling AWS', async () => {
    const { code, stderr } = await runCliInMemory(['status', '--stack', 'not a stack!'], {
      env: ENV,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('--stack must be a CloudFormation stack name');
    expect(cloudFormation.calls()).toHaveLength(0);
  });
});
