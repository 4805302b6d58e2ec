import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqsClient, withholdSqlText } from '../../cli/dead-letter-queue.js';
import { anIamUser, aQueryStartedEvent, aStateChangeEvent } from '../support/factories.js';
import { type CliRun, runCliInMemory } from '../support/in-memory-cli.js';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/athena-cost-prod-ingest-dlq';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:athena-cost-prod-ingest-dlq';
const INGEST_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/athena-cost-prod-ingest';
const INGEST_ARN = 'arn:aws:sqs:us-east-1:123456789012:athena-cost-prod-ingest';
const sqs = mockClient(SQSClient);

/** The dlq commands read DLQ_URL and AWS_REGION, stubbed per test, from the process environment. */
const cli = (args: string[]): Promise<CliRun> => runCliInMemory(args, { env: process.env });

const message = (id: string, body: string, receiveCount = 5) => ({
  MessageId: id,
  ReceiptHandle: `receipt-${id}`,
  Body: body,
  Attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '1764064801000' },
});

beforeEach(() => {
  sqs.reset();
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('DLQ_URL', '');
  vi.stubEnv('DLQ_ARN', '');
  vi.stubEnv('INGEST_QUEUE_ARN', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('athena-cost dlq peek', () => {
  it('shows each message with its receive count, parsed reason and truncated body, and deletes nothing', async () => {
    const unknownQuery = JSON.stringify(aStateChangeEvent('3b1a4c8e-0000-4000-8000-000000000001'));
    const huge = 'x'.repeat(300_000);
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          message('m-1', unknownQuery),
          message('m-2', '{"source": "aws.athena", '),
          message('m-3', JSON.stringify({ ...aStateChangeEvent('abc'), source: 'aws.glue' }), 7),
          message(
            'm-5',
            JSON.stringify(
              aQueryStartedEvent('3b1a4c8e-0000-4000-8000-000000000005', anIamUser('ana')),
            ),
          ),
        ],
      })
      .resolvesOnce({ Messages: [message('m-4', huge)] })
      .resolves({ Messages: [] });

    const { code, stdout } = await cli(['dlq', 'peek', '--dlq-url', DLQ_URL]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^m-1 +5 +3b1a4c8e-0000-4000-8000-000000000001 +well-formed/m);
    expect(stdout).toMatch(/^m-2 +5 +- +malformed: body is not JSON/m);
    expect(stdout).toMatch(/^m-3 +7 +- +malformed: source: source must be aws\.athena/m);
    expect(stdout).toMatch(
      /^m-5 +5 +3b1a4c8e-0000-4000-8000-000000000005 +CloudTrail StartQueryExecution record \(caller user\/ana\) not attributed/m,
    );
    expect(stdout).toContain('5 messages shown (left in the queue)');
    // Bodies are cut to one short line.
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThan(400);
    const receives = sqs.commandCalls(ReceiveMessageCommand);
    expect(receives).toHaveLength(3);
    expect(receives[0]?.args[0].input).toMatchObject({
      QueueUrl: DLQ_URL,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 15,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    });
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('stops at --max and when messages come round again; reads DLQ_URL; writes JSON', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m-1', '{}'), message('m-2', '{}')] })
      .resolves({ Messages: [message('m-1', '{}')] });
    vi.stubEnv('DLQ_URL', DLQ_URL);

    const { code, stdout } = await cli(['dlq', 'peek', '--max', '5', '--format', 'json']);

    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as {
      messageId: string;
      receiveCount: number;
      reason: string;
    }[];
    expect(rows.map((row) => row.messageId)).toEqual(['m-1', 'm-2']);
    expect(rows[0]).toMatchObject({ receiveCount: 5 });
    expect(rows[0]?.reason).toMatch(/^malformed: /);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.MaxNumberOfMessages).toBe(5);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
  });

  it("withholds a CloudTrail record's SQL text, whole or cut short, and keeps the rest of the body", async () => {
    const started = JSON.stringify(
      aQueryStartedEvent('3b1a4c8e-0000-4000-8000-000000000006', anIamUser('ana')),
    );
    expect(started).toContain('orders__dbt_tmp');
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m-6', started)] })
      .resolves({ Messages: [] });

    const { code, stdout } = await cli(['dlq', 'peek', '--dlq-url', DLQ_URL, '--format', 'json']);

    expect(code).toBe(0);
    const [row] = JSON.parse(stdout) as { body: string; reason: string; bodyBytes: number }[];
    expect(row?.body).not.toContain('orders__dbt_tmp');
    expect(row?.body).toContain('"queryString":"(SQL text withheld)"');
    expect(row?.body).toContain('"workGroup"');
    expect(row?.reason).toMatch(/caller user\/ana/);
    expect(row?.bodyBytes).toBe(Buffer.byteLength(started));
    // Cut inside the statement (a body over SQS's size, or truncated by a tool): still withheld.
    const cut = started.slice(0, started.indexOf('orders__dbt_tmp') + 5);
    expect(withholdSqlText(cut)).not.toContain('order');
    // Escaped quotes inside the statement do not end it early.
    expect(withholdSqlText('{"queryString":"select \\"a\\" from t where x = \'secret\'"}')).toBe(
      '{"queryString":"(SQL text withheld)"}',
    );
  });

  it('says when the queue is empty', async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    const { code, stdout } = await cli(['dlq', 'peek', '--dlq-url', DLQ_URL]);
    expect(code).toBe(0);
    expect(stdout).toBe('The dead-letter queue is empty.\n');
  });

  it('needs a queue, and a sane --max', async () => {
    const none = await cli(['dlq', 'peek']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('pass --dlq-url URL or set DLQ_URL');
    const bad = await cli(['dlq', 'peek', '--dlq-url', DLQ_URL, '--max', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max must be between 1 and 100');
    expect(sqs.calls()).toHaveLength(0);
  });

  it('names the queue when it does not exist', async () => {
    sqs.on(ReceiveMessageCommand).rejects(
      Object.assign(new Error('The specified queue does not exist.'), {
        name: 'QueueDoesNotExist',
      }),
    );
    const { code, stderr } = await cli(['dlq', 'peek', '--dlq-url', DLQ_URL]);
    expect(code).toBe(1);
    expect(stderr).toContain(`queue ${DLQ_URL} does not exist`);
  });
});

describe('athena-cost dlq redrive', () => {
  it('starts a move task from the DLQ to the ingest queue (INGEST_QUEUE_ARN) and prints the handle', async () => {
    vi.stubEnv('INGEST_QUEUE_ARN', INGEST_ARN);
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-handle-1' });

    const { code, stdout } = await cli(['dlq', 'redrive', '--dlq-arn', DLQ_ARN]);

    expect(code).toBe(0);
    expect(stdout).toContain(`Redrive started: ${DLQ_ARN} -> ${INGEST_ARN}`);
    expect(stdout).toContain('Task handle: task-handle-1');
    const calls = sqs.commandCalls(StartMessageMoveTaskCommand);
    expect(calls).toHaveLength(1);
    // Always a DestinationArn: EventBridge's dead letters have no SQS source to go back to.
    expect(calls[0]?.args[0].input).toEqual({ SourceArn: DLQ_ARN, DestinationArn: INGEST_ARN });
  });

  it('without a destination, moves to the one queue whose redrive policy names the DLQ', async () => {
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: DLQ_URL });
    sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [INGEST_URL] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: INGEST_ARN } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-handle-3' });

    const { code } = await cli(['dlq', 'redrive', '--dlq-arn', DLQ_ARN]);

    expect(code).toBe(0);
    expect(sqs.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({
      QueueName: 'athena-cost-prod-ingest-dlq',
      QueueOwnerAWSAccountId: '123456789012',
    });
    expect(sqs.commandCalls(ListDeadLetterSourceQueuesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: DLQ_URL,
    });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: INGEST_ARN,
    });
  });

  it('will not guess between several source queues', async () => {
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: DLQ_URL });
    sqs
      .on(ListDeadLetterSourceQueuesCommand)
      .resolves({ queueUrls: [INGEST_URL, `${INGEST_URL}-2`] });

    const { code, stderr } = await cli(['dlq', 'redrive', '--dlq-arn', DLQ_ARN]);

    expect(code).toBe(2);
    expect(stderr).toContain('2 queues use');
    expect(stderr).toContain('--to-queue-arn');
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('finds the ARN from the queue URL (DLQ_URL) and passes a rate', async () => {
    vi.stubEnv('DLQ_URL', DLQ_URL);
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-handle-2' });

    const { code, stdout } = await cli([
      'dlq',
      'redrive',
      '--max-per-second',
      '10',
      '--to-queue-arn',
      INGEST_ARN,
      '--format',
      'json',
    ]);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      sourceArn: DLQ_ARN,
      destinationArn: INGEST_ARN,
      taskHandle: 'task-handle-2',
    });
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: DLQ_URL,
      AttributeNames: ['QueueArn'],
    });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: INGEST_ARN,
      MaxNumberOfMessagesPerSecond: 10,
    });
  });

  it('reports a move task already running as one line', async () => {
    sqs.on(StartMessageMoveTaskCommand).rejects(
      Object.assign(new Error('There is already a task running.'), {
        name: 'UnsupportedOperation',
      }),
    );
    const { code, stderr } = await cli([
      'dlq',
      'redrive',
      '--dlq-arn',
      DLQ_ARN,
      '--to-queue-arn',
      INGEST_ARN,
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `athena-cost: cannot start the redrive (${DLQ_ARN}): UnsupportedOperation: There is already a task running.\n`,
    );
  });

  it('needs a queue and rejects what is not an SQS ARN', async () => {
    expect((await cli(['dlq', 'redrive'])).stderr).toContain('pass --dlq-arn ARN or --dlq-url URL');
    const bad = await cli(['dlq', 'redrive', '--dlq-arn', 'arn:aws:sns:us-east-1:1:topic']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dlq-arn must be an SQS queue ARN');
    expect(sqs.calls()).toHaveLength(0);
  });

  it('is listed under `dlq` in the help', async () => {
    const { code, stdout } = await cli(['dlq', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}dlq peek +Show the messages/m);
    expect(stdout).toMatch(/^ {2}dlq redrive +Move the dead-letter queue messages/m);
  });
});

