import type { EnforcementKey } from './enforcement-store.js';

/** A Spark session disable-now terminated (or is terminating) in a budget period. */
export interface SessionTermination {
  readonly sessionId: string;
  readonly status: 'requested' | 'terminated';
  readonly requestedAt: string;
  readonly terminatedAt?: string | undefined;
  /** The state TerminateSession answered. */
  readonly state?: string | undefined;
}

/**
 * Records the Spark sessions a budget's disable-now terminated, one item per session and period,
 * so that each session is sent TerminateSession once, whatever the retries and redeliveries.
 */
export interface SessionTerminationStore {
  /**
   * Takes the termination of a session for `owner` before TerminateSession is sent: true when
   * none is recorded, or when one was requested more than a lease ago and never recorded done
   * (its owner died between the two); false when it is done, or another owner is at it.
   */
  claim(key: EnforcementKey, sessionId: string, owner: string, now: Date): Promise<boolean>;
  /** Records the termination as done, with the state Athena answered. */
  complete(key: EnforcementKey, sessionId: string, state: string, now: Date): Promise<void>;
  /** Gives the claim back after TerminateSession failed, so a later run tries again. */
  release(key: EnforcementKey, sessionId: string, owner: string): Promise<void>;
  /** The terminations recorded in the period. */
  terminations(key: EnforcementKey): Promise<SessionTermination[]>;
}
