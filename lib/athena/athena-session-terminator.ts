import { type AthenaClient, TerminateSessionCommand } from '@aws-sdk/client-athena';
import type { SessionState } from '../spark/session-accounting.js';
import { stateOf } from './athena-spark-sessions.js';
import type { SparkSessionTerminator } from './spark-sessions.js';

/**
 * TerminateSession, in a module of its own so that only the functions that end sessions carry
 * the call in their bundles (and so need the permission).
 */
export class AthenaSessionTerminator implements SparkSessionTerminator {
  constructor(private readonly athena: AthenaClient) {}

  async terminateSession(sessionId: string): Promise<SessionState | undefined> {
    const output = await this.athena.send(new TerminateSessionCommand({ SessionId: sessionId }));
    return stateOf(output.State);
  }
}
