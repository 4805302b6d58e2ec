/** A listing of a workgroup's history that ran out of time, to be continued by the next run. */
export interface ReconcilePass {
  /** When the pass began: it covers queries submitted before this (ISO). */
  readonly startedAt: string;
  /** ListQueryExecutions token of the first page not yet looked at. */
  readonly nextToken: string;
  /** The earliest submission time (ISO) of a query the pass left for a later run, if any. */
  readonly holdAt: string | undefined;
  /** True when a query of unknown submission time could not be handled: keep the watermark. */
  readonly blocked: boolean;
}

/** How far back one workgroup's history has been reconciled. */
export interface ReconcileState {
  readonly workgroup: string;
  /**
   * Every query submitted before this instant (ISO) is recorded or was offered to recording
   * and found finished-and-recorded; undefined before the first complete pass.
   */
  readonly watermark: string | undefined;
  /** The pass in progress, when the last run stopped before reaching the watermark. */
  readonly pass: ReconcilePass | undefined;
  /** Optimistic-lock counter: 0 for a workgroup never saved. */
  readonly version: number;
  /** When the state was last saved (ISO); runs visit the least recently saved first. */
  readonly updatedAt: string | undefined;
}

/** Keeps reconciliation progress per workgroup. */
export interface ReconcileStateStore {
  /** Every workgroup's state (absent workgroups have none yet). */
  loadAll(): Promise<ReadonlyMap<string, ReconcileState>>;
  /**
   * Saves a state if nobody saved another since `state.version` was read; returns false when
   * someone did (a concurrent run): that run's state stands and this one is dropped.
   */
  save(state: ReconcileState, now: Date): Promise<boolean>;
}
