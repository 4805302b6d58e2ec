import type { QueryCaller } from '../usage/query-principal.js';

/** A query's id and the principal its CloudTrail `StartQueryExecution` record names. */
export interface QueryCall {
  readonly queryExecutionId: string;
  readonly caller: QueryCaller;
}

/** What became of one caller. */
export type CallerOutcome =
  /** The query is not recorded yet: the caller waits on its item, and its recording counts it. */
  | 'waiting'
  /** The query was counted under `unknown`: its usage moved to the caller now. */
  | 'moved'
  /** An earlier delivery already attributed the query: nothing counted again. */
  | 'alreadyAttributed'
  /** The query was recorded while principals were not attributed: left as it is. */
  | 'notAttributed';

export interface AttributeCallersResult {
  /** Queries whose caller is not safely stored or moved, with why: offer them again. */
  readonly failures: ReadonlyMap<string, string>;
  readonly counts: Readonly<Record<CallerOutcome, number>>;
  /**
   * Queries counted under their principal, now (moved) or by an earlier delivery (already
   * attributed): the principal's budget is evaluated after them, and again on a redelivery.
   */
  readonly attributed: readonly AttributedQuery[];
}

/** A recorded query and the principal its usage is counted under. */
export interface AttributedQuery {
  readonly queryExecutionId: string;
  readonly workgroup: string;
  readonly principal: string;
  /** Whether its usage moved to the principal now. */
  readonly moved: boolean;
}

/** Joins queries with their callers, in whichever order the two arrive. */
export interface QueryCallerStore {
  /**
   * Attributes each query to its caller exactly once: a query recorded under `unknown` has its
   * usage moved to the caller, in one transaction conditioned on it still being `unknown`; a
   * query not recorded yet gets the caller waiting on its item (with a TTL) for its recording.
   */
  attributeCallers(calls: readonly QueryCall[]): Promise<AttributeCallersResult>;
}
