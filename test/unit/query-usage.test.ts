import { describe, expect, it } from 'vitest';
import { deriveQueryUsage } from '../../lib/usage/query-usage.js';
import { aQueryExecution } from '../support/factories.js';

const pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };

describe('deriveQueryUsage', () => {
  it('derives timings, DPU-hours, cost and period keys of a capacity query', () => {
    // Prepare
    const execution = aQueryExecution({
      id: 'a1b2c3d4-0000-0000-0000-000000000001',
      dpuCount: 24,
      engineMs: 1_800_000,
      completedAt: new Date('2026-11-29T23:59:59Z'),
    });
    // Act
    const derived = deriveQueryUsage(execution, pricing);
    // Assess
    expect(derived).toMatchObject({
      ok: true,
      usage: {
        queryExecutionId: 'a1b2c3d4-0000-0000-0000-000000000001',
        workgroup: 'analytics',
        state: 'SUCCEEDED',
        statementType: 'DML',
        dpuCount: 24,
        engineExecutionMs: 1_800_000,
        queueMs: 1_000,
        planningMs: 300,
        totalExecutionMs: 1_801_500,
        dpuHours: 12,
        costUsd: 3.6,
        completedAt: '2026-11-29T23:59:59.000Z',
        periods: { day: '2026-11-29', week: '2026-W48', month: '2026-11' },
      },
    });
  });

  it('treats a query without DpuCount as on-demand', () => {
    const derived = deriveQueryUsage(
      aQueryExecution({ dpuCount: undefined, bytes: 1024 ** 4 }),
      pricing,
    );
    expect(derived).toMatchObject({ ok: true, usage: { dpuCount: null, dpuHours: 0, costUsd: 5 } });
  });

  it('keeps the Athena error type of a failed query', () => {
    const derived = deriveQueryUsage(
      aQueryExecution({ state: 'FAILED', dpuCount: undefined }),
      pricing,
    );
    expect(derived).toMatchObject({
      ok: true,
      usage: { state: 'FAILED', costUsd: 0, errorType: '1002' },
    });
  });

  it('refuses an execution that is not finished, so its event is retried', () => {
    const derived = deriveQueryUsage(aQueryExecution({ id: 'q-1', state: 'RUNNING' }), pricing);
    expect(derived).toEqual({ ok: false, reason: 'execution q-1 is RUNNING, not finished' });
  });

  it('refuses an execution without workgroup or completion time', () => {
    const noWorkgroup = { ...aQueryExecution({ id: 'q-2' }), WorkGroup: undefined };
    expect(deriveQueryUsage(noWorkgroup, pricing)).toEqual({
      ok: false,
      reason: 'execution q-2 has no WorkGroup',
    });
    const execution = aQueryExecution({ id: 'q-3' });
    const noCompletion = {
      ...execution,
      Status: { ...execution.Status, CompletionDateTime: undefined },
    };
    expect(deriveQueryUsage(noCompletion, pricing)).toEqual({
      ok: false,
      reason: 'execution q-3 has no CompletionDateTime',
    });
  });

  it('reads missing or negative statistics as zero', () => {
    const execution = { ...aQueryExecution(), Statistics: { EngineExecutionTimeInMillis: -5 } };
    expect(deriveQueryUsage(execution, pricing)).toMatchObject({
      ok: true,
      usage: { engineExecutionMs: 0, dataScannedBytes: 0, dpuCount: null, queueMs: 0 },
    });
  });
});
