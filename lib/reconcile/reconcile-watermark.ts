import type { ReconcilePass, ReconcileState } from '../store/reconcile-state-store.js';

/**
 * The watermark rule, free of I/O. A pass lists a workgroup's history newest first; what it
 * leaves for a later run (queued, running, within the grace period, failed to record) holds the
 * watermark back to that query's submission time, and a query whose submission time is unknown
 * blocks the watermark from moving at all. After a complete pass the watermark becomes the
 * pass's start, held back so; a pass that stopped early is saved to be continued, and the
 * watermark stays.
 */

/** Where a pass over one workgroup's history stands, as far as the watermark cares. */
export interface PassHolds {
  /** When the pass began (epoch ms): it covers queries submitted before. */
  readonly startedAt: number;
  /** The earliest submission time (epoch ms) of a query the pass left for a later run. */
  readonly holdAt: number | undefined;
  /** A query of unknown submission time was left for later: the watermark cannot move. */
  readonly blocked: boolean;
}

/** A pass starting now from the newest query, holding nothing back yet. */
export const freshPass = (startedAt: number): PassHolds => ({
  startedAt,
  holdAt: undefined,
  blocked: false,
});

/** The saved pass a run continues, or a fresh one started at `runStart`. */
export function resumedPass(saved: ReconcilePass | undefined, runStart: number): PassHolds {
  if (saved === undefined) return freshPass(runStart);
  return {
    startedAt: Date.parse(saved.startedAt),
    holdAt: saved.holdAt ? Date.parse(saved.holdAt) : undefined,
    blocked: saved.blocked === true,
  };
}

/** The pass after leaving a query submitted at `submittedAt` (undefined: unknown) for later. */
export function holdBack(pass: PassHolds, submittedAt: number | undefined): PassHolds {
  if (submittedAt === undefined) return { ...pass, blocked: true };
  return { ...pass, holdAt: Math.min(pass.holdAt ?? submittedAt, submittedAt) };
}

/** How a run over one workgroup ended. */
export interface WorkgroupRunEnd {
  readonly workgroup: string;
  readonly saved: ReconcileState | undefined;
  /** The watermark the run's cutoff came from (a first run's: its initial lookback). */
  readonly watermarkUsed: string;
  readonly pass: PassHolds;
  /** The pass reached the cutoff or the end of Athena's history. */
  readonly complete: boolean;
  /** ListQueryExecutions token of the first page not looked at, when the pass stopped early. */
  readonly nextToken: string | undefined;
  /** Pages the run listed for the workgroup. */
  readonly pagesListed: number;
}

/**
 * The state to save after a run over one workgroup, or undefined when there is nothing to save
 * (the run listed no page, or stopped without a place to continue from).
 */
export function nextReconcileState(end: WorkgroupRunEnd): ReconcileState | undefined {
  const base: ReconcileState = end.saved ?? {
    workgroup: end.workgroup,
    watermark: undefined,
    pass: undefined,
    version: 0,
    updatedAt: undefined,
  };
  const { pass } = end;
  if (end.complete) {
    const watermark = pass.blocked
      ? end.watermarkUsed
      : new Date(Math.min(pass.startedAt, pass.holdAt ?? pass.startedAt)).toISOString();
    return { ...base, watermark, pass: undefined };
  }
  if (end.nextToken === undefined || end.pagesListed === 0) return undefined;
  return {
    ...base,
    watermark: end.watermarkUsed,
    pass: {
      startedAt: new Date(pass.startedAt).toISOString(),
      nextToken: end.nextToken,
      holdAt: pass.holdAt === undefined ? undefined : new Date(pass.holdAt).toISOString(),
      blocked: pass.blocked,
    },
  };
}
