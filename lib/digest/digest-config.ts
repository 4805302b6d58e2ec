// zod/mini, as lib/config.ts: the full zod build would triple the function's bundle.
import * as z from 'zod/mini';
import { parseEnvironment } from '../config.js';

const DigestConfigSchema = z.object({
  ALERTS_TOPIC_ARN: z
    .string({ error: 'ALERTS_TOPIC_ARN is required: the digest is published there' })
    .check(z.minLength(1, 'ALERTS_TOPIC_ARN is required: the digest is published there')),
  DLQ_URL: z.optional(z.string()),
});

export interface DigestConfig {
  readonly alertsTopicArn: string;
  /** The ingest dead-letter queue whose depth the digest reports; unset: "unknown". */
  readonly deadLetterQueueUrl: string | undefined;
}

/** The digest function's own settings; fails naming every bad variable. */
export function loadDigestConfig(env: NodeJS.ProcessEnv = process.env): DigestConfig {
  const values = parseEnvironment(DigestConfigSchema, env);
  return {
    alertsTopicArn: values.ALERTS_TOPIC_ARN,
    deadLetterQueueUrl: values.DLQ_URL === '' ? undefined : values.DLQ_URL,
  };
}
