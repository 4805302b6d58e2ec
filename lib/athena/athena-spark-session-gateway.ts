import {
  type AthenaClient,
  ListSessionsCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-athena';
import type { SparkSessionGateway } from './spark-session-gateway.js';

/**
 * States of a session that has not ended. ListSessions is documented to list sessions "in an
 * active state like CREATING, CREATED, IDLE, or BUSY"; DEGRADED (no healthy coordinator) is
 * kept too should it be listed: it has not ended, and TerminateSession ends it.
 */
const ACTIVE_STATES: ReadonlySet<string> = new Set([
  'CREATING',
  'CREATED',
  'IDLE',
  'BUSY',
  'DEGRADED',
]);

/** The session gateway over Athena's ListSessions and TerminateSession. */
export class AthenaSparkSessionGateway implements SparkSessionGateway {
  constructor(private readonly athena: AthenaClient) {}

  async listActiveSessionIds(workgroup: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.athena.send(
        new ListSessionsCommand({ WorkGroup: workgroup, NextToken: nextToken }),
      );
      for (const session of page.Sessions ?? []) {
        const state = session.Status?.State;
        if (session.SessionId !== undefined && state !== undefined && ACTIVE_STATES.has(state)) {
          ids.push(session.SessionId);
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return ids;
  }

  async terminateSession(sessionId: string): Promise<string | undefined> {
    const output = await this.athena.send(new TerminateSessionCommand({ SessionId: sessionId }));
    return output.State;
  }
}
