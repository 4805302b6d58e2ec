/** What the table knows of a query that is already recorded. */
export interface RecordedQuery {
  /** When Athena received the query (ISO), as recorded; undefined if the record lacks it. */
  readonly submittedAt: string | undefined;
}

/** Tells which queries already have a record, without reading the records themselves. */
export interface RecordedQueryIndex {
  /** The ids among `queryExecutionIds` that are recorded, with their submission time. */
  lookup(queryExecutionIds: readonly string[]): Promise<ReadonlyMap<string, RecordedQuery>>;
}
