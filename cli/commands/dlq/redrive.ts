import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { defineCommand } from '../../command.js';
import { createSqsClient, sqsFailure } from '../../dead-letter-queue.js';
import { UsageError } from '../../errors.js';
import { got, queueUrlOption, wholeNumberOption } from '../../options.js';

const SQS_QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const queueArn = z
  .string()
  .regex(SQS_QUEUE_ARN, { error: (issue) => `must be an SQS queue ARN${got(issue)}` });

export default defineCommand({
  name: 'dlq redrive',
  summary: 'Move the dead-letter queue messages back to the ingest queue (StartMessageMoveTask)',
  description: `
Starts an SQS message move task from the dead-letter queue to the ingest queue, and prints the
task handle. The destination is named, never left to SQS: the DLQ also holds the events
EventBridge could not deliver, which have no SQS source queue to go back to. It is
--to-queue-arn, else $INGEST_QUEUE_ARN (stack output IngestQueueArn), else the one queue whose
redrive policy points at the DLQ (ListDeadLetterSourceQueues). Redrive after fixing what made them fail:
ingest records each query once, so redriving messages whose queries were recorded meanwhile (by
a redelivery or by reconcile) counts nothing twice. The queue is --dlq-arn, else $DLQ_ARN, else
the ARN of --dlq-url or $DLQ_URL (stack outputs IngestDeadLetterQueueArn and
IngestDeadLetterQueueUrl). SQS runs one move task per queue at a time.`,
  options: {
    'dlq-arn': {
      type: 'string',
      valueName: 'ARN',
      description: 'Dead-letter queue ARN (default: $DLQ_ARN)',
      schema: queueArn,
    },
    'dlq-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Dead-letter queue URL, when no ARN is given (default: $DLQ_URL)',
      schema: queueUrlOption,
    },
    'to-queue-arn': {
      type: 'string',
      valueName: 'ARN',
      description:
        "Queue to move the messages to (default: $INGEST_QUEUE_ARN, else the DLQ's one source queue)",
      schema: queueArn,
    },
    'max-per-second': {
      type: 'string',
      valueName: 'N',
      description: 'Messages moved per second, 1 to 500 (default: as fast as SQS goes)',
      schema: wholeNumberOption(1, 500),
    },
  },
  formats: ['table', 'json'],
  usesTable: false,
  examples: [
    'athena-cost dlq redrive --dlq-arn arn:aws:sqs:us-east-1:123456789012:athena-cost-prod-ingest-dlq',
    'DLQ_URL=... athena-cost dlq redrive --max-per-second 10',
  ],
  async run(context) {
    const { flags } = context;
    const url = flags.dlqUrl || context.env.DLQ_URL || undefined;
    let sourceArn = flags.dlqArn ?? context.env.DLQ_ARN;
    if (!sourceArn && !url) {
      throw new UsageError(
        'no dead-letter queue: pass --dlq-arn ARN or --dlq-url URL, or set DLQ_ARN or DLQ_URL',
      );
    }
    let destinationArn = flags.toQueueArn ?? (context.env.INGEST_QUEUE_ARN || undefined);
    if (destinationArn !== undefined && !SQS_QUEUE_ARN.test(destinationArn)) {
      throw new UsageError(`INGEST_QUEUE_ARN must be an SQS queue ARN, got '${destinationArn}'`);
    }
    const sqs = createSqsClient(context.region, url);
    try {
      if (!sourceArn && url) sourceArn = await queueArnOf(sqs, url, 'dead-letter queue');
      const arn = sourceArn as string;
      destinationArn ??= await soleSourceQueueArn(sqs, url ?? (await queueUrlOf(sqs, arn)), arn);
      let taskHandle: string | undefined;
      try {
        const output = await sqs.send(
          new StartMessageMoveTaskCommand({
            SourceArn: arn,
            DestinationArn: destinationArn,
            ...(flags.maxPerSecond === undefined
              ? {}
              : { MaxNumberOfMessagesPerSecond: flags.maxPerSecond }),
          }),
        );
        taskHandle = output.TaskHandle;
      } catch (error) {
        throw sqsFailure('cannot start the redrive', arn, error);
      }
      if (context.format === 'json') {
        context.stdout.write(
          `${JSON.stringify({ sourceArn: arn, destinationArn, taskHandle }, null, 2)}\n`,
        );
      } else {
        context.stdout.write(
          `Redrive started: ${arn} -> ${destinationArn}\nTask handle: ${taskHandle ?? '(none returned)'}\n` +
            `Follow it with: aws sqs list-message-move-tasks --source-arn ${arn}\n`,
        );
      }
      return 0;
    } finally {
      sqs.destroy();
    }
  },
});

async function queueArnOf(sqs: SQSClient, url: string, what: string): Promise<string> {
  let arn: string | undefined;
  try {
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    arn = attributes.Attributes?.QueueArn;
  } catch (error) {
    throw sqsFailure(`cannot read the ${what} ARN`, url, error);
  }
  if (!arn) throw sqsFailure(`cannot read the ${what} ARN`, url, 'no QueueArn');
  return arn;
}

/** The URL of a queue named by its ARN (`arn:PARTITION:sqs:REGION:ACCOUNT:NAME`). */
async function queueUrlOf(sqs: SQSClient, arn: string): Promise<string> {
  const [, , , , account, name] = arn.split(':');
  try {
    const output = await sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
    );
    if (output.QueueUrl) return output.QueueUrl;
  } catch (error) {
    throw sqsFailure('cannot find the dead-letter queue', arn, error);
  }
  throw sqsFailure('cannot find the dead-letter queue', arn, 'no QueueUrl');
}

/** The ARN of the one queue whose redrive policy names the DLQ: the ingest queue. */
async function soleSourceQueueArn(sqs: SQSClient, dlqUrl: string, dlqArn: string): Promise<string> {
  let sources: string[];
  try {
    const output = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    sources = output.queueUrls ?? [];
  } catch (error) {
    throw sqsFailure('cannot list the queues that use the dead-letter queue', dlqArn, error);
  }
  const [only] = sources;
  if (only === undefined || sources.length > 1) {
    throw new UsageError(
      `cannot tell where to move the messages: ${sources.length} queues use ${dlqArn} as their dead-letter queue; pass --to-queue-arn ARN or set INGEST_QUEUE_ARN (stack output IngestQueueArn)`,
    );
  }
  return queueArnOf(sqs, only, 'ingest queue');
}
