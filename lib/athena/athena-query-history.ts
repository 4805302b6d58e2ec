import {
  type AthenaClient,
  ListQueryExecutionsCommand,
  ListWorkGroupsCommand,
} from '@aws-sdk/client-athena';

/** ListQueryExecutions returns at most 50 ids per page. */
export const MAX_IDS_PER_LIST_PAGE = 50;

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

/** {@link QueryHistory} over ListWorkGroups and ListQueryExecutions. */
export class AthenaQueryHistory implements QueryHistory {
  constructor(private readonly athena: AthenaClient) {}

  async listWorkgroups(): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.athena.send(
        new ListWorkGroupsCommand({ MaxResults: 50, NextToken: nextToken }),
      );
      for (const summary of page.WorkGroups ?? []) if (summary.Name) names.push(summary.Name);
      nextToken = page.NextToken;
    } while (nextToken);
    return names;
  }

  async listQueryExecutionIds(workgroup: string, nextToken?: string): Promise<QueryHistoryPage> {
    try {
      const page = await this.athena.send(
        new ListQueryExecutionsCommand({
          WorkGroup: workgroup,
          MaxResults: MAX_IDS_PER_LIST_PAGE,
          NextToken: nextToken,
        }),
      );
      return {
        queryExecutionIds: page.QueryExecutionIds ?? [],
        nextToken: page.NextToken || undefined,
      };
    } catch (error) {
      // The workgroup was just listed, so a request Athena rejects as invalid with a saved
      // token is taken to be about the token (its exact message is not documented): starting
      // over is always safe, and a workgroup that really vanished fails again without it.
      if (
        nextToken !== undefined &&
        error instanceof Error &&
        error.name === 'InvalidRequestException'
      ) {
        throw new ExpiredPageTokenError(workgroup, error);
      }
      throw error;
    }
  }
}
