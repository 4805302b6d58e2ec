import { randomUUID } from 'node:crypto';
import { UpdateWorkGroupCommand } from '@aws-sdk/client-athena';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetAlert } from '../../lib/alerts/budget-alert.js';
import { AthenaSessionTerminator } from '../../lib/athena/athena-session-terminator.js';
import { AthenaSparkSessions } from '../../lib/athena/athena-spark-sessions.js';
import { AthenaWorkgroupSettingsGateway } from '../../lib/athena/athena-workgroup-settings-gateway.js';
import type { SparkSessions } from '../../lib/athena/spark-sessions.js';
import { type Budget, parseBudget } from '../../lib/budgets/budget.js';
import { createSparkBudgetEnforcer } from '../../lib/budgets/enforce-spark-budgets.js';
import { createRestoreWorkgroups } from '../../lib/budgets/restore-workgroups.js';
import {
  CLAIM_LEASE_MS,
  DynamoDbEnforcementStore,
} from '../../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbSessionTerminationStore } from '../../lib/store/dynamodb-session-termination-store.js';
import { DynamoDbUsageCounterReader } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { TableKeys, USAGE_COUNTER_UPDATE } from '../../lib/store/table-keys.js';
import { PERIODS, periodKeysFor } from '../../lib/usage/period-keys.js';
import { MILLIS_PER_HOUR } from '../../lib/usage/pricing.js';
import { aSparkEngineVersion } from '../support/factories.js';
import { quietLog, startTestAws, type TestAws } from '../support/test-aws.js';

/**
 * Budgets on Spark workgroups through the real stores (DynamoDB Local) and the Athena stand-in's
 * workgroup APIs: the throttle lowers MaxConcurrentDpus and restore gives it back (an operator's
 * change wins), dry run and protected change nothing, and disable-now terminates each active
 * session once under retries, concurrent runs, a failed call and an owner that died.
 */

const NOON = new Date('2026-11-25T12:00:00Z');
const NEXT_DAY = new Date('2026-11-26T00:30:00Z');

let aws: TestAws;
let clock = NOON;
const now = () => clock;

beforeAll(async () => {
  aws = await startTestAws({ tablePrefix: 'spark-budgets', clock: now });
});

afterAll(async () => {
  await aws?.stop();
});

/**
 * ListSessions as Athena may answer it just after TerminateSession: the sessions it listed
 * before are still listed while they shut down (TERMINATING); the stand-in ends them at once.
 */
function listingTerminatingSessions(
  sessions: Pick<SparkSessions, 'listActiveSessionIds'>,
): Pick<SparkSessions, 'listActiveSessionIds'> {
  const listed = new Set<string>();
  return {
    async listActiveSessionIds(workgroup) {
      for (const id of await sessions.listActiveSessionIds(workgroup)) listed.add(id);
      return [...listed];
    },
  };
}

interface SparkWorld {
  readonly workgroup: string;
  /** Ids of its sessions, as started. */
  readonly sessionIds: readonly string[];
  readonly alerts: BudgetAlert[];
  readonly budgets: Budget[];
  /** A fresh enforcer, as a separate sweep instance would have. */
  enforcer(options?: {
    readonly listsTerminating?: boolean;
  }): ReturnType<typeof createSparkBudgetEnforcer>;
}

/** A Spark workgroup with `maxConcurrentDpus` set (or none) and three active sessions. */
function aSparkWorkgroup(maxConcurrentDpus: number | null = 20): SparkWorld {
  const workgroup = `spark-${randomUUID().slice(0, 8)}`;
  aws.athena.account.addWorkGroup({
    Name: workgroup,
    Configuration: {
      EngineVersion: aSparkEngineVersion(),
      EngineConfiguration: {
        CoordinatorDpuSize: 1,
        DefaultExecutorDpuSize: 1,
        ...(maxConcurrentDpus === null ? {} : { MaxConcurrentDpus: maxConcurrentDpus }),
      },
    },
  });
  const sessionIds = ['idle-for-hours', 'busy', 'huge'].map((id) => `${workgroup}-${id}`);
  const started = new Date(NOON.getTime() - 3 * 3_600_000);
  for (const [index, id] of sessionIds.entries()) {
    aws.athena.account.sessions.startSession({
      SessionId: id,
      WorkGroup: workgroup,
      startedAt: started,
      dpus: [1, 8, 60][index] ?? 1,
      state: index === 0 ? 'IDLE' : 'BUSY',
    });
  }
  const alerts: BudgetAlert[] = [];
  const budgets: Budget[] = [];
  const enforcer = (options: { readonly listsTerminating?: boolean } = {}) => {
    const sessions = new AthenaSparkSessions(aws.clients.athena);
    return createSparkBudgetEnforcer({
      budgets: async () => budgets,
      counters: new DynamoDbUsageCounterReader(aws.table.documents, aws.table.name),
      enforcement: new DynamoDbEnforcementStore(aws.table.documents, aws.table.name),
      workgroups: new AthenaWorkgroupSettingsGateway(aws.clients.athena),
      sessions: options.listsTerminating ? listingTerminatingSessions(sessions) : sessions,
      terminator: new AthenaSessionTerminator(aws.clients.athena),
      terminations: new DynamoDbSessionTerminationStore(aws.table.documents, aws.table.name),
      alerts: { publish: async (alert) => void alerts.push(alert) },
      metrics: { publish: async () => {} },
      logger: quietLog,
      now,
    });
  };
  return { workgroup, sessionIds, alerts, budgets, enforcer };
}

