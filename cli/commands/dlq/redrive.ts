import { GetQueueAttributesCommand, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { defineCommand } from '../../command.js';
import { createSqsClient, sqsFailure } from '../../dead-letter-queue.js';
import { UsageError } from '../../errors.js';

const got = (issue: { input: unknown }) => `, got '${String(issue.input)}'`;

const RedriveFlags = z.object({
  'dlq-arn': z
    .string()
    .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/, {
      error: (issue) => `must be an SQS queue ARN${got(issue)}`,
    })
    .optional(),
  'dlq-url': z.url({ error: (issue) => `must be a queue URL${got(issue)}` }).optional(),
  'max-per-second': z
    .string()
    .regex(/^\d+$/, { error: (issue) => `must be a whole number${got(issue)}` })
    .transform(Number)
    .refine((rate) => rate >= 1 && rate <= 500, { error: 'must be between 1 and 500' })
    .optional(),
});

export default defineCommand({
  name: 'dlq redrive',
  summary: 'Move the dead-letter queue messages back to the ingest queue (StartMessageMoveTask)',
  usage:
    'athena-cost dlq redrive [--dlq-arn ARN | --dlq-url URL] [--max-per-second N] [--format table|json]',
  description: `
Starts an SQS message move task from the dead-letter queue back to the queue its messages came
from (the ingest queue), and prints the task handle. Redrive after fixing what made them fail:
ingest records each query once, so redriving messages whose queries were recorded meanwhile (by
a redelivery or by reconcile) counts nothing twice. The queue is --dlq-arn, else $DLQ_ARN, else
the ARN of --dlq-url or $DLQ_URL (stack outputs IngestDeadLetterQueueArn and
IngestDeadLetterQueueUrl). SQS runs one move task per queue at a time.`,
  options: {
    'dlq-arn': {
      type: 'string',
      valueName: 'ARN',
      description: 'Dead-letter queue ARN (default: $DLQ_ARN)',
    },
    'dlq-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Dead-letter queue URL, when no ARN is given (default: $DLQ_URL)',
    },
    'max-per-second': {
      type: 'string',
      valueName: 'N',
      description: 'Messages moved per second, 1 to 500 (default: as fast as SQS goes)',
    },
  },
  formats: ['table', 'json'],
  usesTable: false,
  examples: [
    'athena-cost dlq redrive --dlq-arn arn:aws:sqs:us-east-1:123456789012:athena-cost-prod-ingest-dlq',
    'DLQ_URL=... athena-cost dlq redrive --max-per-second 10',
  ],
  flags: RedriveFlags,
  async run(context) {
    const { flags } = context;
    const url = flags['dlq-url'] ?? context.env.DLQ_URL;
    let sourceArn = flags['dlq-arn'] ?? context.env.DLQ_ARN;
    if (!sourceArn && !url) {
      throw new UsageError(
        'no dead-letter queue: pass --dlq-arn ARN or --dlq-url URL, or set DLQ_ARN or DLQ_URL',
      );
    }
    const sqs = createSqsClient(context.region);
    try {
      if (!sourceArn && url) {
        try {
          const attributes = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
          );
          sourceArn = attributes.Attributes?.QueueArn;
        } catch (error) {
          throw sqsFailure('cannot read the dead-letter queue ARN', url, error);
        }
        if (!sourceArn)
          throw sqsFailure('cannot read the dead-letter queue ARN', url, 'no QueueArn');
      }
      const arn = sourceArn as string;
      let taskHandle: string | undefined;
      try {
        const output = await sqs.send(
          new StartMessageMoveTaskCommand({
            SourceArn: arn,
            ...(flags['max-per-second'] === undefined
              ? {}
              : { MaxNumberOfMessagesPerSecond: flags['max-per-second'] }),
          }),
        );
        taskHandle = output.TaskHandle;
      } catch (error) {
        throw sqsFailure('cannot start the redrive', arn, error);
      }
      if (context.format === 'json') {
        context.stdout.write(`${JSON.stringify({ sourceArn: arn, taskHandle }, null, 2)}\n`);
      } else {
        context.stdout.write(
          `Redrive started: ${arn} -> its source queue\nTask handle: ${taskHandle ?? '(none returned)'}\n` +
            `Follow it with: aws sqs list-message-move-tasks --source-arn ${arn}\n`,
        );
      }
      return 0;
    } finally {
      sqs.destroy();
    }
  },
});
