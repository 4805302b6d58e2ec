import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { StopQueryExecutionCommand, UpdateWorkGroupCommand } from '@aws-sdk/client-athena';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { dpuHoursFromMillis } from '../../lib/usage/pricing.js';
import { readServerlessEsbuildOptions } from '../../local/environment/bundle-handler.js';
import type { LocalModeContext } from '../../local/mode/context.js';
import type { LocalModeSummary } from '../../local/mode/local-mode-summary.js';
import { type LocalModeOptions, runLocalMode } from '../../local/mode/run-local-mode.js';
import { type FeedMessage, SimulatedSqsQueue } from '../../local/simulation/event-feed.js';
import { generateSimulatedDay } from '../../local/simulation/simulated-day.js';

/**
 * Local mode end to end, in process: the real bundled ingest function fed a simulated day
 * (`--queries 400 --workgroups 3 --seed 7`) through the simulated EventBridge → SQS path, against
 * the tests' DynamoDB Local. Each run bundles and loads its own copy of the function.
 */

const RUN_TIMEOUT_MS = 120_000;

const runOnce = (
  extra: Pick<
    LocalModeOptions,
    | 'afterBatch'
    | 'sampleBudgets'
    | 'throttleRate'
    | 'enforceWorkgroupConfig'
    | 'logLevel'
    | 'output'
    | 'progress'
  > = {},
): Promise<LocalModeSummary> => {
  const endpoint = inject('dynamoDbEndpoint');
  if (!endpoint) throw new Error('DynamoDB Local is not running (test/support/global-setup.ts)');
  return runLocalMode({
    queries: 400,
    workgroups: 3,
    seed: 7,
    // A day other than today: the function must run on the simulated clock.
    day: '2026-10-07',
    // No pacing: the outcome does not depend on it.
    speed: 1e9,
    dynamoDbEndpoint: endpoint,
    tableName: `athena-cost-local-test-${randomUUID().slice(0, 8)}`,
    output: { write: () => true },
    progress: 'none',
    sampleBudgets: false,
    ...extra,
  });
};