/** A day budget of 10 DPU-hours with the given thresholds. */
function setBudget(world: SparkWorld, input: Record<string, unknown>): void {
  const parsed = parseBudget({
    workgroup: world.workgroup,
    period: 'day',
    limitDpuHours: 10,
    updatedAt: '2026-11-25T08:00:00Z',
    ...input,
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  world.budgets.splice(0, world.budgets.length, parsed.budget);
}

/** What the session sweep adds: DPU time into the workgroup's day, week and month counters. */
async function addSparkUsage(workgroup: string, dpuHours: number): Promise<void> {
  const keys = periodKeysFor(clock);
  for (const period of PERIODS) {
    await aws.table.documents.send(
      new UpdateCommand({
        TableName: aws.table.name,
        Key: TableKeys.usage(workgroup, period, keys[period]),
        ...USAGE_COUNTER_UPDATE,
        ExpressionAttributeValues: {
          ':queries': 0,
          ':failed': 0,
          ':dpuMillis': dpuHours * MILLIS_PER_HOUR,
          ':bytes': 0,
          ':cost': dpuHours * 350_000_000,
          ':engineMs': 0,
          ':type': 'usage',
          ':workgroup': workgroup,
          ':period': period,
          ':periodKey': keys[period],
          ':now': clock.toISOString(),
        },
      }),
    );
  }
}

const maxConcurrentDpusOf = (workgroup: string) =>
  aws.athena.account.getWorkGroup(workgroup)?.Configuration?.EngineConfiguration?.MaxConcurrentDpus;

const updatesOf = (workgroup: string) =>
  aws.athena.account.updateWorkGroupCalls.filter(
    (call) => call.input.WorkGroup === workgroup && call.error === undefined,
  );

/** The TerminateSession calls that reached the account for the world's sessions, in order. */
const terminationsOf = (world: SparkWorld) =>
  aws.athena.account.sessions.terminateSessionCalls
    .filter((call) => call.sessionId.startsWith(world.workgroup))
    .map((call) => call.sessionId);

const activeSessionsOf = (world: SparkWorld) =>
  aws.athena.account.sessions
    .sessionIds(world.workgroup)
    .filter((id) => aws.athena.account.sessions.getSession(id)?.Status?.State !== 'TERMINATED');

const dayKey = (workgroup: string) => ({
  workgroup,
  period: 'day' as const,
  periodKey: '2026-11-25',
});

function restoreAt(at: Date) {
  clock = at;
  return createRestoreWorkgroups({
    enforcement: new DynamoDbEnforcementStore(aws.table.documents, aws.table.name),
    workgroups: new AthenaWorkgroupSettingsGateway(aws.clients.athena),
    alerts: { publish: async () => {} },
    logger: quietLog,
    now,
  });
}

/** At noon, a Spark workgroup at 90 % of a budget that throttles new sessions to 4 DPUs at 80 %. */
async function aWorkgroupOverItsThrottle(maxConcurrentDpus: number | null): Promise<SparkWorld> {
  clock = NOON;
  const world = aSparkWorkgroup(maxConcurrentDpus);
  setBudget(world, {
    thresholds: [{ percent: 80, action: 'throttle' }],
    throttleMaxConcurrentDpus: 4,
  });
  await addSparkUsage(world.workgroup, 9);
  return world;
}

describe('Spark budget throttle', () => {
  it('lowers MaxConcurrentDpus once for new sessions, keeping the engine sizes, and gives it back after the period', async () => {
    // Prepare
    const world = await aWorkgroupOverItsThrottle(20);

    // Act: two sweeps over the same usage.
    const first = await world.enforcer()([world.workgroup]);
    const second = await world.enforcer()([world.workgroup]);

    // Assess
    expect([...first, ...second]).toEqual([]);
    expect(updatesOf(world.workgroup).map((call) => call.input.ConfigurationUpdates)).toEqual([
      { EngineConfiguration: { MaxConcurrentDpus: 4 } },
    ]);
    const engine = aws.athena.account.getWorkGroup(world.workgroup)?.Configuration
      ?.EngineConfiguration;
    expect(engine).toEqual({
      CoordinatorDpuSize: 1,
      DefaultExecutorDpuSize: 1,
      MaxConcurrentDpus: 4,
    });
    expect(terminationsOf(world)).toEqual([]);
    expect(world.alerts).toMatchObject([
      {
        kind: 'budget-action',
        action: 'throttle',
        outcome: 'applied',
        throttleMaxConcurrentDpus: 4,
        detail: 'throttle MaxConcurrentDpus of new sessions to 4',
      },
    ]);

    // Act: the period ends.
    const results = await restoreAt(NEXT_DAY)({ workgroup: world.workgroup });

    // Assess
    expect(results).toMatchObject([{ outcome: 'restored', conflicts: [] }]);
    expect(maxConcurrentDpusOf(world.workgroup)).toBe(20);
  });

  it("leaves an operator's own MaxConcurrentDpus at restore and reports it", async () => {
    // Prepare
    const world = await aWorkgroupOverItsThrottle(20);
    await world.enforcer()([world.workgroup]);
    await aws.clients.athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: world.workgroup,
        ConfigurationUpdates: { EngineConfiguration: { MaxConcurrentDpus: 10 } },
      }),
    );

    // Act
    const results = await restoreAt(NEXT_DAY)({ workgroup: world.workgroup });

    // Assess
    expect(results).toMatchObject([
      {
        outcome: 'nothing-to-restore',
        conflicts: ['MaxConcurrentDpus: product set 4, now 10; left as is'],
      },
    ]);
    expect(maxConcurrentDpusOf(world.workgroup)).toBe(10);
  });

  it('reports, and leaves, a MaxConcurrentDpus the workgroup did not have before the throttle', async () => {
    // Prepare
    const world = await aWorkgroupOverItsThrottle(null);
    await world.enforcer()([world.workgroup]);

    // Act
    const results = await restoreAt(NEXT_DAY)({ workgroup: world.workgroup });

    // Assess
    expect(results).toMatchObject([
      {
        outcome: 'nothing-to-restore',
        conflicts: [
          'MaxConcurrentDpus: unset before the throttle, and UpdateWorkGroup cannot unset it; left at 4',
        ],
      },
    ]);
  });
});

