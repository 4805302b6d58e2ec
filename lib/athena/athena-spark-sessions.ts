import {
  type AthenaClient,
  GetSessionCommand,
  type GetSessionResponse,
  ListSessionsCommand,
  ListWorkGroupsCommand,
} from '@aws-sdk/client-athena';
import {
  type ObservedSession,
  SESSION_STATES,
  type SessionState,
} from '../spark/session-accounting.js';
import { isSparkEngineVersion } from '../spark/spark-workgroups.js';
import type { SparkSessions, SparkWorkgroup } from './spark-sessions.js';

/** ListSessions' largest page (API reference: MaxResults 1 to 100). */
const SESSIONS_PAGE = 100;
const KNOWN_STATES: ReadonlySet<string> = new Set(SESSION_STATES);

/**
 * Spark sessions through the Athena API: ListWorkGroups (whose summaries carry each
 * workgroup's engine version, so no GetWorkGroup per workgroup), ListSessions, GetSession and
 * TerminateSession. Never GetSessionEndpoint: the product has no use for a Spark Connect token.
 */
export class AthenaSparkSessions implements SparkSessions {
  constructor(private readonly athena: AthenaClient) {}

  async listSparkWorkgroups(): Promise<SparkWorkgroup[]> {
    const workgroups: SparkWorkgroup[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.athena.send(
        new ListWorkGroupsCommand(nextToken === undefined ? {} : { NextToken: nextToken }),
      );
      for (const summary of page.WorkGroups ?? []) {
        const engineVersion =
          summary.EngineVersion?.EffectiveEngineVersion ??
          summary.EngineVersion?.SelectedEngineVersion;
        if (summary.Name !== undefined && isSparkEngineVersion(engineVersion))
          workgroups.push({ name: summary.Name, engineVersion: engineVersion ?? '' });
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return workgroups;
  }

  async listActiveSessionIds(workgroup: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.athena.send(
        new ListSessionsCommand({
          WorkGroup: workgroup,
          MaxResults: SESSIONS_PAGE,
          ...(nextToken === undefined ? {} : { NextToken: nextToken }),
        }),
      );
      for (const session of page.Sessions ?? [])
        if (session.SessionId !== undefined) ids.push(session.SessionId);
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return ids;
  }

  async getSession(sessionId: string): Promise<ObservedSession | undefined> {
    let output: GetSessionResponse;
    try {
      output = await this.athena.send(new GetSessionCommand({ SessionId: sessionId }));
    } catch (error) {
      if (isUnknownSession(error)) return undefined;
      throw error;
    }
    return observedSessionOf(sessionId, output);
  }
}

/**
 * GetSession's answer for an id Athena does not know: ResourceNotFoundException (the model
 * lists it for GetSession; which error Athena really sends for an unknown id is undocumented).
 */
export function isUnknownSession(error: unknown): boolean {
  return error instanceof Error && error.name === 'ResourceNotFoundException';
}

/** A GetSession answer as the accounting reads it; a session without a workgroup is rejected. */
export function observedSessionOf(sessionId: string, output: GetSessionResponse): ObservedSession {
  const state = stateOf(output.Status?.State);
  if (output.WorkGroup === undefined || state === undefined)
    throw new Error(
      `GetSession ${sessionId} answered without ${output.WorkGroup === undefined ? 'WorkGroup' : 'a known Status.State'}`,
    );
  const engine = output.EngineConfiguration;
  return {
    sessionId,
    workgroup: output.WorkGroup,
    state,
    dpuMillis: output.Statistics?.DpuExecutionInMillis ?? 0,
    ...(output.Status?.StartDateTime === undefined
      ? {}
      : { startedAt: output.Status.StartDateTime }),
    ...(output.Status?.EndDateTime === undefined ? {} : { endedAt: output.Status.EndDateTime }),
    ...(output.Status?.IdleSinceDateTime === undefined
      ? {}
      : { idleSince: output.Status.IdleSinceDateTime }),
    ...(output.EngineVersion === undefined ? {} : { engineVersion: output.EngineVersion }),
    engine: {
      ...(engine?.CoordinatorDpuSize === undefined
        ? {}
        : { coordinatorDpuSize: engine.CoordinatorDpuSize }),
      ...(engine?.MaxConcurrentDpus === undefined
        ? {}
        : { maxConcurrentDpus: engine.MaxConcurrentDpus }),
      ...(engine?.DefaultExecutorDpuSize === undefined
        ? {}
        : { defaultExecutorDpuSize: engine.DefaultExecutorDpuSize }),
    },
  };
}

export const stateOf = (state: string | undefined): SessionState | undefined =>
  state !== undefined && KNOWN_STATES.has(state) ? (state as SessionState) : undefined;
