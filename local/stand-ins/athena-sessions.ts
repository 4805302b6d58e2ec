import { randomBytes } from 'node:crypto';
import type {
  EngineConfiguration,
  GetResourceDashboardRequest,
  GetResourceDashboardResponse,
  GetSessionRequest,
  GetSessionResponse,
  ListSessionsRequest,
  ListSessionsResponse,
  SessionState,
  SessionSummary,
  TerminateSessionRequest,
  TerminateSessionResponse,
  WorkGroup,
} from '@aws-sdk/client-athena';
import { AwsServiceError } from './aws-json-server.js';

/**
 * Spark sessions of the simulated Athena account: what ListSessions, GetSession,
 * GetResourceDashboard and TerminateSession answer from. A session's DPU time
 * (`Statistics.DpuExecutionInMillis`) grows with the clock at the DPUs it currently uses, so a
 * simulated clock makes it grow with simulated time.
 */

/** States ListSessions lists ("an active state like CREATING, CREATED, IDLE, or BUSY"). */
export const LISTED_SESSION_STATES: ReadonlySet<SessionState> = new Set([
  'CREATING',
  'CREATED',
  'IDLE',
  'BUSY',
]);
/** States after which a session uses nothing more. */
const ENDED_STATES: ReadonlySet<SessionState> = new Set(['TERMINATED', 'FAILED']);
const MAX_SESSIONS_PAGE = 100;
const DEFAULT_COORDINATOR_DPUS = 1;
const DEFAULT_EXECUTOR_DPUS = 1;
const DEFAULT_MAX_CONCURRENT_DPUS = 20;

/** A session to seed; unset fields: started now, IDLE, using its coordinator's DPUs. */
export interface SessionInit {
  readonly SessionId: string;
  readonly WorkGroup: string;
  readonly Description?: string;
  readonly EngineVersion?: string;
  readonly EngineConfiguration?: Pick<
    EngineConfiguration,
    'CoordinatorDpuSize' | 'MaxConcurrentDpus' | 'DefaultExecutorDpuSize'
  >;
  readonly startedAt?: Date;
  /** DPUs in use from the start (default: the coordinator's). */
  readonly dpus?: number;
  readonly state?: SessionState;
}

/** One TerminateSession call that reached the account, accepted or not. */
export interface TerminateSessionRecord {
  readonly sessionId: string;
  readonly at: Date;
  /** State before the call, when the session existed. */
  readonly previousState?: SessionState;
  readonly error?: string;
}

interface StoredSession {
  readonly id: string;
  readonly workGroup: string;
  readonly description: string | undefined;
  readonly engineVersion: string;
  readonly engine: Required<
    Pick<EngineConfiguration, 'CoordinatorDpuSize' | 'MaxConcurrentDpus' | 'DefaultExecutorDpuSize'>
  >;
  readonly startedAt: Date;
  /** Insertion order: the tie-breaker between equal start times. */
  readonly sequence: number;
  state: SessionState;
  /** DPUs in use since `since`. */
  dpus: number;
  since: Date;
  /** DPU-ms used before `since`. */
  usedBefore: number;
  endedAt: Date | undefined;
  idleSince: Date | undefined;
  lastModified: Date;
  stateChangeReason: string | undefined;
}

/** The sessions of the simulated account and the session operations over them. */
export class SimulatedSparkSessions {
  /** TerminateSession calls in arrival order. */
  readonly terminateSessionCalls: TerminateSessionRecord[] = [];
  /** The ids GetSession was asked for, in arrival order. */
  readonly getSessionCalls: string[] = [];
  /** GetResourceDashboard calls in arrival order (the ARN asked for, never the URL given). */
  readonly resourceDashboardCalls: { readonly resourceArn: string; readonly at: Date }[] = [];

  private readonly sessions = new Map<string, StoredSession>();
  private nextSequence = 0;

  constructor(
    private readonly clock: () => Date,
    private readonly workGroupOf: (name: string) => WorkGroup | undefined,
  ) {}

  /** Starts (or replaces) a session; its workgroup must exist. */
  startSession(init: SessionInit): void {
    const workGroup = this.workGroupOf(init.WorkGroup);
    if (workGroup === undefined)
      throw new Error(`startSession: workgroup ${init.WorkGroup} does not exist; add it first`);
    const startedAt = init.startedAt ?? this.clock();
    const engine = {
      CoordinatorDpuSize: init.EngineConfiguration?.CoordinatorDpuSize ?? DEFAULT_COORDINATOR_DPUS,
      MaxConcurrentDpus: init.EngineConfiguration?.MaxConcurrentDpus ?? DEFAULT_MAX_CONCURRENT_DPUS,
      DefaultExecutorDpuSize:
        init.EngineConfiguration?.DefaultExecutorDpuSize ?? DEFAULT_EXECUTOR_DPUS,
    };
    const state = init.state ?? 'IDLE';
    this.sessions.set(init.SessionId, {
      id: init.SessionId,
      workGroup: init.WorkGroup,
      description: init.Description,
      engineVersion:
        init.EngineVersion ??
        workGroup.Configuration?.EngineVersion?.EffectiveEngineVersion ??
        'PySpark engine version 3',
      engine,
      startedAt,
      sequence: this.sessions.get(init.SessionId)?.sequence ?? this.nextSequence++,
      state,
      dpus: init.dpus ?? engine.CoordinatorDpuSize,
      since: startedAt,
      usedBefore: 0,
      endedAt: undefined,
      idleSince: state === 'IDLE' ? startedAt : undefined,
      lastModified: startedAt,
      stateChangeReason: undefined,
    });
  }

