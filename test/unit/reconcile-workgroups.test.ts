import { Logger } from '@aws-lambda-powertools/logger';
import type { QueryExecution } from '@aws-sdk/client-athena';
import { describe, expect, it } from 'vitest';
import type { QueryExecutionSource } from '../../lib/athena/query-execution-source.js';
import { ExpiredPageTokenError, type QueryHistory } from '../../lib/athena/query-history.js';
import type { RecordQueries } from '../../lib/ingest/record-queries.js';
import { createReconcileWorkgroups } from '../../lib/reconcile/reconcile-workgroups.js';
import type { ReconcileState, ReconcileStateStore } from '../../lib/store/reconcile-state-store.js';
import type { RecordedQuery } from '../../lib/store/recorded-query-index.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import { aQueryExecution } from '../support/factories.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
/** The state after a complete pass that began now: the watermark moved to now, no pass open. */
const CAUGHT_UP_TO_NOW = { watermark: NOW.toISOString(), pass: undefined };
const MINUTE = 60_000;
const pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const logger = new Logger({ logLevel: 'SILENT' });

/** A simulated account and table behind the use case's ports. */
function world(executions: QueryExecution[]) {
  const newestFirst = [...executions].sort(
    (a, b) =>
      (b.Status?.SubmissionDateTime?.getTime() ?? 0) -
      (a.Status?.SubmissionDateTime?.getTime() ?? 0),
  );
  const recorded = new Map<string, RecordedQuery>();
  const unfetchable = new Set<string>();
  const unrecordable = new Set<string>();
  const expiredTokens = new Set<string>();
  const states = new Map<string, ReconcileState>();
  const calls = { list: 0, fetch: 0, record: 0, saves: 0 };
  let refuseSaves = false;

  const history: QueryHistory = {
    listWorkgroups: async () => ['analytics'],
    async listQueryExecutionIds(workgroup, nextToken) {
      calls.list++;
      if (nextToken !== undefined && expiredTokens.has(nextToken)) {
        throw new ExpiredPageTokenError(workgroup, new Error('Invalid NextToken'));
      }
      const start = nextToken === undefined ? 0 : Number(nextToken);
      const page = newestFirst.slice(start, start + 50);
      return {
        queryExecutionIds: page.map((execution) => execution.QueryExecutionId ?? ''),
        nextToken: start + 50 < newestFirst.length ? String(start + 50) : undefined,
      };
    },
  };
  const executionSource: QueryExecutionSource = {
    async fetchExecutions(ids) {
      calls.fetch++;
      const found = newestFirst.filter(
        (execution) =>
          ids.includes(execution.QueryExecutionId ?? '') &&
          !unfetchable.has(execution.QueryExecutionId ?? ''),
      );
      return {
        executions: found,
        failures: new Map(ids.filter((id) => unfetchable.has(id)).map((id) => [id, 'throttled'])),
      };
    },
  };
  const recordQueriesFrom =
    (source: QueryExecutionSource): RecordQueries =>
    async (ids) => {
      calls.record++;
      const fetched = await source.fetchExecutions(ids);
      const failures = new Map<string, string>();
      const usages: QueryUsage[] = [];
      for (const execution of fetched.executions) {
        const id = execution.QueryExecutionId ?? '';
        if (unrecordable.has(id)) {
          failures.set(id, 'DynamoDB transaction failed');
          continue;
        }
        const derived = deriveQueryUsage(execution, pricing);
        if (!derived.ok) throw new Error(derived.reason);
        usages.push(derived.usage);
        recorded.set(id, { submittedAt: derived.usage.submittedAt });
      }
      for (const [id, reason] of fetched.failures) failures.set(id, reason);
      return {
        failures,
        recorded: usages,
        counts: {
          uniqueQueries: ids.length,
          fetchFailures: fetched.failures.size,
          recorded: usages.length,
          alreadyRecorded: 0,
          storeFailures: 0,
          enforcementFailures: 0,
          metricsPublished: true,
        },
      };
    };
  const state: ReconcileStateStore = {
    loadAll: async () => new Map(states),
    async save(next, now) {
      calls.saves++;
      if (refuseSaves) return false;
      states.set(next.workgroup, {
        ...next,
        version: next.version + 1,
        updatedAt: now.toISOString(),
      });
      return true;
    },
  };
  const reconcile = createReconcileWorkgroups({
    history,
    recorded: {
      lookup: async (ids) =>
        new Map(
          ids.flatMap((id) => {
            const found = recorded.get(id);
            return found === undefined ? [] : [[id, found] as const];
          }),
        ),
    },
    executions: executionSource,
    recordQueriesFrom,
    state,
    pricing,
    logger,
    now: () => NOW,
  });
  return {
    reconcile,
    recorded,
    unfetchable,
    unrecordable,
    expiredTokens,
    states,
    calls,
    refuseSaves: () => {
      refuseSaves = true;
    },
  };
}

