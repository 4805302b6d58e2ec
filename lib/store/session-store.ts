import type { SessionRecord, SparkIncrement } from '../spark/session-accounting.js';

/** A session the sweep must read again by id. */
export interface ActiveSessionRef {
  readonly sessionId: string;
  readonly workgroup: string;
}

/** One session's change, committed whole or not at all. */
export interface SessionCommit {
  /** The record as read before the change; undefined for a session never recorded. */
  readonly previous: SessionRecord | undefined;
  readonly next: SessionRecord;
  readonly increments: readonly SparkIncrement[];
}

/** Which sessions `athena-cost sessions` lists. */
export interface SessionListing {
  readonly workgroup?: string;
  /** Only sessions not yet ended. */
  readonly activeOnly: boolean;
  /** Also the sessions whose record changed on this UTC day (`YYYY-MM-DD`). */
  readonly day: string;
}

/** Spark session records, the active-session registry and the counters they feed. */
export interface SessionStore {
  /** Sessions remembered as not ended. */
  loadActive(): Promise<ActiveSessionRef[]>;
  /** Records by session id (strongly consistent); ids without a record are absent. */
  load(sessionIds: readonly string[]): Promise<ReadonlyMap<string, SessionRecord>>;
  /**
   * Writes the record, adds the increments to the workgroup's usage counters and keeps the
   * active-session registry in step, in one transaction that holds only if the record still has
   * the DPU time and state it was read with. Returns false when it no longer had them (another
   * sweep counted first): nothing was written.
   */
  commit(change: SessionCommit, now: Date): Promise<boolean>;
  /** Sessions active now or whose record changed on the given day, newest start first. */
  list(listing: SessionListing): Promise<SessionRecord[]>;
}