  /**
   * From now on the session uses `dpus` DPUs and is in `state` (BUSY while it computes, IDLE
   * while it waits). An ended session does not change.
   */
  setActivity(sessionId: string, activity: { dpus: number; state: 'BUSY' | 'IDLE' }): void {
    const session = this.require(sessionId);
    if (ENDED_STATES.has(session.state)) return;
    const now = this.clock();
    this.settle(session, now);
    session.dpus = activity.dpus;
    if (activity.state !== session.state) {
      session.state = activity.state;
      session.idleSince = activity.state === 'IDLE' ? now : undefined;
    }
    session.lastModified = now;
  }

  /** Ends the session now (TERMINATED, as an idle timeout or TerminateSession, or FAILED). */
  endSession(sessionId: string, state: 'TERMINATED' | 'FAILED' = 'TERMINATED', reason?: string) {
    const session = this.require(sessionId);
    if (ENDED_STATES.has(session.state)) return;
    const now = this.clock();
    this.settle(session, now);
    session.state = state;
    session.dpus = 0;
    session.endedAt = now;
    session.idleSince = undefined;
    session.lastModified = now;
    session.stateChangeReason = reason;
  }

  /** Forgets a session altogether, as Athena eventually does with old ones (when is undocumented). */
  forgetSession(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** The session as GetSession returns it, or undefined. */
  getSession(sessionId: string): GetSessionResponse | undefined {
    const session = this.sessions.get(sessionId);
    return session === undefined ? undefined : this.describe(session);
  }

  /** DPU-ms the session has used up to now: the ground truth tests compare against. */
  dpuMillisOf(sessionId: string): number {
    const session = this.require(sessionId);
    return usedUntil(session, this.clock());
  }

  sessionIds(workGroup?: string): string[] {
    return [...this.sessions.values()]
      .filter((session) => workGroup === undefined || session.workGroup === workGroup)
      .map((session) => session.id);
  }

  /**
   * Serves ListSessions: the workgroup's sessions in a listed state, newest first. With a
   * StateFilter the stand-in returns the sessions in that state (whether Athena lists ended
   * sessions for a filter such as TERMINATED is undocumented; the product never asks).
   */
  listSessions(input: ListSessionsRequest): ListSessionsResponse {
    const workGroup = requireString(input.WorkGroup, 'WorkGroup');
    if (this.workGroupOf(workGroup) === undefined)
      throw invalidRequest(`WorkGroup ${workGroup} is not found.`);
    const pageSize = pageSizeOf(input.MaxResults);
    const matching = [...this.sessions.values()]
      .filter(
        (session) =>
          session.workGroup === workGroup &&
          (input.StateFilter === undefined
            ? LISTED_SESSION_STATES.has(session.state)
            : session.state === input.StateFilter),
      )
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.sequence - a.sequence);
    let start = 0;
    if (input.NextToken !== undefined) {
      const after = decodeToken(input.NextToken, workGroup);
      const index = matching.findIndex((session) => session.id === after);
      start = index === -1 ? matching.length : index + 1;
    }
    const page = matching.slice(start, start + pageSize);
    const last = page.at(-1);
    return {
      Sessions: page.map((session) => this.summaryOf(session)),
      ...(start + pageSize < matching.length && last !== undefined
        ? { NextToken: encodeToken(workGroup, last.id) }
        : {}),
    };
  }

  /** Serves GetSession. */
  getSessionOperation(input: GetSessionRequest): GetSessionResponse {
    const id = requireString(input.SessionId, 'SessionId');
    this.getSessionCalls.push(id);
    const session = this.sessions.get(id);
    if (session === undefined) throw sessionNotFound(id);
    return this.describe(session);
  }

