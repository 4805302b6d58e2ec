import { randomUUID } from 'node:crypto';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchClient } from '../../lib/aws/clients.js';
import { CloudWatchMetricsPublisher } from '../../lib/metrics/cloudwatch-metrics-publisher.js';
import { metricPointsOfEntries } from '../../lib/metrics/metrics-outbox.js';
import { DynamoDbMetricsOutbox } from '../../lib/store/dynamodb-metrics-outbox-sweep.js';
import { DynamoDbQueryCallerStore } from '../../lib/store/dynamodb-query-caller-store.js';
import { DynamoDbQueryRecordStore } from '../../lib/store/dynamodb-query-record-store.js';
import { DynamoDbRecordedQueryIndex } from '../../lib/store/dynamodb-recorded-query-index.js';
import { WaitingCallers } from '../../lib/store/waiting-callers.js';
import { deriveQueryUsage } from '../../lib/usage/query-usage.js';
import { type CountingProxy, startCountingProxy } from '../../local/environment/counting-proxy.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/environment/local-account.js';
import { seededRandom } from '../../local/simulation/seeded-random.js';
import { attributionCountersOf } from '../support/attribution-counters.js';
import {
  anAssumedRole,
  anIamUser,
  aQueryExecution,
  aQueryStartedEvent,
} from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { eventsFor, type IngestHarness, startIngestHarness } from '../support/ingest-harness.js';

const DAY = '2026-11-25';
const WEEK = '2026-W48';
const MONTH = '2026-11';
/** A small cap, so that a test reaches it. */
const CAP = 3;
const NAMESPACE = 'AthenaCostMonitor';
const PRICING = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
let harness: IngestHarness;

const aWorkgroup = () => `wg-${randomUUID().slice(0, 8)}`;
const DBT = anAssumedRole('dbt-runner', 'dbt-nightly-20261125');

beforeAll(async () => {
  harness = await startIngestHarness({
    ATTRIBUTE_PRINCIPALS: 'true',
    ATTRIBUTION_VALUES_PER_DAY: String(CAP),
  });
});

afterAll(async () => {
  await harness?.close();
});

/** A workgroup's principal counters of a period key, by principal. */
const principalCounters = (workgroup: string, periodKey: string) =>
  attributionCountersOf(harness.table, 'principal', periodKey, workgroup);