describe('the dlq commands without a network', () => {
  const unreachable = () =>
    Object.assign(new Error('getaddrinfo ENOTFOUND sqs.us-east-1.amazonaws.com'), {
      code: 'ENOTFOUND',
    });

  it('peek says in one line that SQS cannot be reached', async () => {
    sqs.on(ReceiveMessageCommand).rejects(unreachable());

    const { code, stderr } = await cli(['dlq', 'peek', '--dlq-url', DLQ_URL]);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `athena-cost: cannot receive from the dead-letter queue: cannot reach SQS for ${DLQ_URL}: host not found\nCheck --region, the network, or AWS_ENDPOINT_URL_SQS for a local stand-in.\n`,
    );
  });

  it('calls the host of a given queue URL, so the SDK has nothing to warn about', async () => {
    // The SDK warns on the console when a QueueUrl's host is not the client's endpoint.
    const client = createSqsClient('eu-west-1', DLQ_URL);
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('sqs.us-east-1.amazonaws.com');
    client.destroy();
  });

  it('redrive says in one line that SQS cannot be reached', async () => {
    sqs.on(GetQueueAttributesCommand).rejects(unreachable());

    const { code, stderr } = await cli(['dlq', 'redrive', '--dlq-url', DLQ_URL]);

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^athena-cost: cannot read the dead-letter queue ARN: cannot reach SQS for \S+: host not found\n/,
    );
    expect(stderr).not.toContain('getaddrinfo');
  });
});