  /**
   * Serves TerminateSession: an active session ends at once (real sessions pass through
   * TERMINATING); on an ended one it succeeds and changes nothing, as the API documents.
   */
  terminateSession(input: TerminateSessionRequest): TerminateSessionResponse {
    const at = this.clock();
    const id = typeof input.SessionId === 'string' ? input.SessionId : '';
    const previousState = this.sessions.get(id)?.state;
    try {
      requireString(input.SessionId, 'SessionId');
      if (previousState === undefined) throw sessionNotFound(id);
      this.endSession(id, 'TERMINATED', 'Session was terminated by TerminateSession');
      this.terminateSessionCalls.push({ sessionId: id, at, previousState });
      return { State: this.require(id).state };
    } catch (error) {
      this.terminateSessionCalls.push({
        sessionId: id,
        at,
        ...(previousState === undefined ? {} : { previousState }),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  /**
   * Serves GetResourceDashboard for a session ARN
   * (`arn:<partition>:athena:<region>:<account>:workgroup/<name>/session/<id>`): a fresh URL
   * carrying a random token each time, as a live, credential-like link.
   */
  getResourceDashboard(input: GetResourceDashboardRequest): GetResourceDashboardResponse {
    const arn = requireString(input.ResourceARN, 'ResourceARN');
    this.resourceDashboardCalls.push({ resourceArn: arn, at: this.clock() });
    const match =
      /^arn:[a-z-]+:athena:[a-z0-9-]+:\d{12}:workgroup\/([^/]+)\/session\/([^/]+)$/.exec(arn);
    if (match === null) throw invalidRequest(`ResourceARN ${arn} is not a session ARN`);
    const [, workGroup, id] = match;
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (session === undefined || session.workGroup !== workGroup)
      throw new AwsServiceError('ResourceNotFoundException', `Resource ${arn} not found`, 400, {
        messageKey: 'Message',
        fields: { ResourceName: arn },
      });
    const ui = ENDED_STATES.has(session.state) ? 'history' : 'live';
    const token = randomBytes(24).toString('base64url');
    return { Url: `https://spark-ui.local.invalid/${ui}/${session.id}?authToken=${token}` };
  }

  private describe(session: StoredSession): GetSessionResponse {
    const now = this.clock();
    return {
      SessionId: session.id,
      ...(session.description === undefined ? {} : { Description: session.description }),
      WorkGroup: session.workGroup,
      EngineVersion: session.engineVersion,
      EngineConfiguration: { ...session.engine },
      Status: this.statusOf(session),
      Statistics: { DpuExecutionInMillis: usedUntil(session, now) },
    };
  }

  private summaryOf(session: StoredSession): SessionSummary {
    return {
      SessionId: session.id,
      ...(session.description === undefined ? {} : { Description: session.description }),
      EngineVersion: { EffectiveEngineVersion: session.engineVersion },
      Status: this.statusOf(session),
    };
  }

  private statusOf(session: StoredSession) {
    return {
      StartDateTime: session.startedAt,
      LastModifiedDateTime: session.lastModified,
      State: session.state,
      ...(session.endedAt === undefined ? {} : { EndDateTime: session.endedAt }),
      ...(session.idleSince === undefined ? {} : { IdleSinceDateTime: session.idleSince }),
      ...(session.stateChangeReason === undefined
        ? {}
        : { StateChangeReason: session.stateChangeReason }),
    };
  }

  /** Moves what the session used up to `at` into `usedBefore`. */
  private settle(session: StoredSession, at: Date): void {
    session.usedBefore = usedUntil(session, at);
    session.since = at;
  }

  private require(sessionId: string): StoredSession {
    const session = this.sessions.get(sessionId);
    if (session === undefined) throw new Error(`no session ${sessionId}`);
    return session;
  }
}

function usedUntil(session: StoredSession, at: Date): number {
  const end = session.endedAt === undefined ? at.getTime() : session.endedAt.getTime();
  return session.usedBefore + Math.max(0, session.dpus * (end - session.since.getTime()));
}

/**
 * What the stand-in answers for an unknown session id. The model lists both
 * ResourceNotFoundException and InvalidRequestException for GetSession; which one Athena sends
 * for an unknown id is undocumented: the stand-in sends the former.
 */
function sessionNotFound(id: string): AwsServiceError {
  return new AwsServiceError('ResourceNotFoundException', `Session ${id} was not found`, 400, {
    messageKey: 'Message',
    fields: { ResourceName: id },
  });
}

function invalidRequest(message: string): AwsServiceError {
  return new AwsServiceError('InvalidRequestException', message, 400, {
    messageKey: 'Message',
    fields: { AthenaErrorCode: 'INVALID_INPUT' },
  });
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalidRequest(`${field} is required and must be a string`);
  return value;
}

function pageSizeOf(value: unknown): number {
  if (value === undefined) return MAX_SESSIONS_PAGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100)
    throw invalidRequest('MaxResults must be an integer between 1 and 100');
  return value;
}

function encodeToken(workGroup: string, afterId: string): string {
  return Buffer.from(JSON.stringify({ w: workGroup, a: afterId })).toString('base64url');
}

function decodeToken(token: unknown, workGroup: string): string {
  if (typeof token === 'string') {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      if (
        typeof decoded === 'object' &&
        decoded !== null &&
        (decoded as { w?: unknown }).w === workGroup &&
        typeof (decoded as { a?: unknown }).a === 'string'
      )
        return (decoded as { a: string }).a;
    } catch {
      // the service's error below
    }
  }
  throw invalidRequest('Invalid NextToken');
}
