import { randomUUID } from 'node:crypto';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbQueryRecordStore } from '../../lib/store/dynamodb-query-record-store.js';
import { deriveQueryUsage } from '../../lib/usage/query-usage.js';
import { seededRandom } from '../../local/simulation/seeded-random.js';
import { attributionCountersOf } from '../support/attribution-counters.js';
import { aQueryExecution } from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { eventsFor, type IngestHarness, startIngestHarness } from '../support/ingest-harness.js';

const DAY = '2026-11-25';
/** A small cap, so that a test reaches it. */
const CAP = 3;
let harness: IngestHarness;

const aWorkgroup = () => `wg-${randomUUID().slice(0, 8)}`;

const dbtQuery = (model: string) =>
  `/* {"app": "dbt", "dbt_version": "1.8.7", "profile_name": "lake", "target_name": "prod", "node_id": "${model}"} */\n` +
  `create table "lake"."${model.split('.').pop()}__dbt_tmp" as select * from sales where email = 'ana@example.com'`;

beforeAll(async () => {
  harness = await startIngestHarness({ ATTRIBUTION_VALUES_PER_DAY: String(CAP) });
});

afterAll(async () => {
  await harness?.close();
});

/** The attribution counters of a key for a period key, by `workgroup#value`. */
const attributionCounters = (key: string, periodKey: string) =>
  attributionCountersOf(harness.table, key, periodKey);

