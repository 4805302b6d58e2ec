/** One page of a workgroup's query history: ids, newest submission first. */
export interface QueryHistoryPage {
  readonly queryExecutionIds: readonly string[];
  /** Absent on the last page. */
  readonly nextToken: string | undefined;
}

/** Thrown when a saved page token is no longer accepted: the listing must start over. */
export class ExpiredPageTokenError extends Error {
  constructor(
    readonly workgroup: string,
    cause: unknown,
  ) {
    super(`ListQueryExecutions no longer accepts the saved page token of ${workgroup}`, { cause });
    this.name = 'ExpiredPageTokenError';
  }
}

/** Athena's own record of what ran: workgroups and, per workgroup, query ids newest first. */
export interface QueryHistory {
  /** Every workgroup, enabled or disabled (a disabled one may have finished queries to count). */
  listWorkgroups(): Promise<string[]>;
  /**
   * One page of the workgroup's query ids, newest submission first. A `nextToken` from an
   * earlier run that Athena rejects raises {@link ExpiredPageTokenError}.
   */
  listQueryExecutionIds(workgroup: string, nextToken?: string): Promise<QueryHistoryPage>;
}
