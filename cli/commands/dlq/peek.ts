import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { defineCommand } from '../../command.js';
import {
  createSqsClient,
  diagnosePoisonRecord,
  sqsFailure,
  truncateBody,
  withholdSqlText,
} from '../../dead-letter-queue.js';
import { UsageError } from '../../errors.js';
import { queueUrlOption, wholeNumberOption } from '../../options.js';
import { renderTable } from '../../output/table.js';

/** How long peeked messages stay hidden from other readers (a redrive included). */
export const PEEK_VISIBILITY_SECONDS = 15;
const MAX_PEEK = 100;
const BODY_COLUMN = 80;
const BODY_JSON = 2_000;

export default defineCommand({
  name: 'dlq peek',
  summary:
    'Show the messages in the ingest dead-letter queue and why they failed, without removing them',
  description: `
Receives up to --max messages from the dead-letter queue without deleting them and shows each
one's message id, receive count, the reason it fails (the body run through the same parser as
the ingest function) and the body, truncated, with the SQL text of a CloudTrail record withheld. Peeked messages stay hidden for
${PEEK_VISIBILITY_SECONDS} seconds, and each peek adds one to their receive count. The queue is --dlq-url,
else $DLQ_URL (the stack output IngestDeadLetterQueueUrl).`,
  options: {
    'dlq-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Dead-letter queue URL (default: $DLQ_URL)',
      schema: queueUrlOption,
    },
    max: {
      type: 'string',
      valueName: 'N',
      description: `Messages to show, 1 to ${MAX_PEEK} (default: 10)`,
      default: '10',
      schema: wholeNumberOption(1, MAX_PEEK),
    },
  },
  formats: ['table', 'json'],
  usesTable: false,
  examples: [
    'athena-cost dlq peek --dlq-url https://sqs.us-east-1.amazonaws.com/123456789012/athena-cost-prod-ingest-dlq',
    'DLQ_URL=... athena-cost dlq peek --max 50 --format json',
  ],
  async run(context) {
    const queueUrl = context.flags.dlqUrl ?? context.env.DLQ_URL;
    if (!queueUrl) {
      throw new UsageError(
        'no dead-letter queue: pass --dlq-url URL or set DLQ_URL (stack output IngestDeadLetterQueueUrl)',
      );
    }
    const max = context.flags.max;
    const sqs = createSqsClient(context.region, queueUrl);
    const messages: Message[] = [];
    const seen = new Set<string>();
    try {
      receiving: while (messages.length < max) {
        const output = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, max - messages.length),
            VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        );
        const received = output.Messages ?? [];
        if (received.length === 0) break;
        for (const message of received) {
          const id = message.MessageId ?? '';
          // Seen again: the first ones are visible again, so the queue has been gone through.
          if (seen.has(id)) break receiving;
          seen.add(id);
          messages.push(message);
        }
      }
    } catch (error) {
      throw sqsFailure('cannot receive from the dead-letter queue', queueUrl, error);
    } finally {
      sqs.destroy();
    }

    const rows = messages.map((message) => {
      const body = message.Body ?? '';
      const diagnosis = diagnosePoisonRecord(body);
      const sent = Number(message.Attributes?.SentTimestamp);
      return {
        messageId: message.MessageId ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : undefined,
        queryExecutionId: diagnosis.queryExecutionId,
        state: diagnosis.state,
        reason: diagnosis.reason,
        bodyBytes: Buffer.byteLength(body),
        body: withholdSqlText(body),
      };
    });
    if (context.format === 'json') {
      const json = rows.map((row) => ({ ...row, body: truncateBody(row.body, BODY_JSON) }));
      context.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      context.stdout.write('The dead-letter queue is empty.\n');
      return 0;
    }
    context.stdout.write(
      renderTable(
        [
          { header: 'MESSAGE ID' },
          { header: 'RECEIVES' },
          { header: 'QUERY ID' },
          { header: 'REASON' },
          { header: 'BODY' },
        ],
        rows.map((row) => [
          row.messageId,
          row.receiveCount,
          row.queryExecutionId,
          row.reason,
          truncateBody(row.body, BODY_COLUMN),
        ]),
      ),
    );
    context.stdout.write(
      `\n${rows.length} message${rows.length === 1 ? '' : 's'} shown (left in the queue). After fixing the cause: athena-cost dlq redrive\n`,
    );
    return 0;
  },
});
