import {
  AthenaClient,
  GetResourceDashboardCommand,
  GetSessionCommand,
  paginateListSessions,
  ResourceNotFoundException,
  TerminateSessionCommand,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/environment/local-account.js';
import { type AthenaStandIn, startAthenaStandIn } from '../../local/stand-ins/athena-stand-in.js';
import { aSparkEngineVersion } from '../support/factories.js';

/** The stand-in's Spark session operations through the real SDK client, on a simulated clock. */

const MINUTE = 60_000;
let now = new Date('2026-11-30T10:00:00Z');
let athena: AthenaStandIn;
let client: AthenaClient;

beforeAll(async () => {
  athena = await startAthenaStandIn({ clock: () => now });
  client = new AthenaClient({
    endpoint: athena.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  athena.account.addWorkGroup({
    Name: 'notebooks',
    Configuration: {
      EngineVersion: aSparkEngineVersion(),
    },
  });
});

afterAll(async () => {
  client?.destroy();
  await athena?.close();
});

describe('the Athena stand-in’s Spark sessions', () => {
  it('lists active sessions newest first over pages of at most MaxResults', async () => {
    // Prepare
    for (let index = 0; index < 5; index++)
      athena.account.sessions.startSession({
        SessionId: `page-${index}`,
        WorkGroup: 'notebooks',
        startedAt: new Date(now.getTime() + index * MINUTE),
      });
    athena.account.sessions.endSession('page-2');
    // Act
    const ids: string[] = [];
    for await (const page of paginateListSessions(
      { client, pageSize: 2 },
      { WorkGroup: 'notebooks', MaxResults: 2 },
    ))
      ids.push(...(page.Sessions ?? []).map((session) => session.SessionId ?? ''));
    // Assess
    expect(ids).toEqual(['page-4', 'page-3', 'page-1', 'page-0']);
  });

  it('reports DPU time growing with the clock, and its final figure after termination', async () => {
    // Prepare
    now = new Date('2026-11-30T11:00:00Z');
    athena.account.sessions.startSession({
      SessionId: 'grow',
      WorkGroup: 'notebooks',
      dpus: 4,
      EngineConfiguration: { MaxConcurrentDpus: 60, CoordinatorDpuSize: 1 },
    });
    now = new Date('2026-11-30T11:10:00Z');
    // Act
    const running = await client.send(new GetSessionCommand({ SessionId: 'grow' }));
    const terminated = await client.send(new TerminateSessionCommand({ SessionId: 'grow' }));
    now = new Date('2026-11-30T12:00:00Z');
    const ended = await client.send(new GetSessionCommand({ SessionId: 'grow' }));
    const again = await client.send(new TerminateSessionCommand({ SessionId: 'grow' }));
    // Assess
    expect(running.Statistics?.DpuExecutionInMillis).toBe(4 * 10 * MINUTE);
    expect(running.Status?.State).toBe('IDLE');
    expect(running.EngineConfiguration).toMatchObject({ MaxConcurrentDpus: 60 });
    expect(running.Status?.StartDateTime).toEqual(new Date('2026-11-30T11:00:00Z'));
    expect(terminated.State).toBe('TERMINATED');
    expect(again.State).toBe('TERMINATED');
    expect(ended.Statistics?.DpuExecutionInMillis).toBe(4 * 10 * MINUTE);
    expect(ended.Status?.EndDateTime).toEqual(new Date('2026-11-30T11:10:00Z'));
    expect(athena.account.sessions.terminateSessionCalls.map((call) => call.previousState)).toEqual(
      ['IDLE', 'TERMINATED'],
    );
  });

  it('answers ResourceNotFoundException for an unknown session', async () => {
    await expect(client.send(new GetSessionCommand({ SessionId: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('gives a fresh dashboard URL for a session ARN and refuses an unknown one', async () => {
    // Prepare
    athena.account.sessions.startSession({ SessionId: 'ui', WorkGroup: 'notebooks' });
    const arn = 'arn:aws:athena:us-east-1:123456789012:workgroup/notebooks/session/ui';
    // Act
    const first = await client.send(new GetResourceDashboardCommand({ ResourceARN: arn }));
    const second = await client.send(new GetResourceDashboardCommand({ ResourceARN: arn }));
    // Assess
    expect(first.Url).toMatch(/^https:\/\/.+\/live\/ui\?authToken=/);
    expect(second.Url).not.toBe(first.Url);
    await expect(
      client.send(
        new GetResourceDashboardCommand({
          ResourceARN: 'arn:aws:athena:us-east-1:123456789012:workgroup/notebooks/session/gone',
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