/** Finished queries submitted 10, 11, 12... minutes before now. */
const finished = (count: number) =>
  Array.from({ length: count }, (_, index) =>
    aQueryExecution({
      workgroup: 'analytics',
      engineMs: 1_000,
      completedAt: new Date(NOW.getTime() - (10 + index) * MINUTE + 2_500),
    }),
  );
const submitted = (execution: QueryExecution) =>
  execution.Status?.SubmissionDateTime?.toISOString() ?? '';

const saved = (watermark: string, pass?: ReconcileState['pass']): [string, ReconcileState] => [
  'analytics',
  { workgroup: 'analytics', watermark, pass, version: 3, updatedAt: '2026-11-25T11:45:00.000Z' },
];

describe('reconcileWorkgroups', () => {
  it('records the missing with one fetch per page and moves the watermark to the pass start', async () => {
    const executions = finished(60);
    const w = world(executions);
    for (const execution of executions.slice(0, 40)) {
      w.recorded.set(execution.QueryExecutionId ?? '', { submittedAt: submitted(execution) });
    }

    const result = await w.reconcile();

    expect(result.reconciled).toBe(20);
    expect(w.calls.fetch).toBe(2);
    expect(w.states.get('analytics')).toMatchObject(CAUGHT_UP_TO_NOW);
  });

  it('starts the pass over when Athena no longer accepts the saved token', async () => {
    const executions = finished(60);
    const w = world(executions);
    w.states.set(
      ...saved('2026-11-25T10:00:00.000Z', {
        startedAt: '2026-11-25T11:40:00.000Z',
        nextToken: 'stale',
        holdAt: undefined,
        blocked: false,
      }),
    );
    w.expiredTokens.add('stale');

    const result = await w.reconcile();

    expect(result.workgroups[0]).toMatchObject({ recorded: 60, complete: true, error: undefined });
    // The new pass began now, so the watermark is now, not the stale pass's start.
    expect(w.states.get('analytics')).toMatchObject(CAUGHT_UP_TO_NOW);
  });

  it('keeps the watermark where it was when a missing query could not even be fetched', async () => {
    const executions = finished(5);
    const w = world(executions);
    w.states.set(...saved('2026-11-25T11:30:00.000Z'));
    w.unfetchable.add(executions[2]?.QueryExecutionId ?? '');

    const result = await w.reconcile();

    expect(result.workgroups[0]).toMatchObject({ recorded: 4, failed: 1, complete: true });
    expect(w.states.get('analytics')?.watermark).toBe('2026-11-25T11:30:00.000Z');
  });

  it('holds the watermark at the submission of a query that failed to record', async () => {
    const executions = finished(5);
    const w = world(executions);
    w.states.set(...saved('2026-11-25T11:30:00.000Z'));
    const stuck = executions[3] as QueryExecution;
    w.unrecordable.add(stuck.QueryExecutionId ?? '');

    const result = await w.reconcile();

    expect(result.workgroups[0]).toMatchObject({ recorded: 4, failed: 1 });
    expect(w.states.get('analytics')?.watermark).toBe(submitted(stuck));
  });

  it('leaves the state of a concurrent run standing', async () => {
    const w = world(finished(3));
    w.states.set(...saved('2026-11-25T11:30:00.000Z'));
    w.refuseSaves();

    const result = await w.reconcile();

    expect(result.reconciled).toBe(3);
    expect(result.workgroups[0]?.watermark).toBe('2026-11-25T11:30:00.000Z');
    expect(result.workgroups[0]?.error).toBeUndefined();
  });

  it('backfills from a date, ignoring and keeping the watermark, and a dry run records nothing', async () => {
    const executions = finished(30);
    const w = world(executions);
    w.states.set(...saved('2026-11-25T11:59:00.000Z'));
    const since = new Date(NOW.getTime() - 20 * MINUTE);

    const dry = await w.reconcile({ since, dryRun: true, graceMs: 0 });
    expect(dry.workgroups[0]).toMatchObject({ wouldRecord: 11, recorded: 0, complete: true });
    expect(w.calls.record).toBe(0);

    const run = await w.reconcile({ since, graceMs: 0 });
    // Submitted 10 to 20 minutes ago: eleven queries; older ones on the last page are left out.
    expect(run.reconciled).toBe(11);
    expect(w.calls.saves).toBe(0);
    expect(w.states.get('analytics')?.watermark).toBe('2026-11-25T11:59:00.000Z');
  });
});
