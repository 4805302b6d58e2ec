import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aQueryExecution } from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { eventsFor, type IngestHarness, startIngestHarness } from '../support/ingest-harness.js';

/** The opt-in copy: 80 characters of each query's SQL text, redacted. */
const CHARS = 80;
let harness: IngestHarness;

beforeAll(async () => {
  harness = await startIngestHarness({ REDACTED_SQL_CHARS: String(CHARS) });
});

afterAll(async () => {
  await harness?.close();
});

describe('REDACTED_SQL_CHARS (opt-in redacted SQL for the top queries)', () => {
  const sql =
    '/* {"app": "dbt", "node_id": "model.shop.customers"} */\n' +
    "select * from customers where email = 'ana@example.com' and card = 4111111111111111 -- athena-cost: team=crm\n" +
    'union all select * from customers_archive where id in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)';
  const execution = aQueryExecution({ workgroup: 'crm', dpuCount: 8, query: sql });
  const id = execution.QueryExecutionId ?? '';

  beforeAll(async () => {
    harness.addExecutions([execution]);
    expect(await harness.deliver(eventsFor([execution]))).toEqual([]);
  });

  it('keeps a redacted, cut copy on the query record, and nothing of the literals', async () => {
    const record = (
      await harness.table.documents.send(
        new GetCommand({ TableName: harness.table.name, Key: { pk: `QUERY#${id}`, sk: 'QUERY' } }),
      )
    ).Item;
    expect(record?.sqlRedacted).toBe(
      "select * from customers where email = '?' and card = ? union all select * from …",
    );
    expect(String(record?.sqlRedacted)).toHaveLength(CHARS);
    expect(JSON.stringify(record)).not.toMatch(/ana@example|4111/);
    // Attribution is read from the text as before.
    expect(record).toMatchObject({ dbtModel: 'model.shop.customers', tags: { team: 'crm' } });
  });

  it('shows the copy with the top queries, in JSON, the table and HTML', async () => {
    const report = (format: string) =>
      runCliInMemory(
        [
          ...[
            'report',
            '--table',
            harness.table.name,
            '--from',
            '2026-11-25',
            '--to',
            '2026-11-25',
          ],
          ...['--workgroup', 'crm', '--top', '1', '--format', format],
        ],
        {
          env: {
            AWS_ENDPOINT_URL_DYNAMODB: harness.table.endpoint,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
          },
        },
      );
    const json = JSON.parse((await report('json')).stdout);
    expect(json.topQueries).toEqual([
      expect.objectContaining({
        queryExecutionId: id,
        sqlRedacted: expect.stringContaining("where email = '?' and card = ?"),
      }),
    ]);
    expect((await report('table')).stdout).toContain(`${id}  select * from customers where`);
    expect((await report('html')).stdout).toContain(
      '<code class="sql">select * from customers where email = &#39;?&#39;',
    );
  });
});