describe('Spark budget in dry run or protected', () => {
  it.each([
    [
      'dry run',
      { dryRun: true },
      'dry-run',
      'would disable the workgroup and terminate its active Spark sessions',
    ],
    ['protected', { protected: true }, 'applied', 'notified'],
  ])('changes nothing and terminates nothing when %s', async (_, mode, outcome, detail) => {
    // Prepare
    clock = NOON;
    const world = aSparkWorkgroup();
    setBudget(world, { thresholds: [{ percent: 100, action: 'disable-now' }], ...mode });
    await addSparkUsage(world.workgroup, 12);

    // Act
    const failures = await world.enforcer()([world.workgroup]);

    // Assess
    expect([...failures]).toEqual([]);
    expect(updatesOf(world.workgroup)).toEqual([]);
    expect(terminationsOf(world)).toEqual([]);
    expect(aws.athena.account.getWorkGroup(world.workgroup)?.State).toBe('ENABLED');
    expect(world.alerts).toMatchObject([{ kind: 'budget-action', outcome, detail }]);
  });
});

describe('Spark budget disable-now', () => {
  it('disables the workgroup, then terminates each active session once over concurrent and retried sweeps', async () => {
    // Prepare
    clock = NOON;
    const world = aSparkWorkgroup();
    setBudget(world, { thresholds: [{ percent: 100, action: 'disable-now' }] });
    await addSparkUsage(world.workgroup, 12);

    // Act: two sweeps at once, then a retry of each, with ListSessions still listing the
    // sessions they terminated (TERMINATING).
    const sweep = () => world.enforcer({ listsTerminating: true })([world.workgroup]);
    const runs = await Promise.all([sweep(), sweep()]);
    const retries = await Promise.all([sweep(), sweep()]);

    // Assess
    expect(aws.athena.account.getWorkGroup(world.workgroup)?.State).toBe('DISABLED');
    expect(terminationsOf(world).sort()).toEqual([...world.sessionIds].sort());
    expect(activeSessionsOf(world)).toEqual([]);
    // A run that found the claim held is told to look again; the retries settle.
    expect(runs.filter((failures) => failures.size === 0).length).toBeGreaterThanOrEqual(1);
    expect(retries.flatMap((failures) => [...failures])).toEqual([]);
    const terminations = await new DynamoDbSessionTerminationStore(
      aws.table.documents,
      aws.table.name,
    ).terminations(dayKey(world.workgroup));
    expect(terminations.map((t) => [t.sessionId, t.status, t.state]).sort()).toEqual(
      [...world.sessionIds].sort().map((id) => [id, 'terminated', 'TERMINATED']),
    );
    const applied = world.alerts.filter((alert) => alert.kind === 'budget-action');
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({
      action: 'disable-now',
      outcome: 'applied',
      stops: 'sessions',
      detail: expect.stringContaining('terminated 3 active sessions'),
    });
  });

  it('terminates a session whose call failed at the next sweep, and only that one', async () => {
    // Prepare
    clock = NOON;
    const world = aSparkWorkgroup();
    setBudget(world, { thresholds: [{ percent: 100, action: 'disable-now' }] });
    await addSparkUsage(world.workgroup, 12);
    // A client fault, which the SDK does not retry.
    aws.athena.failNext('TerminateSession', 1, 'InvalidRequestException');

    // Act
    const first = await world.enforcer()([world.workgroup]);
    const left = activeSessionsOf(world);
    const second = await world.enforcer()([world.workgroup]);

    // Assess
    expect(left).toHaveLength(1);
    expect(first.get(world.workgroup)).toContain(`could not terminate ${left[0]}`);
    expect([...second]).toEqual([]);
    expect(activeSessionsOf(world)).toEqual([]);
    expect(terminationsOf(world).sort()).toEqual([...world.sessionIds].sort());
    expect(
      world.alerts.map((alert) => [alert.kind, 'stops' in alert ? alert.stops : undefined]),
    ).toEqual([
      ['budget-action-failed', 'sessions'],
      ['budget-action', 'sessions'],
    ]);
  });

  it('terminates a session started while the disable-now is in force, once', async () => {
    // Prepare
    clock = NOON;
    const world = aSparkWorkgroup();
    setBudget(world, { thresholds: [{ percent: 100, action: 'disable-now' }] });
    await addSparkUsage(world.workgroup, 12);
    await world.enforcer()([world.workgroup]);
    const late = `${world.workgroup}-started-late`;
    clock = new Date(NOON.getTime() + 2 * 60_000);
    aws.athena.account.sessions.startSession({ SessionId: late, WorkGroup: world.workgroup });

    // Act: the next two sweeps.
    clock = new Date(NOON.getTime() + 5 * 60_000);
    const first = await world.enforcer()([world.workgroup]);
    clock = new Date(NOON.getTime() + 10 * 60_000);
    const second = await world.enforcer()([world.workgroup]);

    // Assess
    expect([...first, ...second]).toEqual([]);
    expect(terminationsOf(world).filter((id) => id === late)).toEqual([late]);
    expect(terminationsOf(world)).toHaveLength(4);
  });

  it("takes over the termination of a session whose owner died between claim and call, after the claim's lease", async () => {
    // Prepare
    clock = NOON;
    const world = aSparkWorkgroup();
    setBudget(world, { thresholds: [{ percent: 100, action: 'disable-now' }] });
    await addSparkUsage(world.workgroup, 12);
    const orphan = `${world.workgroup}-busy`;
    const terminations = new DynamoDbSessionTerminationStore(aws.table.documents, aws.table.name);
    const diedAt = new Date(NOON.getTime() - CLAIM_LEASE_MS - 1_000);
    expect(await terminations.claim(dayKey(world.workgroup), orphan, 'dead-owner', diedAt)).toBe(
      true,
    );

    // Act
    const failures = await world.enforcer()([world.workgroup]);

    // Assess
    expect([...failures]).toEqual([]);
    expect(terminationsOf(world).sort()).toEqual([...world.sessionIds].sort());
    expect(activeSessionsOf(world)).toEqual([]);
  });
});
