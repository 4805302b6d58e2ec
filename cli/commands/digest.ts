import { digestDay, loadDailyDigest } from '../../lib/digest/daily-digest.js';
import { digestJson, digestMarkdown, digestText } from '../../lib/digest/render-digest.js';
import { wireDigestSources } from '../../lib/wiring/wire-daily-digest.js';
import { AwsServices, budgetAlarmSettings } from '../aws-services.js';
import { defineCommand } from '../command.js';
import { createSqsClient } from '../dead-letter-queue.js';
import { dayOption, queueUrlOption } from '../options.js';

export default defineCommand({
  name: 'digest',
  summary: "A day's summary: cost vs the day before and the week, top spenders, risks, actions",
  description: `
What the digest function publishes every morning, on demand: the day's total cost and DPU-hours
against the day before and the average of the 7 days before, the 5 workgroups and queries that
cost most, week and month budgets whose forecast reaches their limit, the threshold actions of
the day, the queries reconciliation recorded (ReconciledQueries in $METRICS_NAMESPACE) and the
messages in the dead-letter queue (--dlq-url, else $DLQ_URL). Its usage figures are those of
'athena-cost report --from DAY --to DAY --by workgroup --top 5'; budgets are 'status' at the
day's end. A figure that cannot be read is shown as unknown.`,
  options: {
    day: {
      type: 'string',
      valueName: 'YYYY-MM-DD',
      description: 'The UTC day to summarise (default: yesterday)',
      schema: dayOption,
    },
    'dlq-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Dead-letter queue URL (default: $DLQ_URL)',
      schema: queueUrlOption,
    },
  },
  formats: ['text', 'json', 'markdown'],
  examples: [
    'athena-cost digest',
    'athena-cost digest --day 2026-11-25 --format markdown > digest.md',
  ],
  async run(context) {
    const day = digestDay(context.flags.day, context.now());
    const services = new AwsServices(context.region);
    const queueUrl = context.flags.dlqUrl ?? (context.env.DLQ_URL?.trim() || undefined);
    const sqs = queueUrl === undefined ? undefined : createSqsClient(context.region);
    try {
      const digest = await loadDailyDigest(
        wireDigestSources({
          documents: context.documents(),
          tableName: context.tableName,
          cloudWatch: {
            client: services.cloudWatch(),
            namespace: budgetAlarmSettings(undefined, context.env).namespace,
          },
          ...(sqs === undefined || queueUrl === undefined
            ? {}
            : { deadLetters: { sqs, queueUrl } }),
          onWarning: context.warn,
        }),
        day,
      );
      const render = { text: digestText, json: digestJson, markdown: digestMarkdown } as const;
      const format =
        context.format === 'json' || context.format === 'markdown' ? context.format : 'text';
      context.stdout.write(render[format](digest));
      return 0;
    } finally {
      services.close();
      sqs?.destroy();
    }
  },
});