async function queryItem(queryExecutionId: string) {
  const output = await harness.table.documents.send(
    new GetCommand({
      TableName: harness.table.name,
      Key: { pk: `QUERY#${queryExecutionId}`, sk: 'QUERY' },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

const idOf = (execution: QueryExecution) => execution.QueryExecutionId ?? '';

/** Runs `act` with a document client whose calls to the table a counting proxy counts. */
async function withCountedCalls(
  act: (documents: DynamoDBDocumentClient, proxy: CountingProxy) => Promise<void>,
): Promise<void> {
  const proxy = await startCountingProxy(harness.table.endpoint);
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  try {
    await act(documents, proxy);
  } finally {
    documents.destroy();
    await proxy.close();
  }
}
const dpuMillisOf = (executions: readonly QueryExecution[]) =>
  executions.reduce(
    (sum, e) =>
      sum + (e.Statistics?.DpuCount ?? 0) * (e.Statistics?.EngineExecutionTimeInMillis ?? 0),
    0,
  );

describe('the join of a query with its CloudTrail caller', () => {
  it('moves a query counted under unknown to its caller once, in its day, week and month', async () => {
    // Prepare
    const workgroup = aWorkgroup();
    const execution = aQueryExecution({ workgroup, engineMs: 30_000 });
    harness.addExecutions([execution]);
    // Act: the query first, then its CloudTrail record three times.
    expect(await harness.deliver(eventsFor([execution]))).toEqual([]);
    const before = await principalCounters(workgroup, `day#${DAY}`);
    const started = aQueryStartedEvent(idOf(execution), DBT);
    expect(await harness.deliver([started])).toEqual([]);
    expect(await harness.deliver([started, started])).toEqual([]);
    // Assess
    expect(before.get('unknown')).toMatchObject({ queries: 1, dpuMillis: 24 * 30_000 });
    for (const periodKey of [`day#${DAY}`, `week#${WEEK}`, `month#${MONTH}`]) {
      const counters = await principalCounters(workgroup, periodKey);
      expect(counters.get('unknown')).toMatchObject({ queries: 0, dpuMillis: 0, costNanoUsd: 0 });
      expect(counters.get('role/dbt-runner')).toMatchObject({
        queries: 1,
        dpuMillis: 24 * 30_000,
        costNanoUsd: before.get('unknown')?.costNanoUsd,
      });
    }
    expect(await queryItem(idOf(execution))).toMatchObject({
      type: 'query',
      principal: 'role/dbt-runner',
      principalDetail: 'dbt-nightly-20261125',
    });
  });

  it('counts a query whose caller came first under the caller, never under unknown', async () => {
    // Prepare
    const workgroup = aWorkgroup();
    const execution = aQueryExecution({ workgroup });
    harness.addExecutions([execution]);
    // Act: CloudTrail twice, then the state change twice.
    const started = aQueryStartedEvent(idOf(execution), anIamUser('ana'));
    expect(await harness.deliver([started, started])).toEqual([]);
    const waiting = await queryItem(idOf(execution));
    expect(await harness.deliver([...eventsFor([execution]), ...eventsFor([execution])])).toEqual(
      [],
    );
    // Assess: the caller waited on the query's item, with an expiry, and the record replaced it.
    expect(waiting).toMatchObject({ type: 'waiting-caller', caller: 'user/ana' });
    expect(Number(waiting?.expiresAt)).toBeGreaterThan(Date.now() / 1000 + 86_400);
    const counters = await principalCounters(workgroup, `day#${DAY}`);
    expect([...counters.keys()]).toEqual(['user/ana']);
    expect(counters.get('user/ana')).toMatchObject({ queries: 1 });
    expect(await queryItem(idOf(execution))).toMatchObject({
      type: 'query',
      principal: 'user/ana',
    });
    expect(await harness.counter(workgroup, `day#${DAY}`)).toMatchObject({ queries: 1 });
  });

  it('joins a query and its caller delivered in the same batch, in either order, in its recording', async () => {
    const workgroup = aWorkgroup();
    const [first, second] = [aQueryExecution({ workgroup }), aQueryExecution({ workgroup })];
    if (!first || !second) throw new Error('two executions');
    harness.addExecutions([first, second]);
    const role = anAssumedRole('analyst', 'ana');
    expect(
      await harness.deliver([
        aQueryStartedEvent(idOf(first), role),
        ...eventsFor([first, second]),
        aQueryStartedEvent(idOf(second), role),
      ]),
    ).toEqual([]);
    const counters = await principalCounters(workgroup, `day#${DAY}`);
    expect(counters.get('role/analyst')).toMatchObject({ queries: 2 });
    // Recorded under the caller at once: never counted under unknown, so nothing moved.
    expect(counters.has('unknown')).toBe(false);
  });

  it('records a full batch whose waiting callers add more counters than one transaction holds', async () => {
    // Prepare: 4 workgroups x 20 queries, each started by one of 6 users whose CloudTrail
    // records came first: counted under their callers, the batch's principal counters (4 x
    // (3 named + (other)) x day, week, month + registries) do not fit in the transaction its 80
    // records would share as unknown.
    const workgroups = [aWorkgroup(), aWorkgroup(), aWorkgroup(), aWorkgroup()];
    const executions = workgroups.flatMap((workgroup) =>
      Array.from({ length: 20 }, () => aQueryExecution({ workgroup })),
    );
    harness.addExecutions(executions);
    const calls = executions.map((execution, index) =>
      aQueryStartedEvent(idOf(execution), anIamUser(`user${index % 6}`)),
    );
    expect(await harness.deliver(calls)).toEqual([]);
    // Act
    const failed = await harness.deliver(eventsFor(executions));
    // Assess: every query recorded once, under its caller or (other) past the cap, none unknown.
    expect(failed).toEqual([]);
    for (const workgroup of workgroups) {
      expect((await harness.counter(workgroup, `day#${DAY}`)).queries).toBe(20);
      const counters = await principalCounters(workgroup, `day#${DAY}`);
      const queries = [...counters.values()].reduce((sum, totals) => sum + totals.queries, 0);
      expect(queries, workgroup).toBe(20);
      expect(counters.get('unknown')?.queries ?? 0).toBe(0);
    }
  });

  it('counts every query exactly once under its principal, whatever the order, duplicates and concurrency', async () => {
    // Prepare: 40 queries of 3 principals; a fifth of the CloudTrail records never arrive.
    const workgroup = aWorkgroup();
    const random = seededRandom(1515);
    const callers = [
      ['role/dbt-runner', anAssumedRole('dbt-runner', 'run-1')],
      ['role/dbt-runner', anAssumedRole('dbt-runner', 'run-2')],
      ['user/ana', anIamUser('ana')],
      [
        'identity-center/bo@example.com',
        anAssumedRole('AWSReservedSSO_Analyst_0a1b2c', 'bo@example.com'),
      ],
    ] as const;
    const executions = Array.from({ length: 40 }, (_, index) =>
      aQueryExecution({
        workgroup,
        engineMs: 1_000 * (index + 1),
        dpuCount: 4 * (1 + (index % 3)),
        completedAt: new Date(`${DAY}T${String(8 + (index % 10)).padStart(2, '0')}:00:00Z`),
      }),
    );
    harness.addExecutions(executions);
    const truth = new Map<string, QueryExecution[]>();
    const messages: Record<string, unknown>[] = [];
    for (const execution of executions) {
      const [principal, identity] = callers[Math.floor(random() * callers.length)] ?? callers[0];
      const arrives = random() >= 0.2;
      const owner = arrives ? principal : 'unknown';
      truth.set(owner, [...(truth.get(owner) ?? []), execution]);
      const copies = 1 + Math.floor(random() * 2);
      for (let copy = 0; copy < copies; copy++) messages.push(...eventsFor([execution]));
      if (arrives)
        for (let copy = 0; copy < copies; copy++)
          messages.push(aQueryStartedEvent(idOf(execution), identity));
    }
    const shuffled = messages
      .map((message) => ({ message, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map(({ message }) => message);
    // A second Lambda instance attributing the same callers at the same time.
    const otherInstance = new DynamoDbQueryCallerStore(harness.table.documents, {
      tableName: harness.table.name,
      attributionValuesPerDay: CAP,
    });
    const ownCalls = shuffled
      .filter((message) => message['detail-type'] === 'AWS API Call via CloudTrail')
      .slice(0, 15)
      .map((message) => {
        const detail = message.detail as { responseElements: { queryExecutionId: string } };
        const id = detail.responseElements.queryExecutionId;
        const owner = [...truth].find(([, list]) => list.some((e) => idOf(e) === id))?.[0] ?? '';
        return { queryExecutionId: id, caller: { principal: owner } };
      });
    // Act: batches of 12, two at a time, plus the other instance; then everything again.
    const batches = Array.from({ length: Math.ceil(shuffled.length / 12) }, (_, index) =>
      shuffled.slice(index * 12, index * 12 + 12),
    );
    const failed: string[] = [];
    const [otherOutcome] = await Promise.all([
      otherInstance.attributeCallers(ownCalls),
      (async () => {
        for (let index = 0; index < batches.length; index += 2)
          failed.push(
            ...(
              await Promise.all(
                batches.slice(index, index + 2).map((batch) => harness.deliver(batch)),
              )
            ).flat(),
          );
      })(),
    ]);
    expect(await harness.deliver(shuffled.slice(0, 30))).toEqual([]);
    // Assess
    expect(failed).toEqual([]);
    expect(otherOutcome.failures).toEqual(new Map());
    for (const periodKey of [`day#${DAY}`, `week#${WEEK}`, `month#${MONTH}`]) {
      const counters = await principalCounters(workgroup, periodKey);
      for (const [principal, list] of truth)
        expect(counters.get(principal), `${principal} in ${periodKey}`).toMatchObject({
          queries: list.length,
          dpuMillis: dpuMillisOf(list),
        });
      expect(counters.get('unknown')?.queries ?? 0).toBe(truth.get('unknown')?.length ?? 0);
      const queries = [...counters.values()].reduce((sum, totals) => sum + totals.queries, 0);
      expect(queries).toBe(40);
    }
    const workgroupCounter = await harness.counter(workgroup, `day#${DAY}`);
    const principalCost = [...(await principalCounters(workgroup, `day#${DAY}`)).values()].reduce(
      (sum, totals) => sum + totals.costNanoUsd,
      0,
    );
    expect(principalCost).toBe(workgroupCounter.costNanoUsd);
  });

  it('moves a query once when three instances deliver its caller at the same moment', async () => {
    // Prepare: 10 queries recorded under unknown.
    const workgroup = aWorkgroup();
    const executions = Array.from({ length: 10 }, () => aQueryExecution({ workgroup }));
    harness.addExecutions(executions);
    expect(await harness.deliver(eventsFor(executions))).toEqual([]);
    const instances = Array.from(
      { length: 3 },
      () =>
        new DynamoDbQueryCallerStore(harness.table.documents, {
          tableName: harness.table.name,
          attributionValuesPerDay: CAP,
        }),
    );
    const calls = executions.map((execution) => ({
      queryExecutionId: idOf(execution),
      caller: { principal: 'role/etl' },
    }));
    // Act: each instance attributes every caller, all at once.
    const outcomes = await Promise.all(instances.map((store) => store.attributeCallers(calls)));
    // Assess
    expect(outcomes.map((outcome) => outcome.failures.size)).toEqual([0, 0, 0]);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.counts.moved, 0)).toBe(10);
    const counters = await principalCounters(workgroup, `day#${DAY}`);
    expect(counters.get('role/etl')).toMatchObject({ queries: 10 });
    expect(counters.get('unknown')).toMatchObject({ queries: 0, dpuMillis: 0 });
  });

  it('joins a batch of late callers with one BatchGetItem and the fewest transactions 100 actions allow', async () => {
    // Prepare: 4 workgroups x 15 queries recorded under unknown, whose callers (2 principals)
    // come late, and 40 callers of queries not recorded yet (100 callers: an SQS batch at most);
    // the store's calls counted.
    await withCountedCalls(async (documents, proxy) => {
      const workgroups = [aWorkgroup(), aWorkgroup(), aWorkgroup(), aWorkgroup()];
      const executions = workgroups.flatMap((workgroup) =>
        Array.from({ length: 15 }, () => aQueryExecution({ workgroup })),
      );
      harness.addExecutions(executions);
      expect(await harness.deliver(eventsFor(executions))).toEqual([]);
      const principals = ['role/etl', 'user/ana'];
      const late = executions.map((execution, index) => ({
        queryExecutionId: idOf(execution),
        caller: { principal: principals[index % 2] ?? '' },
      }));
      const early = Array.from({ length: 40 }, () => ({
        queryExecutionId: randomUUID(),
        caller: { principal: 'role/etl' },
      }));
      const store = new DynamoDbQueryCallerStore(documents, {
        tableName: harness.table.name,
        attributionValuesPerDay: CAP,
      });
      proxy.resetCalls();
      // Act
      const outcome = await store.attributeCallers([...late, ...early]);
      // Assess: the actions are 60 records, per workgroup unknown's 3 counters, the 2
      // principals' 6 and their day registry, 40 waiting callers and an outbox entry per
      // transaction of moves: 60 + 4 x 10 + 40 + 2 = 142, so 2 transactions.
      expect(outcome).toMatchObject({
        failures: new Map(),
        counts: { moved: 60, waiting: 40, alreadyAttributed: 0, notAttributed: 0 },
      });
      // The moved queries, for the principals' budgets to be evaluated after them.
      expect(outcome.attributed).toHaveLength(60);
      expect(proxy.count('BatchGetItem')).toBe(1);
      expect(proxy.count('TransactWriteItems')).toBeLessThanOrEqual(Math.ceil(142 / 100));
      expect(proxy.count('UpdateItem')).toBe(0);
      for (const workgroup of workgroups) {
        const counters = await principalCounters(workgroup, `week#${WEEK}`);
        expect(counters.get('unknown')).toMatchObject({ queries: 0, dpuMillis: 0 });
        expect(counters.get('role/etl')?.queries ?? 0).toBeGreaterThan(0);
        expect(
          (counters.get('role/etl')?.queries ?? 0) + (counters.get('user/ana')?.queries ?? 0),
        ).toBe(15);
      }
      expect(await queryItem(early[0]?.queryExecutionId ?? '')).toMatchObject({
        type: 'waiting-caller',
        caller: 'role/etl',
      });
    });
  });

  it('records a query whose caller it left waiting in one transaction, and once under it when the waiting caller expired', async () => {
    // Prepare: one instance's caller and record stores sharing what they saw waiting; 5
    // callers written waiting, and one remembered whose item expired (never written here).
    await withCountedCalls(async (documents, proxy) => {
      const workgroup = aWorkgroup();
      const waitingCallers = new WaitingCallers();
      const options = { tableName: harness.table.name, attributionValuesPerDay: CAP };
      const callerStore = new DynamoDbQueryCallerStore(documents, { ...options, waitingCallers });
      const recordStore = new DynamoDbQueryRecordStore(documents, {
        ...options,
        queryRecordTtlDays: 400,
        attributePrincipals: true,
        waitingCallers,
      });
      const usages = Array.from({ length: 6 }, () => {
        const derived = deriveQueryUsage(aQueryExecution({ workgroup }), PRICING);
        if (!derived.ok) throw new Error(derived.reason);
        return derived.usage;
      });
      const [expired, ...early] = usages;
      if (!expired) throw new Error('six usages');
      const calls = early.map((usage) => ({
        queryExecutionId: usage.queryExecutionId,
        caller: { principal: 'user/ana' },
      }));
      expect((await callerStore.attributeCallers(calls)).counts.waiting).toBe(5);
      waitingCallers.remember(expired.queryExecutionId, { principal: 'user/bo' });
      proxy.resetCalls();
      // Act
      const recordedEarly = await recordStore.recordQueries(early);
      const callsForTheFive = proxy.count('TransactWriteItems');
      const late = await recordStore.recordQueries([expired]);
      // Assess: the 5 in one transaction, no cancellation; the expired one after a cancellation.
      expect(recordedEarly.recorded).toHaveLength(5);
      expect(callsForTheFive).toBe(1);
      expect(late.recorded).toHaveLength(1);
      expect(proxy.count('TransactWriteItems')).toBe(3);
      const counters = await principalCounters(workgroup, `day#${DAY}`);
      expect(counters.get('user/ana')).toMatchObject({ queries: 5 });
      expect(counters.get('user/bo')).toMatchObject({ queries: 1 });
      expect(counters.has('unknown')).toBe(false);
      expect(await queryItem(expired.queryExecutionId)).toMatchObject({ principal: 'user/bo' });
    });
  });

  it('publishes DpuHours and CostUsd per principal: unknown when recorded, moved by the outbox entry the move commits', async () => {
    // Prepare
    const workgroup = aWorkgroup();
    const role = `metrics-${randomUUID().slice(0, 8)}`;
    const execution = aQueryExecution({ workgroup, engineMs: 90_000, dpuCount: 8 });
    harness.addExecutions([execution]);
    const dpuHours = (8 * 90_000) / 3_600_000;
    const sum = (name: string, principal: string) =>
      harness.cloudWatch.metrics.sum(NAMESPACE, name, { Principal: principal });
    const unknownBefore = sum('DpuHours', 'unknown');
    // Act: the query, then its caller; then the outbox sweep publishes what is left over.
    expect(await harness.deliver(eventsFor([execution]))).toEqual([]);
    const unknownRecorded = sum('DpuHours', 'unknown');
    expect(
      await harness.deliver([aQueryStartedEvent(idOf(execution), anAssumedRole(role))]),
    ).toEqual([]);
    const outbox = new DynamoDbMetricsOutbox(harness.table.documents, harness.table.name);
    const leftovers = (await outbox.leftovers(new Date(Date.now() + 60_000))).filter((entry) =>
      entry.principals?.some((delta) => delta.principal === `role/${role}`),
    );
    await new CloudWatchMetricsPublisher(createCloudWatchClient(), NAMESPACE).publish(
      metricPointsOfEntries(leftovers),
    );
    await outbox.markPublished(leftovers);
    // Assess
    expect(unknownRecorded - unknownBefore).toBeCloseTo(dpuHours, 9);
    expect(leftovers).toHaveLength(1);
    expect(sum('DpuHours', `role/${role}`)).toBeCloseTo(dpuHours, 9);
    expect(sum('CostUsd', `role/${role}`)).toBeCloseTo(dpuHours * 0.3, 9);
    expect(sum('DpuHours', 'unknown')).toBeCloseTo(unknownBefore, 9);
    expect(
      harness.cloudWatch.metrics.sum(NAMESPACE, 'DpuHours', { WorkGroup: workgroup }),
    ).toBeCloseTo(dpuHours, 9);
  });

  it('keeps a caller of a query never recorded waiting, invisible to reports and to reconciliation', async () => {
    const id = randomUUID();
    expect(await harness.deliver([aQueryStartedEvent(id, DBT)])).toEqual([]);
    const index = new DynamoDbRecordedQueryIndex(harness.table.documents, harness.table.name);
    expect((await index.lookup([id])).has(id)).toBe(false);
    expect(await queryItem(id)).toMatchObject({ type: 'waiting-caller' });
  });

  it('leaves a query recorded before principals were attributed as it is', async () => {
    const workgroup = aWorkgroup();
    const execution = aQueryExecution({ workgroup });
    const derived = deriveQueryUsage(execution, PRICING);
    if (!derived.ok) throw new Error(derived.reason);
    const withoutPrincipals = new DynamoDbQueryRecordStore(harness.table.documents, {
      tableName: harness.table.name,
      queryRecordTtlDays: 400,
    });
    await withoutPrincipals.recordQueries([derived.usage]);
    expect(await harness.deliver([aQueryStartedEvent(idOf(execution), DBT)])).toEqual([]);
    expect((await principalCounters(workgroup, `day#${DAY}`)).size).toBe(0);
    expect((await queryItem(idOf(execution)))?.principal).toBeUndefined();
  });

  it(`counts principals past ${CAP} a day as (other), moves included, and never caps unknown`, async () => {
    const workgroup = aWorkgroup();
    const executions = Array.from({ length: 6 }, () => aQueryExecution({ workgroup }));
    harness.addExecutions(executions);
    // Half come before their callers (so move), half after.
    expect(await harness.deliver(eventsFor(executions.slice(0, 3)))).toEqual([]);
    const calls = executions.map((execution, index) =>
      aQueryStartedEvent(idOf(execution), anIamUser(`user${index}`)),
    );
    expect(await harness.deliver(calls)).toEqual([]);
    expect(await harness.deliver(eventsFor(executions.slice(3)))).toEqual([]);
    const counters = await principalCounters(workgroup, `day#${DAY}`);
    const named = [...counters.keys()].filter((value) => value.startsWith('user/'));
    expect(named).toHaveLength(CAP);
    expect(counters.get('(other)')?.queries).toBe(6 - CAP);
    expect(counters.get('unknown')?.queries ?? 0).toBe(0);
  });

  it('acknowledges a refused call and fails a record whose caller cannot be read', async () => {
    const refused = aQueryStartedEvent(randomUUID());
    const refusedDetail = refused.detail as Record<string, unknown>;
    refusedDetail.errorCode = 'InvalidRequestException';
    refusedDetail.responseElements = null;
    const unreadable = aQueryStartedEvent(randomUUID(), { type: 'SAMLUser' });
    const failed = await harness.deliver([refused, unreadable]);
    expect(failed).toHaveLength(1);
  });
});

/** The CLI in this process against the harness's table (Athena through the stand-in). */
const cliOnTable = (args: readonly string[], env: Record<string, string> = {}) =>
  runCliInMemory([...args, '--table', harness.table.name], {
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: harness.table.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...env,
    },
  });

describe('athena-cost backfill with principals', () => {
  it('counts backfilled queries per principal with --attribute-principals, so the principals add up to the workgroup, and warns without it', async () => {
    // Prepare: one query ingested (under unknown), one whose CloudTrail record came and waits,
    // one of which nothing came; the last two are for the backfill to record.
    const workgroup = aWorkgroup();
    const [ingested, awaited, unseen] = [10_000, 20_000, 40_000].map((engineMs) =>
      aQueryExecution({ workgroup, engineMs }),
    );
    if (!ingested || !awaited || !unseen) throw new Error('executions');
    harness.addExecutions([ingested, awaited, unseen]);
    expect(await harness.deliver(eventsFor([ingested]))).toEqual([]);
    expect(await harness.deliver([aQueryStartedEvent(idOf(awaited), anIamUser('ana'))])).toEqual(
      [],
    );
    const backfill = (...args: string[]) =>
      cliOnTable([
        'backfill',
        '--since',
        DAY,
        '--workgroup',
        workgroup,
        '--format',
        'json',
        ...args,
      ]);

    // Act
    const withoutFlag = await backfill('--dry-run');
    const run = await backfill('--attribute-principals');

    // Assess: the dry run warns that the table counts principals; the run records both under
    // their principal, the awaited one under its caller, and says nothing.
    expect(withoutFlag.code, withoutFlag.stderr).toBe(0);
    expect(withoutFlag.stderr).toContain(
      "the table counts principals in 2026-11 (the stack's attributePrincipals is on?) but this backfill does not",
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('counts principals');
    expect(JSON.parse(run.stdout)).toMatchObject({ recorded: 2, failed: 0 });
    for (const periodKey of [`day#${DAY}`, `week#${WEEK}`, `month#${MONTH}`]) {
      const counters = await principalCounters(workgroup, periodKey);
      expect(Object.fromEntries(counters)).toEqual({
        unknown: expect.objectContaining({
          queries: 2,
          dpuMillis: dpuMillisOf([ingested, unseen]),
        }),
        'user/ana': expect.objectContaining({ queries: 1, dpuMillis: dpuMillisOf([awaited]) }),
      });
      const workgroupCounter = await harness.counter(workgroup, periodKey);
      const summed = [...counters.values()].reduce(
        (sum, totals) => ({
          queries: sum.queries + totals.queries,
          costNanoUsd: sum.costNanoUsd + totals.costNanoUsd,
        }),
        { queries: 0, costNanoUsd: 0 },
      );
      expect(summed).toEqual({
        queries: workgroupCounter.queries,
        costNanoUsd: workgroupCounter.costNanoUsd,
      });
    }
    expect(await queryItem(idOf(awaited))).toMatchObject({ type: 'query', principal: 'user/ana' });
  });

  it('takes the setting from ATTRIBUTE_PRINCIPALS (a --stack output), and without it leaves backfilled queries out of the principal counters', async () => {
    const [off, on] = [aWorkgroup(), aWorkgroup()];
    harness.addExecutions([
      aQueryExecution({ workgroup: off }),
      aQueryExecution({ workgroup: on }),
    ]);
    const backfill = (workgroup: string, env: Record<string, string>) =>
      cliOnTable(['backfill', '--since', DAY, '--workgroup', workgroup], env);

    const withoutIt = await backfill(off, {});
    const withIt = await backfill(on, { ATTRIBUTE_PRINCIPALS: 'true' });

    expect(withoutIt.code, withoutIt.stderr).toBe(0);
    expect(withoutIt.stderr).toContain('Pass --attribute-principals');
    expect((await harness.counter(off, `day#${DAY}`)).queries).toBe(1);
    expect((await principalCounters(off, `day#${DAY}`)).size).toBe(0);
    expect(withIt.code, withIt.stderr).toBe(0);
    expect(withIt.stderr).not.toContain('counts principals');
    expect((await principalCounters(on, `day#${DAY}`)).get('unknown')?.queries).toBe(1);
  });
});

describe('athena-cost report --by principal', () => {
  it('lists principals most expensive first, unknown included, as JSON', async () => {
    const workgroup = aWorkgroup();
    const executions = [60_000, 30_000, 10_000].map((engineMs) =>
      aQueryExecution({ workgroup, engineMs, completedAt: new Date('2026-11-21T08:00:00Z') }),
    );
    harness.addExecutions(executions);
    const [first, second] = executions;
    if (!first || !second) throw new Error('executions');
    expect(
      await harness.deliver([
        ...eventsFor(executions),
        aQueryStartedEvent(idOf(first), DBT),
        aQueryStartedEvent(idOf(second), anIamUser('ana')),
      ]),
    ).toEqual([]);
    const report = (args: readonly string[]) =>
      cliOnTable([
        'report',
        '--from',
        '2026-11-21',
        '--to',
        '2026-11-21',
        '--workgroup',
        workgroup,
        ...args,
      ]);
    const result = await report(['--by', 'principal', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const rows = (
      JSON.parse(result.stdout) as { rows: { key: string; value: string; queries: number }[] }
    ).rows;
    expect(rows.map((row) => [row.key, row.value, row.queries])).toEqual([
      ['principal', 'role/dbt-runner', 1],
      ['principal', 'user/ana', 1],
      ['principal', 'unknown', 1],
    ]);
    // The range's HTML page has the Top principals section, since the range has principals.
    const html = await report(['--format', 'html']);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toMatch(
      />Top principals<\/h2>[\s\S]*data-value="role\/dbt-runner"[\s\S]*data-value="unknown"/,
    );
  });
});
