import type { ObservedSession, SessionState } from '../spark/session-accounting.js';

/** A workgroup whose engine is Spark (its sessions are what Spark usage is made of). */
export interface SparkWorkgroup {
  readonly name: string;
  /** The effective engine version, e.g. `PySpark engine version 3`, `Apache Spark version 3.5`. */
  readonly engineVersion: string;
}

/** The Spark workgroups of the account and their sessions, as Athena reports them. */
export interface SparkSessions {
  /** Every workgroup whose engine version is a Spark one (ListWorkGroups). */
  listSparkWorkgroups(): Promise<SparkWorkgroup[]>;
  /** Ids of the workgroup's sessions in an active state (ListSessions, every page). */
  listActiveSessionIds(workgroup: string): Promise<string[]>;
  /** The session (GetSession), or undefined when Athena does not know the id. */
  getSession(sessionId: string): Promise<ObservedSession | undefined>;
}

/** Ends sessions (TerminateSession): what enforcement uses on Spark workgroups. */
export interface SparkSessionTerminator {
  /** The state Athena answers; calling it on an ended session succeeds and changes nothing. */
  terminateSession(sessionId: string): Promise<SessionState | undefined>;
}
