import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { wireRecordSparkSessions } from '../../lib/wiring/wire-spark-sessions-function.js';
import { aSparkEngineVersion } from '../support/factories.js';
import { runCliInMemory } from '../support/in-memory-cli.js';
import { aTestConfig, startTestAws, type TestAws } from '../support/test-aws.js';

/**
 * `athena-cost sessions` and `athena-cost session ui` against DynamoDB Local and the Athena
 * stand-in, after sweeps on a simulated clock.
 */

const MINUTE = 60_000;
const ARN_PREFIX = 'arn:aws:athena:us-east-1:123456789012';

let aws: TestAws;
let now = new Date('2026-11-30T08:00:00Z');

const cli = (args: string[]) =>
  runCliInMemory(args, { env: { TABLE_NAME: aws.table.name }, now: () => now });

beforeAll(async () => {
  aws = await startTestAws({ tablePrefix: 'athena-cost-sessions-cli', clock: () => now });
  for (const name of ['notebooks', 'etl'])
    aws.athena.account.addWorkGroup({
      Name: name,
      Configuration: {
        EngineVersion: aSparkEngineVersion('Apache Spark version 3.5'),
      },
    });
  const sweep = wireRecordSparkSessions({
    ...aws.wiring(aTestConfig(aws.table.name), () => now),
    sparkConfig: { pricePerSparkDpuHourUsd: 0.35 },
  });
  const sessions = aws.athena.account.sessions;
  sessions.startSession({
    SessionId: 'big',
    WorkGroup: 'notebooks',
    state: 'BUSY',
    dpus: 20,
    EngineConfiguration: {
      CoordinatorDpuSize: 1,
      DefaultExecutorDpuSize: 2,
      MaxConcurrentDpus: 60,
    },
  });
  sessions.startSession({ SessionId: 'short', WorkGroup: 'etl', dpus: 4 });
  now = new Date(now.getTime() + 10 * MINUTE);
  await sweep({ athenaArnPrefix: ARN_PREFIX });
  now = new Date(now.getTime() + 20 * MINUTE);
  sessions.endSession('short');
  sessions.setActivity('big', { dpus: 1, state: 'IDLE' });
  await sweep({ athenaArnPrefix: ARN_PREFIX });
  now = new Date(now.getTime() + 90 * MINUTE);
});

beforeEach(() => {
  aws.stubEnvironment();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await aws?.stop();
});

describe('athena-cost sessions', () => {
  it('lists the sessions with DPU-hours, cost, state, idle time and engine settings', async () => {
    // Act
    const { code, stdout } = await cli(['sessions', '--format', 'json']);
    // Assess: big ran 20 DPUs for 30 minutes = 10 DPU-hours, then idled; short 4 × 0.5 h.
    expect(code).toBe(0);
    const { sessions } = JSON.parse(stdout) as { sessions: Record<string, unknown>[] };
    expect(sessions).toEqual([
      expect.objectContaining({
        sessionId: 'big',
        workgroup: 'notebooks',
        state: 'IDLE',
        dpuHours: 10,
        costUsd: 3.5,
        idleMs: 90 * MINUTE,
        coordinatorDpuSize: 1,
        defaultExecutorDpuSize: 2,
        maxConcurrentDpus: 60,
      }),
      expect.objectContaining({
        sessionId: 'short',
        workgroup: 'etl',
        state: 'TERMINATED',
        dpuHours: 2,
        costUsd: 0.7,
        idleMs: null,
        endedAt: '2026-11-30T08:30:00.000Z',
      }),
    ]);
  });

  it('narrows to a workgroup and to sessions not yet ended, and prints a table', async () => {
    // Act
    const active = await cli(['sessions', '--active']);
    const etl = await cli(['sessions', '--workgroup', 'etl', '--format', 'json']);
    const none = await cli(['sessions', '--workgroup', 'etl', '--active']);
    // Assess
    expect(active.code).toBe(0);
    expect(active.stdout).toMatch(/^SESSION\s+WORKGROUP\s+STATE/);
    expect(active.stdout).toMatch(
      /big\s+notebooks\s+IDLE\s+2026-11-30 08:00\s+-\s+10\.000\s+3\.50\s+1h 30m\s+1\/2\/60/,
    );
    expect(active.stdout).not.toContain('short');
    expect(
      (JSON.parse(etl.stdout) as { sessions: { sessionId: string }[] }).sessions.map(
        (session) => session.sessionId,
      ),
    ).toEqual(['short']);
    expect(none.stdout).toBe(
      'No active Spark sessions in etl (the sparkSessions function reads them every 5 minutes).\n',
    );
  });
});

describe('athena-cost session ui', () => {
  it('prints the Spark UI link of the session on stdout and nothing else there', async () => {
    // Act
    const { code, stdout, stderr } = await cli(['session', 'ui', 'big']);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^https:\/\/\S+\/live\/big\?authToken=\S+\n$/);
    expect(stderr).toContain('do not share it');
    expect(stderr).not.toContain('https://');
    expect(aws.athena.account.sessions.resourceDashboardCalls.at(-1)?.resourceArn).toBe(
      `${ARN_PREFIX}:workgroup/notebooks/session/big`,
    );
  });

  it('says when the session does not exist, exiting 1', async () => {
    // Act
    const { code, stdout, stderr } = await cli(['session', 'ui', 'no-such-session']);
    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain("athena-cost: Spark session 'no-such-session' does not exist\n");
  });

  it('refuses a missing or malformed session id as a usage error', async () => {
    expect((await cli(['session', 'ui'])).code).toBe(2);
    expect((await cli(['session', 'ui', 'a b'])).code).toBe(2);
  });
});