/** A run with the sample budgets, and its context as the last batch left it (the account, SNS). */
async function runWithSampleBudgets(
  extra: Pick<LocalModeOptions, 'enforceWorkgroupConfig'> = {},
): Promise<{ summary: LocalModeSummary; context: LocalModeContext; printed: string }> {
  let context: LocalModeContext | undefined;
  let printed = '';
  const summary = await runOnce({
    sampleBudgets: true,
    ...extra,
    afterBatch: (ctx) => {
      context = ctx;
    },
    output: {
      write: (text: string) => {
        printed += text;
        return true;
      },
    },
  });
  if (context === undefined) throw new Error('the run played no batch');
  return { summary, context, printed };
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

describe('local mode', () => {
  let summary: LocalModeSummary;

  beforeAll(async () => {
    summary = await runOnce();
  }, RUN_TIMEOUT_MS);

  it('ends with DynamoDB counters equal to the ground truth, for every workgroup', () => {
    expect(summary.workgroups.map((result) => result.workgroup)).toEqual([
      'etl-nightly',
      'analytics',
      'adhoc',
    ]);
    for (const result of summary.workgroups) {
      expect(result.actual, result.workgroup).toEqual(result.groundTruth);
      expect(result.mismatches).toEqual([]);
    }
    expect(summary.queriesSimulated).toBe(400);
    expect(summary.matches).toBe(true);
  });

  it('counts every dbt model and tag value of the simulated day as the simulation attributed it', () => {
    const checks = new Map((summary.attribution ?? []).map((check) => [check.key, check]));
    // etl-nightly's data queries are dbt runs of 6 models; analytics tags team and dashboard,
    // adhoc team only; every query has a principal (CloudTrail's).
    expect([...checks.keys()]).toEqual(['dbt.model', 'principal', 'tag:dashboard', 'tag:team']);
    expect(
      checks
        .get('dbt.model')
        ?.rows.map((row) => row.value)
        .sort(),
    ).toEqual([
      'model.lake.customers_daily',
      'model.lake.orders_daily',
      'model.lake.payments_daily',
      'model.lake.revenue_by_region',
      'model.lake.sessions_daily',
      'model.lake.shipments_daily',
    ]);
    expect(
      checks
        .get('tag:team')
        ?.rows.map((row) => row.value)
        .sort(),
    ).toEqual(['bi', 'finance', 'growth', 'security']);
    for (const check of checks.values()) {
      expect(
        check.rows.filter((row) => !row.matches),
        check.key,
      ).toEqual([]);
      expect(check.rows.every((row) => row.expected.queries > 0)).toBe(true);
    }
    // Every data query of etl-nightly is a model run: the models hold its data queries' cost.
    const etl = summary.workgroups.find((result) => result.workgroup === 'etl-nightly');
    const models = checks.get('dbt.model')?.rows ?? [];
    expect(sum(models.map((row) => row.actual.queries))).toBeGreaterThan(
      (etl?.actual.queries ?? 0) * 0.8,
    );
  });

  it('counts no query twice despite duplicates, late events and redeliveries', () => {
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(summary.recordsRedelivered).toBeGreaterThan(0);
    expect(summary.eventsDelivered).toBeGreaterThan(summary.queriesSimulated);
    expect(summary.recordsReceived).toBeGreaterThanOrEqual(summary.eventsDelivered);
    expect(sum(summary.workgroups.map((result) => result.actual.queries))).toBe(
      summary.queriesSimulated,
    );
    expect(summary.queriesIngested).toBe(summary.queriesSimulated);
  });

  it('counts each query under the principal its CloudTrail record names, unknown where it never came', () => {
    const check = summary.attribution?.find((key) => key.key === 'principal');
    expect(check?.matches).toBe(true);
    const queriesOf = (principal: string) =>
      check?.rows.find((row) => row.value === principal)?.actual.queries ?? 0;
    expect(queriesOf('role/dbt-runner')).toBeGreaterThan(0);
    expect(queriesOf('identity-center/ana@example.com')).toBeGreaterThan(0);
    expect(queriesOf('unknown')).toBeGreaterThan(0);
    expect(sum(check?.rows.map((row) => row.actual.queries) ?? [])).toBe(summary.queriesSimulated);
  });

  it('counts the capacity reservation as the simulation allocated it, and bills all of it to its workgroups', () => {
    const reservation = summary.reservation;
    // 64 DPUs for 13.5 hours and 128 for 10.5: 2,208 DPU-hours, 662.40 USD at 0.30.
    expect(reservation?.truthDpuMillis).toBe(2_208 * 3_600_000);
    expect(reservation?.allocatedDpuMillis).toBe(reservation?.truthDpuMillis);
    expect(reservation?.costNanoUsd).toBe(662_400_000_000);
    expect(sum(reservation?.billed.map((row) => row.billedNanoUsd) ?? [])).toBe(
      reservation?.costNanoUsd,
    );
    // Attributed is what the queries' peaks were worth: less than the bill.
    expect(sum(reservation?.billed.map((row) => row.costNanoUsd) ?? [])).toBeLessThan(
      reservation?.costNanoUsd ?? 0,
    );
  });

  it('counts the reservation’s used DPU-hours from DPUConsumed, equal to what its queries used, and sizes it', () => {
    const reservation = summary.reservation;
    // The ground truth of use, computed apart: DpuCount × engine time of the capacity
    // workgroups' executions, as the workgroups' own ground truth totals hold it.
    const capacityDpuMillis = sum(
      summary.workgroups
        .filter((result) => reservation?.workgroups.includes(result.workgroup))
        .map((result) => result.groundTruth.dpuMillis),
    );
    expect(reservation?.usedSource).toBe('DPUConsumed');
    expect(reservation?.usedTruthDpuMillis).toBe(capacityDpuMillis);
    expect(reservation?.usedDpuMillis).toBe(reservation?.usedTruthDpuMillis);
    // A hint from every minute of the day, a multiple of 4, priced over the whole day: the hint
    // for 24 hours at 0.30 USD, against the 662.40 USD the day cost.
    expect(reservation?.rightSizing).toMatchObject({
      sampledMinutes: 1_440,
      countedMinutes: 1_440,
      costUsd: 662.4,
    });
    const hint = reservation?.rightSizing?.hintDpus ?? 0;
    expect(hint % 4).toBe(0);
    expect(hint).toBeGreaterThanOrEqual(4);
    expect(reservation?.rightSizing?.hintCostUsd).toBeCloseTo(hint * 24 * 0.3, 6);
    expect(reservation?.rightSizing?.savingUsd).toBeCloseTo(662.4 - hint * 24 * 0.3, 6);
  });

  it('leaves the dead-letter queue empty', () => {
    expect(summary.deadLetters).toEqual([]);
    expect(summary.invocationErrors).toBe(0);
  });

  it('publishes a CloudWatch QueryCount that sums to the number of unique queries', () => {
    expect(summary.cloudWatchQueryCount).toBe(summary.queriesSimulated);
    for (const result of summary.workgroups) {
      expect(result.cloudWatch.queryCount).toBe(result.actual.queries);
      expect(result.cloudWatch.dpuHours).toBeCloseTo(result.actual.dpuMillis / 3_600_000, 6);
    }
  });

  it(
    'gives the same ground truth and counters on a second run with the same seed',
    async () => {
      const again = await runOnce();
      expect(again.groundTruth).toEqual(summary.groundTruth);
      expect(again.workgroups.map((result) => result.actual)).toEqual(
        summary.workgroups.map((result) => result.actual),
      );
      expect(again.eventsDelivered).toBe(summary.eventsDelivered);
      expect(again.batches).toBe(summary.batches);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('local mode under enforcement', () => {
  it(
    'follows throttled and disabled workgroups and stopped queries, and still matches',
    async () => {
      const HOUR = 3_600_000;
      let context: LocalModeContext | undefined;
      let throttledAt: number | undefined;
      let disabledAt: number | undefined;
      const summary = await runOnce({
        // What the budget enforcer will do, done by hand at fixed times of the day.
        afterBatch: async (ctx, batch) => {
          context = ctx;
          const hour = (batch.atMs - ctx.day.start.getTime()) / HOUR;
          const running = ctx.athena.account
            .queryExecutions('etl-nightly')
            .filter((execution) => ['QUEUED', 'RUNNING'].includes(execution.Status?.State ?? ''));
          // Disable etl-nightly (and stop what runs) at the first batch that finds it busy.
          if (disabledAt === undefined && hour >= 1 && running.length > 0) {
            disabledAt = batch.atMs;
            await ctx.clients.athena.send(
              new UpdateWorkGroupCommand({ WorkGroup: 'etl-nightly', State: 'DISABLED' }),
            );
            for (const execution of running) {
              await ctx.clients.athena.send(
                new StopQueryExecutionCommand({ QueryExecutionId: execution.QueryExecutionId }),
              );
            }
          }
          if (throttledAt === undefined && hour >= 9) {
            throttledAt = batch.atMs;
            await ctx.clients.athena.send(
              new UpdateWorkGroupCommand({
                WorkGroup: 'analytics',
                ConfigurationUpdates: {
                  EngineConfiguration: {
                    Classifications: [
                      {
                        Name: 'athena-query-engine-properties',
                        Properties: { 'max-dpu-count': '8', 'min-dpu-count': '4' },
                      },
                    ],
                  },
                },
              }),
            );
          }
        },
      });

      expect(summary.matches).toBe(true);
      expect(summary.deadLetters).toEqual([]);
      expect(summary.workgroupUpdates).toBe(2);
      expect(summary.queriesRejected).toBeGreaterThan(0);
      expect(summary.queriesStopped).toBeGreaterThan(0);
      expect(
        summary.workgroups.find((result) => result.workgroup === 'etl-nightly')?.rejected,
      ).toBe(summary.queriesRejected);
      expect(summary.queriesSimulated + summary.queriesRejected).toBe(400);
      expect(summary.cloudWatchQueryCount).toBe(summary.queriesSimulated);

      const account = context?.athena.account;
      const submittedAfter = (workgroup: string, atMs: number | undefined) =>
        (account?.queryExecutions(workgroup) ?? []).filter(
          (execution) =>
            atMs !== undefined && (execution.Status?.SubmissionDateTime?.getTime() ?? 0) > atMs,
        );
      expect(disabledAt).toBeDefined();
      expect(submittedAfter('etl-nightly', disabledAt)).toEqual([]);
      const stopped = (account?.stopQueryExecutionCalls ?? []).map((call) =>
        account?.getQueryExecution(call.queryExecutionId),
      );
      for (const execution of stopped) {
        expect(execution?.Status?.State).toBe('CANCELLED');
        expect(execution?.Status?.CompletionDateTime?.getTime()).toBe(disabledAt);
      }
      const throttled = submittedAfter('analytics', throttledAt);
      expect(throttled.length).toBeGreaterThan(0);
      for (const execution of throttled) {
        expect(execution.Statistics?.DpuCount ?? 0).toBeLessThanOrEqual(8);
      }
    },
    RUN_TIMEOUT_MS,
  );
});

describe('local mode with the sample budgets', () => {
  it(
    'throttles then disables the busiest capacity workgroup once each, and still matches',
    async () => {
      const { summary, context, printed } = await runWithSampleBudgets();

      expect(summary.matches).toBe(true);
      expect(summary.budgets).toHaveLength(4);
      const updates = context.athena.account.updateWorkGroupCalls.filter((call) => !call.error);
      const budgeted = summary.budgets[0]?.split(':')[0] ?? '';
      const onBudgeted = updates.filter((call) => call.input.WorkGroup === budgeted);
      // Throttled, disabled, re-enabled by the afternoon operator, disabled again by the enforcer.
      expect(onBudgeted.map((call) => call.input.State ?? 'throttle')).toEqual([
        'throttle',
        'DISABLED',
        'ENABLED',
        'DISABLED',
      ]);
      expect(context.athena.account.getWorkGroup(budgeted)?.State).toBe('DISABLED');
      // The client with its own max-dpu-count on etl-nightly sidesteps the throttle: one alert.
      const subjects = context.sns.messages.map((message) => message.subject);
      expect(budgeted).toBe('etl-nightly');
      expect(subjects.filter((subject) => subject?.includes('bypass the throttle'))).toHaveLength(
        1,
      );
      expect(summary.queriesRejected).toBeGreaterThan(0);
      expect(summary.workgroupUpdates).toBe(updates.length);
      // The reservation's day budget (600 USD, scale-down at 100 % to 32 DPUs), evaluated by the
      // capacity run at 23:58: by 23:55, 2,208 DPU-hours less 5 minutes of 64 DPUs = 660.80 USD.
      const budget = summary.reservation?.budget;
      expect(budget?.reportCostUsd).toBe(660.8);
      expect(budget?.statusCostUsd).toBe(budget?.reportCostUsd);
      expect(budget?.usedPercent).toBeCloseTo(110.13, 2);
      expect(budget?.fromDpus).toBe(64);
      expect(budget?.requestedTargets).toEqual([32]);
      expect(budget?.actions).toEqual(['80% notify applied', '100% scale-down applied']);
      expect(subjects.filter((subject) => subject?.includes('scaled down 64 -> 32'))).toHaveLength(
        1,
      );
      // The finance tag's day budget (60 % of its planned cost): the simulation's finance queries
      // cross 50 % and 100 %, not 200 %, and the alerts topic got one notification for each.
      const finance = summary.attributionBudget;
      expect(finance?.budget.attribution).toBe('tag:team=finance');
      expect(finance?.truth).toEqual(
        summary.attribution
          ?.find((check) => check.key === 'tag:team')
          ?.rows.find((row) => row.value === 'finance')?.expected,
      );
      expect(finance?.truthUsedPercent).toBeGreaterThanOrEqual(100);
      expect(finance?.truthUsedPercent).toBeLessThan(200);
      expect(finance?.expected).toEqual([50, 100]);
      expect(finance?.notified).toEqual([50, 100]);
      expect(finance?.matches).toBe(true);
      expect(printed).toMatch(
        /^ {2}✓ notified once at each threshold crossed \(50%, 100%; not 200%\): alerts at 50%, 100%$/m,
      );
      // The day is still counted whole: the budget run split it, it did not change it.
      expect(summary.reservation?.allocatedDpuMillis).toBe(summary.reservation?.truthDpuMillis);

      // The Spark workgroup: counted to the millisecond, its sessions terminated once each at
      // 100 % (and the one started later, at the sweep after it started), its re-enable undone.
      const spark = summary.spark;
      expect(spark?.sessions).toBe(7);
      expect(spark?.dpuMillis).toBe(spark?.truthDpuMillis);
      expect(spark?.terminatedTwice).toEqual([]);
      const terminated = spark?.terminations.map((call) => call.sessionId) ?? [];
      expect(terminated).toEqual(expect.arrayContaining(['nb-huge-backfill', 'nb-late-start']));
      expect(new Set(terminated).size).toBe(terminated.length);
      const onSpark = updates.filter((call) => call.input.WorkGroup === 'spark-notebooks');
      expect(onSpark.map((call) => call.input.State)).toEqual(['DISABLED', 'ENABLED', 'DISABLED']);
      // 100 DPU-hours were reached in the afternoon, not at the day's 460 planned.
      expect(dpuHoursFromMillis(spark?.dpuMillis ?? 0)).toBeLessThan(150);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('local mode with --enforce-workgroup-config', () => {
  it(
    'holds the client with its own max-dpu-count to the throttle: no bypass',
    async () => {
      const { summary, context } = await runWithSampleBudgets({ enforceWorkgroupConfig: true });

      expect(summary.matches).toBe(true);
      const throttle = context.athena.account.updateWorkGroupCalls.find(
        (call) => call.input.WorkGroup === 'etl-nightly' && call.input.ConfigurationUpdates,
      );
      expect(throttle?.input.ConfigurationUpdates?.EnforceWorkGroupConfiguration).toBe(true);
      const subjects = context.sns.messages.map((message) => message.subject);
      expect(subjects.some((subject) => subject?.includes('bypass the throttle'))).toBe(false);
    },
    RUN_TIMEOUT_MS,
  );
});

describe('local mode with throttling injected', () => {
  it(
    'still counts every query exactly once with 10 % of Athena and CloudWatch calls throttled',
    async () => {
      let throttled = 0;
      let text = '';
      const summary = await runOnce({
        throttleRate: 0.1,
        afterBatch: (ctx) => {
          throttled = ctx.options.throttleRate;
        },
        // As on a terminal, with the function's INFO lines: each log line on a line of its own.
        progress: 'tty',
        logLevel: 'INFO',
        output: {
          write: (chunk: string) => {
            text += chunk;
            return true;
          },
        },
      });

      expect(throttled).toBe(0.1);
      expect(summary.matches).toBe(true);
      expect(summary.deadLetters).toEqual([]);
      // What a terminal shows of each line: what follows its last "go to column 0, clear".
      const shown = text.split('\n').map((line) => line.split('\r\x1b[2K').at(-1) ?? '');
      const logLines = shown.filter((line) => line.includes('"level":'));
      expect(logLines.length).toBeGreaterThan(0);
      for (const line of logLines) expect(() => JSON.parse(line), line).not.toThrow();
    },
    RUN_TIMEOUT_MS,
  );
});

describe('simulated day', () => {
  it('keeps content with the seed and every completion inside the day', () => {
    const a = generateSimulatedDay({ queries: 200, workgroups: 4, seed: 3, day: '2026-11-25' });
    const b = generateSimulatedDay({ queries: 200, workgroups: 4, seed: 3, day: '2026-11-26' });
    expect(b.queries.map((query) => query.execution.Statistics)).toEqual(
      a.queries.map((query) => query.execution.Statistics),
    );
    expect(new Set([...a.queries, ...b.queries].map((query) => query.id)).size).toBe(400);
    for (const query of a.queries) {
      expect(query.completedAt.getTime()).toBeLessThan(a.end.getTime());
      expect(query.submittedAt.getTime()).toBeGreaterThanOrEqual(a.start.getTime());
      const dpu = query.execution.Statistics?.DpuCount;
      if (query.workgroup === 'adhoc') expect(dpu).toBeUndefined();
      else if (query.startedAt !== undefined) expect((dpu ?? 0) % 4).toBe(0);
    }
  });
});

describe('simulated SQS queue', () => {
  const message = (id: string): FeedMessage => ({
    messageId: id,
    body: '{}',
    queryExecutionId: id,
    workgroup: 'analytics',
    state: 'SUCCEEDED',
    kind: 'event',
    sentAtMs: 0,
    delayed: false,
  });

  /** A queue of batches of 10 within 5 s, dead-lettering at the fifth receive. */
  const aQueue = (visibilityTimeoutMs: number) =>
    new SimulatedSqsQueue({
      batchSize: 10,
      batchingWindowMs: 5_000,
      visibilityTimeoutMs,
      maxReceiveCount: 5,
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
      region: 'us-east-1',
      seed: 1,
    });

  it('redelivers failed records with a higher receive count, then dead-letters them', () => {
    const queue = aQueue(420_000);
    queue.send(message('ok'));
    queue.send(message('poison'));
    const counts: string[] = [];
    for (let receive = 1; receive <= 5; receive++) {
      const at = queue.nextDispatchAtMs();
      expect(at).toBeDefined();
      const delivery = queue.receive(at ?? 0);
      const poison = delivery.event.Records.find((record) => record.messageId === 'poison');
      counts.push(poison?.attributes.ApproximateReceiveCount ?? '');
      queue.settle(delivery, ['poison']);
    }
    expect(counts).toEqual(['1', '2', '3', '4', '5']);
    expect(queue.nextDispatchAtMs()).toBeUndefined();
    expect(queue.deadLetters.map((letter) => letter.messageId)).toEqual(['poison']);
    expect(queue.redelivered).toBe(4);
  });

  it('fails the whole batch on an identifier that is not in it, as Lambda does', () => {
    const queue = aQueue(1_000);
    queue.send(message('a'));
    queue.send(message('b'));
    const delivery = queue.receive(queue.nextDispatchAtMs() ?? 0);
    expect(queue.settle(delivery, ['unknown']).wholeBatchFailed).toBe(true);
    expect(queue.size).toBe(2);
  });
});

describe('bundle options', () => {
  it('are read from esbuild.config.cjs, the file serverless.yml names', async () => {
    const serverlessYml = await readFile(new URL('../../serverless.yml', import.meta.url), 'utf8');
    expect(serverlessYml).toMatch(/^ {4}config: \.\/esbuild\.config\.cjs$/m);
    const options = readServerlessEsbuildOptions();
    expect(options.esbuild).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      sourcemap: true,
      mainFields: ['module', 'main'],
    });
    expect(options.esbuild.banner?.js).toContain('createRequire');
    expect(options.outputFileExtension).toBe('.mjs');
  });
});
