import {
  type AthenaClient,
  ListQueryExecutionsCommand,
  ListWorkGroupsCommand,
} from '@aws-sdk/client-athena';
import { tokenPages } from '../async/token-pages.js';
import {
  ExpiredPageTokenError,
  type QueryHistory,
  type QueryHistoryPage,
} from './query-history.js';

/** ListQueryExecutions returns at most 50 ids per page. */
export const MAX_IDS_PER_LIST_PAGE = 50;

/** {@link QueryHistory} over ListWorkGroups and ListQueryExecutions. */
export class AthenaQueryHistory implements QueryHistory {
  constructor(private readonly athena: AthenaClient) {}

  async listWorkgroups(): Promise<string[]> {
    const names: string[] = [];
    const pages = tokenPages((nextToken) =>
      this.athena.send(new ListWorkGroupsCommand({ MaxResults: 50, NextToken: nextToken })),
    );
    for await (const page of pages) {
      for (const summary of page.WorkGroups ?? []) if (summary.Name) names.push(summary.Name);
    }
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
