import type { QueryExecution } from './query-execution.js';

/** The executions found, and why each other id could not be fetched. */
export interface FetchedExecutions {
  readonly executions: readonly QueryExecution[];
  readonly failures: ReadonlyMap<string, string>;
}

/** Reads query executions from Athena. */
export interface QueryExecutionSource {
  fetchExecutions(queryExecutionIds: readonly string[]): Promise<FetchedExecutions>;
}
