import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import {
  CLAIM_LEASE_MS,
  type DynamoDbEnforcementStore,
} from '../../lib/store/dynamodb-enforcement-store.js';
import { type CountingProxy, startCountingProxy } from '../../local/environment/counting-proxy.js';
import { INGEST_QUEUE } from '../../local/environment/ingest-queue.js';
import * as scenario from '../support/budget-scenario.js';
import { anSqsEvent, anSqsRecord } from '../support/factories.js';
import {
  type IngestHandler,
  type IngestHarness,
  lambdaContext,
  startIngestHarness,
} from '../support/ingest-harness.js';

/**
 * Budget actions under the faults that used to drop or garble them: the answer of a claim lost
 * after DynamoDB applied it, an owner dying with the claim held, and several ingest instances
 * (each its own module instance, as separate Lambda environments) crossing throttle and disable
 * at once. DynamoDB Local is reached through a proxy that can lose answers.
 */

const NOON = new Date('2026-11-25T12:00:00Z');
const VISIBILITY_TIMEOUT_MS = INGEST_QUEUE.visibilityTimeoutMs;
let harness: IngestHarness;
let proxy: CountingProxy;
let budgets: DynamoDbBudgetStore;
let enforcement: DynamoDbEnforcementStore;
let restore: scenario.RestoreHandler;

/** A fresh ingest instance: its own module scope, clients and caches, through the proxy. */
async function anIngestInstance(): Promise<IngestHandler> {
  vi.resetModules();
  const { handler } = (await import('../../functions/ingest.js')) as { handler: IngestHandler };
  return handler;
}

