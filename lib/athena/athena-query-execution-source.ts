import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { chunk, mapWithConcurrency } from '../async/map-with-concurrency.js';
import { describeError } from '../errors/describe-error.js';
import type { FetchedExecutions, QueryExecutionSource } from './query-execution-source.js';

/** BatchGetQueryExecution takes at most 50 ids. */
export const MAX_IDS_PER_BATCH_GET = 50;
/** Parallel BatchGet calls per invocation, well below the 20/s account quota. */
const PARALLEL_BATCH_GETS = 3;

/**
 * Fetches executions with BatchGetQueryExecution in chunks of 50, a few chunks at a time. Ids
 * Athena leaves unprocessed are asked once more; what then still fails is returned with a reason.
 */
export class AthenaQueryExecutionSource implements QueryExecutionSource {
  constructor(private readonly athena: AthenaClient) {}

  async fetchExecutions(queryExecutionIds: readonly string[]): Promise<FetchedExecutions> {
    const first = await this.fetchOnce(queryExecutionIds);
    if (first.unprocessed.size === 0)
      return { executions: first.executions, failures: first.failures };
    const retry = await this.fetchOnce([...first.unprocessed.keys()]);
    return {
      executions: [...first.executions, ...retry.executions],
      failures: new Map([...first.failures, ...retry.failures, ...retry.unprocessed]),
    };
  }

  private async fetchOnce(ids: readonly string[]) {
    const executions: QueryExecution[] = [];
    const unprocessed = new Map<string, string>();
    const failures = new Map<string, string>();
    await mapWithConcurrency(
      chunk(ids, MAX_IDS_PER_BATCH_GET),
      PARALLEL_BATCH_GETS,
      async (part) => {
        try {
          const output = await this.athena.send(
            new BatchGetQueryExecutionCommand({ QueryExecutionIds: part }),
          );
          executions.push(...(output.QueryExecutions ?? []));
          for (const item of output.UnprocessedQueryExecutionIds ?? []) {
            if (!item.QueryExecutionId) continue;
            unprocessed.set(
              item.QueryExecutionId,
              `unprocessed by BatchGetQueryExecution: ${item.ErrorCode ?? 'no code'} ${item.ErrorMessage ?? ''}`.trim(),
            );
          }
        } catch (error) {
          const reason = `BatchGetQueryExecution failed: ${describeError(error)}`;
          for (const id of part) failures.set(id, reason);
        }
      },
    );
    return { executions, unprocessed, failures };
  }
}