describe('attribution in the ingest transactions', () => {
  it('counts each dbt model and tag value once under redelivery, and keeps no SQL text', async () => {
    // Prepare: 30 queries of 3 dbt models and 2 teams, and 10 untagged ones.
    const workgroup = aWorkgroup();
    const models = ['model.shop.orders', 'model.shop.customers', 'model.shop.payments'];
    const tagged: QueryExecution[] = Array.from({ length: 30 }, (_, index) =>
      aQueryExecution({
        workgroup,
        engineMs: 1_000 * (index + 1),
        dpuCount: 4,
        query: `${dbtQuery(models[index % 3] ?? '')}\n-- athena-cost: team=${index % 2 ? 'finance' : 'growth'} job=nightly`,
      }),
    );
    const plain = Array.from({ length: 10 }, () => aQueryExecution({ workgroup, dpuCount: 4 }));
    const executions = [...tagged, ...plain];
    harness.addExecutions(executions);
    const events = eventsFor(executions);
    const random = seededRandom(15);
    // Act: every event three times, shuffled into batches, two of them at the same time.
    const redelivered = [...events, ...events, ...events]
      .map((event) => ({ event, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map(({ event }) => event);
    const batches = Array.from({ length: 6 }, (_, index) =>
      redelivered.slice(index * 20, index * 20 + 20),
    );
    const failed = await Promise.all([
      harness.deliver(batches[0] ?? []),
      harness.deliver(batches[1] ?? []),
    ]);
    for (const batch of batches.slice(2)) failed.push(await harness.deliver(batch));
    // Assess
    expect(failed.flat()).toEqual([]);
    const dpuMillisOf = (list: readonly QueryExecution[]) =>
      list.reduce((sum, e) => sum + 4 * (e.Statistics?.EngineExecutionTimeInMillis ?? 0), 0);
    const byModel = await attributionCounters('dbt.model', `day#${DAY}`);
    for (const [index, model] of models.entries()) {
      const ofModel = tagged.filter((_, i) => i % 3 === index);
      expect(byModel.get(`${workgroup}#${model}`)).toMatchObject({
        queries: 10,
        dpuMillis: dpuMillisOf(ofModel),
      });
    }
    const byTeam = await attributionCounters('tag:team', 'week#2026-W48');
    expect(byTeam.get(`${workgroup}#finance`)).toMatchObject({ queries: 15 });
    expect(byTeam.get(`${workgroup}#growth`)).toMatchObject({ queries: 15 });
    const byJob = await attributionCounters('tag:job', 'month#2026-11');
    expect(byJob.get(`${workgroup}#nightly`)).toMatchObject({
      queries: 30,
      dpuMillis: dpuMillisOf(tagged),
    });
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 40 });
    // The query record names the model and tags, never the SQL (with its e-mail address).
    const record = (
      await harness.table.documents.send(
        new GetCommand({
          TableName: harness.table.name,
          Key: { pk: `QUERY#${tagged[0]?.QueryExecutionId}`, sk: 'QUERY' },
        }),
      )
    ).Item;
    expect(record).toMatchObject({
      dbtModel: 'model.shop.orders',
      dbtTarget: 'prod',
      tags: { team: 'growth', job: 'nightly' },
    });
    expect(JSON.stringify(record)).not.toMatch(/select|ana@example/i);
  });

  it(`keeps ${CAP} values of a key per workgroup and day, counting the rest as (other), across writers`, async () => {
    // Prepare: 8 teams of 2 queries each; the handler and a second store (another Lambda
    // instance) record them at the same time.
    const workgroup = aWorkgroup();
    const executions = Array.from({ length: 16 }, (_, index) =>
      aQueryExecution({ workgroup, query: `select 1 -- athena-cost: team=t${index % 8}` }),
    );
    harness.addExecutions(executions);
    const other = new DynamoDbQueryRecordStore(harness.table.documents, {
      tableName: harness.table.name,
      queryRecordTtlDays: 400,
      attributionValuesPerDay: CAP,
    });
    const usages = executions.slice(8).map((execution) => {
      const derived = deriveQueryUsage(execution, {
        pricePerDpuHourUsd: 0.3,
        pricePerTbScannedUsd: 5,
      });
      if (!derived.ok) throw new Error(derived.reason);
      return derived.usage;
    });
    // Act
    const [failed, outcome] = await Promise.all([
      harness.deliver(eventsFor(executions.slice(0, 8))),
      other.recordQueries(usages),
    ]);
    // Redelivery of everything counts nothing twice.
    expect(await harness.deliver(eventsFor(executions))).toEqual([]);
    // Assess
    expect(failed).toEqual([]);
    expect(outcome.failed).toEqual([]);
    const counters = [...(await attributionCounters('tag:team', `day#${DAY}`))].filter(([sk]) =>
      sk.startsWith(`${workgroup}#`),
    );
    const values = counters.map(([sk]) => sk.slice(workgroup.length + 1));
    expect(values).toContain('(other)');
    expect(values.filter((value) => value !== '(other)').length).toBeLessThanOrEqual(CAP);
    const queries = counters.reduce((sum, [, totals]) => sum + totals.queries, 0);
    expect(queries).toBe(16);
    const registry = await harness.table.documents.send(
      new GetCommand({
        TableName: harness.table.name,
        Key: { pk: `ATTRVALUES#${workgroup}#tag:team`, sk: `day#${DAY}` },
        ConsistentRead: true,
      }),
    );
    expect(registry.Item?.values).toEqual(new Set(values.filter((value) => value !== '(other)')));
    expect(values).toHaveLength(CAP + 1);
  });
});

describe('athena-cost report --by dbt-model|tag:KEY', () => {
  const REPORT_DAY = '2026-11-20';
  const range = ['--from', REPORT_DAY, '--to', REPORT_DAY];
  const report = (args: readonly string[]) =>
    runCliInMemory(['report', '--table', harness.table.name, ...range, ...args], {
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: harness.table.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    });

  beforeAll(async () => {
    // Two workgroups; 24 DPU x 60 s = 0.4 DPU-hours = $0.12 a query.
    const store = new DynamoDbQueryRecordStore(harness.table.documents, {
      tableName: harness.table.name,
      queryRecordTtlDays: 400,
    });
    const plan = [
      ['etl', 'model.shop.orders', 'finance'],
      ['etl', 'model.shop.orders', 'finance'],
      ['bi', 'model.shop.orders', 'growth'],
      ['etl', 'model.shop.customers', 'growth'],
    ] as const;
    const usages = plan.map(([workgroup, model, team]) => {
      const derived = deriveQueryUsage(
        aQueryExecution({
          workgroup,
          completedAt: new Date(`${REPORT_DAY}T08:00:00Z`),
          query: `${dbtQuery(model)} -- athena-cost: team=${team}`,
        }),
        { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 },
      );
      if (!derived.ok) throw new Error(derived.reason);
      return derived.usage;
    });
    expect((await store.recordQueries(usages)).failed).toEqual([]);
  });

  it('gives JSON rows per dbt model, across workgroups, most expensive first', async () => {
    const { code, stdout, stderr } = await report(['--by', 'dbt-model', '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.rows).toEqual([
      {
        key: 'dbt.model',
        value: 'model.shop.orders',
        period: `${REPORT_DAY}..${REPORT_DAY}`,
        queries: 3,
        failedQueries: 0,
        dpuHours: 1.2,
        dataScannedBytes: 3 * 123_456_789,
        costUsd: 0.36,
      },
      expect.objectContaining({ value: 'model.shop.customers', queries: 1, costUsd: 0.12 }),
    ]);
    expect(json.total).toMatchObject({ queries: 4, costUsd: 0.48 });
  });

  it('keeps the top N tag values, filters by workgroup, and writes CSV', async () => {
    const top = await report(['--by', 'tag:team', '--top', '1', '--format', 'csv']);
    expect(top.stdout).toBe(
      'key,value,period,queries,failedQueries,dpuHours,dataScannedBytes,costUsd\r\n' +
        `tag:team,finance,${REPORT_DAY}..${REPORT_DAY},2,0,0.8,246913578,0.24\r\n`,
    );
    const etl = await report(['--by', 'tag:team', '--workgroup', 'bi', '--format', 'json']);
    expect(JSON.parse(etl.stdout).rows.map((row: { value: string }) => row.value)).toEqual([
      'growth',
    ]);
  });

  it('gives a row per value and ISO week or month with --period, keeping --top per period', async () => {
    const week = await report(['--by', 'dbt-model', '--period', 'week', '--format', 'json']);
    expect(week.stderr).toBe('');
    const weekJson = JSON.parse(week.stdout);
    expect(weekJson.period).toBe('week');
    expect(weekJson.rows).toEqual([
      expect.objectContaining({ value: 'model.shop.orders', period: '2026-W47', queries: 3 }),
      expect.objectContaining({ value: 'model.shop.customers', period: '2026-W47', queries: 1 }),
    ]);
    // The month holds other tests' days too: etl's alone are this test's.
    const month = await report([
      ...['--by', 'tag:team', '--period', 'month', '--top', '1', '--workgroup', 'etl'],
    ]);
    expect(month.stdout).toMatch(/finance\s+2026-11\s+2 /);
    expect(month.stdout).not.toContain('growth');
    expect(month.stdout).toContain('TOTAL (2 values, 1 rows shown)');
    const workgroupRows = await report(['--by', 'workgroup', '--period', 'week']);
    expect(workgroupRows.code).toBe(2);
    expect(workgroupRows.stderr).toContain(
      '--period goes with --by dbt-model or tag:KEY; --by workgroup has its own periods',
    );
  });

  it('prints a table and HTML, and refuses a bad key with a clear message', async () => {
    const table = await report(['--by', 'tag:team']);
    expect(table.stdout).toMatch(/VALUE[\s\S]*finance[\s\S]*growth[\s\S]*TOTAL/);
    const badKey = await report(['--by', 'tag:Bad Key']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain(
      "--by must be one of day, week, month, workgroup, reservation, principal, dbt-model, tag:<key>, got 'tag:Bad Key'",
    );
    const html = await report(['--by', 'tag:job', '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('>Top tags: job</h2>');
    expect(html.stdout).toContain('No usage with tag:job in this range.');
    expect(html.stdout).toMatch(/>Top dbt models<\/h2>[\s\S]*data-value="model.shop.orders"/);
  });
});