async function deliver(handler: IngestHandler, bodies: readonly Record<string, unknown>[]) {
  const response = await handler(anSqsEvent(bodies.map((body) => anSqsRecord(body))), {
    ...lambdaContext,
    awsRequestId: randomUUID(),
  });
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

beforeAll(async () => {
  harness = await startIngestHarness({ BUDGET_CACHE_SECONDS: '0', ALERTS_TOPIC_ARN: '' });
  proxy = await startCountingProxy(harness.table.endpoint);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  restore = await scenario.importRestoreHandler();
  ({ budgets, enforcement } = scenario.budgetStoresOf(harness.table));
});

afterAll(async () => {
  await Promise.all([harness?.close(), proxy?.close()]);
});

scenario.runEachTestAt(NOON, () => harness.athena);

afterEach(() => {
  proxy.loseAnswer = undefined;
});

/** A capacity-reservation workgroup with DPU bounds 4..64 and a budget of 10 DPU-hours a day. */
async function aBudgetedCapacityWorkgroup(): Promise<string> {
  const workgroup = `crash-${randomUUID().slice(0, 8)}`;
  scenario.addCapacityWorkgroup(harness.athena.account, workgroup);
  await budgets.put(scenario.scenarioBudget(workgroup, NOON.toISOString()));
  return workgroup;
}

/** The successful UpdateWorkGroup calls for a workgroup, as 'throttle' or 'disable'. */
const actionsMadeOn = (workgroup: string) =>
  scenario
    .successfulUpdatesOf(harness.athena.account, workgroup)
    .map((call) => (call.input.State === 'DISABLED' ? 'disable' : 'throttle'));

describe('crash-proof budget enforcement', () => {
  it('keeps the claim lease shorter than the ingest queue visibility timeout and longer than the ingest timeout', () => {
    // The deployed visibility timeout (serverless-template.test.ts checks the template's is this).
    expect(CLAIM_LEASE_MS).toBeLessThan(INGEST_QUEUE.visibilityTimeoutMs);
    expect(CLAIM_LEASE_MS).toBeGreaterThanOrEqual(60_000);
  });

  it('applies the action once, in the same delivery, when the answers of its claim and records are lost', async () => {
    const workgroup = await aBudgetedCapacityWorkgroup();
    const handler = await anIngestInstance();
    // Every enforcement write is applied by DynamoDB, then its first answer is lost.
    const lost = new Set<string>();
    proxy.loseAnswer = (operation, body) => {
      if (!/^(PutItem|UpdateItem|DeleteItem)$/.test(operation)) return false;
      if (!body.includes(`CLAIM#${workgroup}`) && !body.includes(`${workgroup}#day`)) return false;
      const write = `${operation} ${body}`;
      if (lost.has(write)) return false;
      lost.add(write);
      return true;
    };

    expect(await deliver(handler, scenario.oneDpuHourQueries(harness, workgroup, 9))).toEqual([]);

    expect(lost.size).toBeGreaterThanOrEqual(4);
    expect(actionsMadeOn(workgroup)).toEqual(['throttle']);
    const settled = await enforcement.actions(scenario.scenarioDayKey(workgroup));
    expect(settled.map((action) => [action.thresholdId, action.status])).toEqual([
      ['50:notify', 'applied'],
      ['80:throttle', 'applied'],
    ]);
    // The next crossing is carried out as well: no claim was left behind.
    expect(await deliver(handler, scenario.oneDpuHourQueries(harness, workgroup, 1))).toEqual([]);
    expect(actionsMadeOn(workgroup)).toEqual(['throttle', 'disable']);
  });

  it('has the records redelivered while another owner holds the claim, and applies the action once after its lease', async () => {
    const workgroup = await aBudgetedCapacityWorkgroup();
    const handler = await anIngestInstance();
    // An owner that took the claim, then died (a timeout or an out-of-memory kill).
    expect(await enforcement.acquire(scenario.scenarioDayKey(workgroup), 'dead-owner', NOON)).toBe(
      true,
    );
    const events = scenario.oneDpuHourQueries(harness, workgroup, 9);

    expect(await deliver(handler, events)).toHaveLength(9);
    expect(actionsMadeOn(workgroup)).toEqual([]);
    // Redelivered within the lease: still held, still failed, nothing returned silently.
    vi.setSystemTime(new Date(NOON.getTime() + 60_000));
    expect(await deliver(handler, events)).toHaveLength(9);
    // Redelivered after the visibility timeout: the lease has run out and the claim is taken over.
    vi.setSystemTime(new Date(NOON.getTime() + VISIBILITY_TIMEOUT_MS));
    expect(await deliver(handler, events)).toEqual([]);

    expect(actionsMadeOn(workgroup)).toEqual(['throttle']);
    expect(await harness.counter(workgroup, 'day#2026-11-25')).toMatchObject({ queries: 9 });
  });

  it.each([2, 4])(
    '%i concurrent instances crossing throttle and disable: each applied once, restore gives both back',
    async (instances) => {
      const workgroup = await aBudgetedCapacityWorkgroup();
      const handlers = await Promise.all(
        Array.from({ length: instances }, () => anIngestInstance()),
      );
      expect(
        await deliver(
          handlers[0] as IngestHandler,
          scenario.oneDpuHourQueries(harness, workgroup, 7),
        ),
      ).toEqual([]);
      // Slow Athena answers widen the window in which the instances' actions overlap.
      harness.athena.faults = {
        GetWorkGroup: { latencyMs: 150 },
        UpdateWorkGroup: { latencyMs: 150 },
      };

      // Act: 4 more DPU-hours (to 110 %), shared out between the instances at once.
      const share = 4 / instances;
      const batches = handlers.map((handler) => ({
        handler,
        events: scenario.oneDpuHourQueries(harness, workgroup, share),
      }));
      let pending = await Promise.all(
        batches.map(async ({ handler, events }) => ({
          handler,
          events,
          failed: await deliver(handler, events),
        })),
      );
      // SQS redelivers what failed (the instances that found the claim held) after the rest.
      for (let round = 0; round < 3 && pending.some(({ failed }) => failed.length > 0); round++) {
        pending = await Promise.all(
          pending
            .filter(({ failed }) => failed.length > 0)
            .map(async ({ handler, events }) => ({
              handler,
              events,
              failed: await deliver(handler, events),
            })),
        );
      }
      expect(pending.flatMap(({ failed }) => failed)).toEqual([]);

      // Assess
      expect(actionsMadeOn(workgroup).sort()).toEqual(['disable', 'throttle']);
      const throttled = harness.athena.account.getWorkGroup(workgroup);
      expect(throttled?.State).toBe('DISABLED');
      expect(
        throttled?.Configuration?.EngineConfiguration?.Classifications?.[0]?.Properties,
      ).toEqual({ 'max-dpu-count': '8', 'min-dpu-count': '4' });

      harness.athena.faults = {};
      vi.setSystemTime(new Date('2026-11-26T01:00:00Z'));
      const results = (await restore({} as ScheduledEvent, lambdaContext)).filter(
        (result) => result.workgroup === workgroup,
      );
      expect(results.map((result) => [result.outcome, result.conflicts])).toEqual([
        ['restored', []],
      ]);
      const restored = harness.athena.account.getWorkGroup(workgroup);
      expect(restored?.State).toBe('ENABLED');
      expect(
        restored?.Configuration?.EngineConfiguration?.Classifications?.[0]?.Properties,
      ).toEqual({ 'max-dpu-count': '64', 'min-dpu-count': '4' });
    },
  );
});
