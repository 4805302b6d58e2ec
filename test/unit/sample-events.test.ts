import { readdirSync, readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseIngestMessage } from '../../lib/events/ingest-message.js';
import { parseQueryStateChange } from '../../lib/events/query-state-change.js';

const eventsDirectory = new URL('../../events/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, eventsDirectory), 'utf8');

describe('the sample events in events/', () => {
  it.each(readdirSync(new URL('eventbridge/', eventsDirectory)))(
    '%s is a valid state-change event',
    (file) => {
      const parsed = parseQueryStateChange(read(`eventbridge/${file}`));
      expect(parsed.ok).toBe(true);
    },
  );

  it.each(readdirSync(new URL('cloudtrail/', eventsDirectory)))(
    '%s is a CloudTrail record the ingest reads a caller from',
    (file) => {
      const parsed = parseIngestMessage(read(`cloudtrail/${file}`));
      expect(parsed.ok && parsed.message.kind).toBe('query-started');
    },
  );

  it('the SQS batch holds good records and exactly one malformed one', () => {
    const batch = JSON.parse(read('sqs-batch.json')) as SQSEvent;
    const verdicts = batch.Records.map((record) => parseQueryStateChange(record.body).ok);
    expect(verdicts.filter((ok) => !ok)).toHaveLength(1);
    expect(verdicts.filter((ok) => ok).length).toBeGreaterThanOrEqual(4);
  });
});
