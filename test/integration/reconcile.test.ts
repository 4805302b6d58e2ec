import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ReconcileResult } from '../../lib/reconcile/reconcile-workgroups.js';
import { periodKeyFor } from '../../lib/usage/period-keys.js';
import { type CountingProxy, startCountingProxy } from '../../local/environment/counting-proxy.js';
import { aQueryExecution } from '../support/factories.js';
import { expectTableMatches } from '../support/ground-truth.js';
import {
  eventsFor,
  type IngestHarness,
  lambdaContext,
  startIngestHarness,
} from '../support/ingest-harness.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const NAMESPACE = 'AthenaCostMonitor';
const MINUTE = 60_000;
const DAY = 86_400_000;

type ReconcileHandler = (event: ScheduledEvent, context: Context) => Promise<ReconcileResult>;

let harness: IngestHarness;
let dynamodb: CountingProxy;
let reconcile: ReconcileHandler;

const aWorkgroup = () => `wg-${randomUUID().slice(0, 8)}`;
const ago = (ms: number) => new Date(Date.now() - ms);

/** A finished capacity query, `minutes` before now. */
const finishedAgo = (workgroup: string, minutes: number, index = 0): QueryExecution =>
  aQueryExecution({
    workgroup,
    completedAt: ago(minutes * MINUTE),
    dpuCount: 4 + 4 * (index % 3),
    engineMs: 1_000 * (index + 1),
    bytes: 1_000_000 * (index + 1),
    state: index % 11 === 5 ? 'FAILED' : 'SUCCEEDED',
  });

const scheduledEvent = {} as ScheduledEvent;
/** A Lambda context with this much time left (the reserve kept back is 60 s by default). */
const contextWith = (remainingMs: number) =>
  ({ ...lambdaContext, getRemainingTimeInMillis: () => remainingMs }) as Context;

const reconciledTotals = () =>
  harness.cloudWatch.metrics
    .datums({ namespace: NAMESPACE, metricName: 'ReconciledQueries', dimensions: [] })
    .map((datum) => datum.value);

