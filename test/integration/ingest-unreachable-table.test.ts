import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/environment/dynamodb-local.js';
import { aQueryExecution } from '../support/factories.js';
import { eventsFor, type IngestHarness, startIngestHarness } from '../support/ingest-harness.js';

let harness: IngestHarness;

beforeAll(async () => {
  // Nothing listens on this port: every DynamoDB call is refused, as when the table is unreachable.
  harness = await startIngestHarness({
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await freePort()}`,
  });
});

afterAll(async () => {
  await harness?.close();
});

describe('ingest handler with an unreachable table', () => {
  it('does not crash, fails every record for redelivery and publishes no metrics', async () => {
    const executions = [
      aQueryExecution({ workgroup: 'unreachable' }),
      aQueryExecution({ workgroup: 'unreachable' }),
    ];
    harness.addExecutions(executions);

    const failed = await harness.deliver(eventsFor(executions));

    expect(failed).toHaveLength(2);
    expect(harness.cloudWatch.calls.get('PutMetricData') ?? 0).toBe(0);
    expect(await harness.counter('unreachable', 'day#2026-11-25')).toMatchObject({ exists: false });
  });
});
