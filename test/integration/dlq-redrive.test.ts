import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type SqsStandIn, startSqsStandIn } from '../../local/stand-ins/sqs-stand-in.js';
import { aStateChangeEvent } from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';

/**
 * The dead-letter queue holds two kinds of message: events the ingest queue gave up on (moved by
 * its redrive policy, so SQS knows their source queue) and events EventBridge could not deliver
 * (sent to the DLQ directly: no source queue). Against a stand-in with StartMessageMoveTask's
 * documented semantics, `dlq redrive` must bring both back to the ingest queue.
 */

let sqsStandIn: SqsStandIn;
let sqs: SQSClient;
let run = 0;
let ingest: { url: string; arn: string };
let dlq: { url: string; arn: string };

beforeAll(async () => {
  sqsStandIn = await startSqsStandIn();
  sqs = new SQSClient({ endpoint: sqsStandIn.endpoint, region: 'us-east-1', maxAttempts: 1 });
});

afterAll(async () => {
  sqs.destroy();
  await sqsStandIn.close();
});

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const url = QueueUrl as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return { url, arn: Attributes?.QueueArn as string };
}

beforeEach(async () => {
  run += 1;
  dlq = await createQueue(`athena-cost-test-${run}-ingest-dlq`);
  ingest = await createQueue(`athena-cost-test-${run}-ingest`, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
  });
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqsStandIn.endpoint);
  vi.stubEnv('DLQ_URL', '');
  vi.stubEnv('DLQ_ARN', '');
  vi.stubEnv('INGEST_QUEUE_ARN', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** One event the ingest queue gave up on (received twice, never deleted). */
async function deadLetterThroughRedrive(body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: ingest.url, MessageBody: body }));
  for (let receive = 0; receive < 3; receive++) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: ingest.url, VisibilityTimeout: 0 }));
  }
}

/** One event EventBridge could not deliver: its target's DeadLetterConfig sends it directly. */
async function deadLetterFromEventBridge(body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: body }));
}

const bodiesIn = (url: string) =>
  sqsStandIn.queues.get(url.split('/').at(-1) as string)?.messages.map((message) => message.body);

const fromIngest = JSON.stringify(aStateChangeEvent('from-ingest-queue'));
const fromEventBridge = JSON.stringify(aStateChangeEvent('from-eventbridge'));

describe('the SQS stand-in (StartMessageMoveTask as documented)', () => {
  it('moves a message past maxReceiveCount to the DLQ, remembering its source queue', async () => {
    await deadLetterThroughRedrive(fromIngest);
    expect(bodiesIn(ingest.url)).toEqual([]);
    expect(bodiesIn(dlq.url)).toEqual([fromIngest]);
    expect(
      sqsStandIn.queues.get(dlq.url.split('/').at(-1) as string)?.messages[0]?.deadLetterSourceArn,
    ).toBe(ingest.arn);
  });

  it('without DestinationArn, fails on a message that has no source queue and leaves it', async () => {
    await deadLetterFromEventBridge(fromEventBridge);

    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));

    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    expect(Results?.[0]).toMatchObject({ Status: 'FAILED', ApproximateNumberOfMessagesMoved: 0 });
    expect(Results?.[0]?.FailureReason).toContain('no source queue');
    expect(bodiesIn(dlq.url)).toEqual([fromEventBridge]);
    expect(bodiesIn(ingest.url)).toEqual([]);
  });
});

describe('athena-cost dlq redrive', () => {
  it('moves both kinds of dead letter to the ingest queue, found from the DLQ alone', async () => {
    await deadLetterThroughRedrive(fromIngest);
    await deadLetterFromEventBridge(fromEventBridge);

    const { code, stdout, stderr } = await runCliInMemory(
      ['dlq', 'redrive', '--dlq-url', dlq.url, '--region', 'us-east-1', '--format', 'json'],
      { env: process.env },
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ sourceArn: dlq.arn, destinationArn: ingest.arn });
    expect(bodiesIn(dlq.url)).toEqual([]);
    expect(bodiesIn(ingest.url)?.sort()).toEqual([fromIngest, fromEventBridge].sort());
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn }));
    expect(Results?.[0]).toMatchObject({
      Status: 'COMPLETED',
      ApproximateNumberOfMessagesMoved: 2,
    });
  });

  it('takes the destination from INGEST_QUEUE_ARN, and names a missing queue', async () => {
    await deadLetterFromEventBridge(fromEventBridge);
    vi.stubEnv('INGEST_QUEUE_ARN', ingest.arn);

    const moved = await runCliInMemory(
      ['dlq', 'redrive', '--dlq-arn', dlq.arn, '--region', 'us-east-1'],
      {
        env: process.env,
      },
    );
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain(`Redrive started: ${dlq.arn} -> ${ingest.arn}`);
    expect(bodiesIn(ingest.url)).toEqual([fromEventBridge]);

    const missing = await runCliInMemory(
      ['dlq', 'redrive', '--dlq-url', `${dlq.url}-gone`, '--region', 'us-east-1'],
      { env: process.env },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });

  it('peeks at both kinds and says why each failed, leaving them in the queue', async () => {
    await deadLetterThroughRedrive(fromIngest);
    await deadLetterFromEventBridge('{"not": "an event"}');

    const { code, stdout } = await runCliInMemory(
      ['dlq', 'peek', '--dlq-url', dlq.url, '--region', 'us-east-1', '--format', 'json'],
      { env: process.env },
    );

    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { queryExecutionId?: string; reason: string }[];
    expect(rows.map((row) => row.queryExecutionId ?? row.reason.slice(0, 9)).sort()).toEqual(
      ['from-ingest-queue', 'malformed'].sort(),
    );
    expect(bodiesIn(dlq.url)).toHaveLength(2);
  });
});