async function stateOf(workgroup: string) {
  const output = await harness.table.documents.send(
    new GetCommand({
      TableName: harness.table.name,
      Key: { pk: 'RECONCILE', sk: workgroup },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

beforeAll(async () => {
  dynamodb = await startCountingProxy(inject('dynamoDbEndpoint'));
  // The handlers reach DynamoDB Local through the proxy, which counts their calls.
  harness = await startIngestHarness({ AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint });
  ({ handler: reconcile } = (await import('../../functions/reconcile.js')) as unknown as {
    handler: ReconcileHandler;
  });
});

afterAll(async () => {
  await harness?.close();
  await dynamodb?.close();
});

beforeEach(() => {
  harness.athena.faults = {};
  harness.athena.resetCalls();
  dynamodb.resetCalls();
});

describe('reconcile', () => {
  it('records exactly the finished queries the events missed, then nothing, and picks up a query once it finishes', async () => {
    // Prepare: 30 finished queries of which 20 arrived as events, one still running, one just
    // finished (its event is presumably on its way).
    const workgroup = aWorkgroup();
    const finished = Array.from({ length: 30 }, (_, index) =>
      finishedAgo(workgroup, 10 + index, index),
    );
    const running = aQueryExecution({ workgroup, state: 'RUNNING', completedAt: ago(15 * MINUTE) });
    const justFinished = finishedAgo(workgroup, 1, 99);
    harness.addExecutions([...finished, running, justFinished]);
    const missed = finished.filter((_, index) => index % 3 === 0);
    const delivered = finished.filter((_, index) => index % 3 !== 0);
    expect(await harness.deliver(eventsFor(delivered))).toEqual([]);

    // Act
    const first = await reconcile(scheduledEvent, contextWith(300_000));

    // Assess: the missed ten are recorded, the running and the just-finished one are not.
    const mine = first.workgroups.find((result) => result.workgroup === workgroup);
    expect(mine).toMatchObject({
      recorded: missed.length,
      alreadyRecorded: delivered.length,
      deferred: 2,
      failed: 0,
      complete: true,
    });
    expect(first.reconciled).toBe(missed.length);
    await expectTableMatches(harness.table.documents, harness.table.name, [
      ...delivered,
      ...missed,
    ]);
    expect(
      harness.cloudWatch.metrics.sum(NAMESPACE, 'ReconciledQueries', { WorkGroup: workgroup }),
    ).toBe(missed.length);
    expect(reconciledTotals().at(-1)).toBe(missed.length);
    // Usage metrics of the reconciled queries went out through the same recording path.
    expect(harness.cloudWatch.metrics.sum(NAMESPACE, 'QueryCount', { WorkGroup: workgroup })).toBe(
      finished.length,
    );
    // The watermark is held at the running query, so the next run looks at it again.
    const state = await stateOf(workgroup);
    expect(state?.watermark).toBe(running.Status?.SubmissionDateTime?.toISOString());
    expect(state?.pass).toBeUndefined();

    // The late event arrives and is recorded by ingest as usual.
    expect(await harness.deliver(eventsFor([justFinished]))).toEqual([]);

    // A second run finds nothing: it looks records up, but writes no transaction.
    dynamodb.resetCalls();
    const second = await reconcile(scheduledEvent, contextWith(300_000));
    expect(second.reconciled).toBe(0);
    expect(dynamodb.count('BatchGetItem')).toBeGreaterThan(0);
    expect(dynamodb.count('TransactWriteItems')).toBe(0);
    expect(reconciledTotals().at(-1)).toBe(0);

    // The running query finishes, and its event is lost: the next run records it.
    harness.addExecutions([
      {
        ...running,
        Status: { ...running.Status, State: 'SUCCEEDED', CompletionDateTime: ago(6 * MINUTE) },
      },
    ]);
    const third = await reconcile(scheduledEvent, contextWith(300_000));
    expect(third.reconciled).toBe(1);
    const ranFinished = harness.athena.account.getQueryExecution(
      running.QueryExecutionId ?? '',
    ) as QueryExecution;
    await expectTableMatches(harness.table.documents, harness.table.name, [
      ...finished,
      justFinished,
      ranFinished,
    ]);
    const advanced = await stateOf(workgroup);
    expect(Date.parse(String(advanced?.watermark))).toBeGreaterThan(
      Date.parse(String(state?.watermark)),
    );
  });

  it('continues next run from where a tiny time budget stopped it, fetching each missing query once', async () => {
    const workgroup = aWorkgroup();
    const executions = Array.from({ length: 120 }, (_, index) =>
      finishedAgo(workgroup, 10 + index / 3, index),
    );
    harness.addExecutions(executions);
    harness.athena.resetCalls();

    const listedPerRun: number[] = [];
    for (let run = 0; run < 15; run++) {
      const calls = harness.athena.calls.get('ListQueryExecutions') ?? 0;
      // Just the 60 s reserve left: the deadline has passed, so only the run's first page runs.
      const result = await reconcile(scheduledEvent, contextWith(60_000));
      expect((harness.athena.calls.get('ListQueryExecutions') ?? 0) - calls).toBe(1);
      const mine = result.workgroups.find((entry) => entry.workgroup === workgroup);
      if (mine !== undefined && mine.listed > 0) listedPerRun.push(mine.listed);
      if (mine?.complete) break;
    }

    // Three pages, each listed once: the second and third runs went on from the saved token.
    expect(listedPerRun).toEqual([50, 50, 20]);
    expect(harness.athena.calls.get('BatchGetQueryExecution')).toBe(3);
    await expectTableMatches(harness.table.documents, harness.table.name, executions);
    expect(
      harness.cloudWatch.metrics.sum(NAMESPACE, 'ReconciledQueries', { WorkGroup: workgroup }),
    ).toBe(120);
    const state = await stateOf(workgroup);
    expect(state?.pass).toBeUndefined();
    expect(typeof state?.watermark).toBe('string');
  });

  it('starts a pass over when Athena rejects the page token saved by an earlier run', async () => {
    const workgroup = aWorkgroup();
    const executions = Array.from({ length: 3 }, (_, index) => finishedAgo(workgroup, 20, index));
    harness.addExecutions(executions);
    await harness.table.documents.send(
      new PutCommand({
        TableName: harness.table.name,
        Item: {
          pk: 'RECONCILE',
          sk: workgroup,
          watermark: ago(40 * MINUTE).toISOString(),
          pass: {
            startedAt: ago(30 * MINUTE).toISOString(),
            nextToken: 'expired-token',
            blocked: false,
          },
          version: 1,
          updatedAt: '2000-01-01T00:00:00.000Z',
        },
      }),
    );

    const result = await reconcile(scheduledEvent, contextWith(300_000));

    expect(result.workgroups.find((entry) => entry.workgroup === workgroup)).toMatchObject({
      recorded: 3,
      complete: true,
    });
    await expectTableMatches(harness.table.documents, harness.table.name, executions);
    const state = await stateOf(workgroup);
    expect(state?.pass).toBeUndefined();
    expect(state?.version).toBe(2);
  });

  it('backfills through the CLI: a dry run writes nothing, a run records the missing, a rerun changes nothing', async () => {
    const workgroup = aWorkgroup();
    // Forty queries over the last ten days, three from twelve days ago (before --since).
    const inRange = Array.from({ length: 40 }, (_, index) =>
      finishedAgo(workgroup, 30 + index * 6 * 60, index),
    );
    const tooOld = Array.from({ length: 3 }, (_, index) =>
      finishedAgo(workgroup, 12 * 24 * 60 + index, index),
    );
    harness.addExecutions([...inRange, ...tooOld]);
    const delivered = inRange.filter((_, index) => index % 4 === 0);
    expect(await harness.deliver(eventsFor(delivered))).toEqual([]);
    const since = periodKeyFor('day', ago(10.5 * DAY));
    const missing = inRange.length - delivered.length;

    const cli = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await execFileAsync(
          process.execPath,
          ['bin/athena-cost.js', ...args, '--table', harness.table.name],
          {
            cwd: repoRoot,
            env: {
              ...process.env,
              AWS_ENDPOINT_URL_DYNAMODB: harness.table.endpoint,
              AWS_ENDPOINT_URL_ATHENA: harness.athena.endpoint,
              AWS_ENDPOINT_URL_CLOUDWATCH: harness.cloudWatch.endpoint,
            },
            timeout: 60_000,
          },
        );
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return {
          code: failed.code ?? -1,
          stdout: failed.stdout ?? '',
          stderr: failed.stderr ?? '',
        };
      }
    };

    // Dry run: counts the missing, writes nothing.
    const dry = await cli(
      'backfill',
      '--since',
      since,
      '--workgroup',
      workgroup,
      '--dry-run',
      '--format',
      'json',
    );
    expect(dry.code, dry.stderr).toBe(0);
    const dryReport = JSON.parse(dry.stdout) as {
      dryRun: boolean;
      workgroups: { wouldRecord: number; alreadyRecorded: number; wouldRecordDpuHours: number }[];
    };
    expect(dryReport.dryRun).toBe(true);
    expect(dryReport.workgroups[0]).toMatchObject({
      wouldRecord: missing,
      alreadyRecorded: delivered.length,
    });
    expect(dry.stderr).toContain(`${workgroup} (1/1)`);
    await expectTableMatches(harness.table.documents, harness.table.name, delivered);

    // The backfill records exactly the missing queries since that day.
    const run = await cli('backfill', '--since', since, '--workgroup', workgroup);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${missing} queries recorded`);
    await expectTableMatches(harness.table.documents, harness.table.name, inRange);

    // Running it again changes nothing.
    const again = await cli(
      'backfill',
      '--since',
      since,
      '--workgroup',
      workgroup,
      '--format',
      'json',
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ recorded: 0, failed: 0 });
    await expectTableMatches(harness.table.documents, harness.table.name, inRange);

    // Athena's history does not go back further than 45 days.
    const tooFar = await cli('backfill', '--since', periodKeyFor('day', ago(50 * DAY)));
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toMatch(/45 days of query history/);
  }, 120_000);
});
