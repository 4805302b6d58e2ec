/**
 * The fields of an Athena `QueryExecution` (GetQueryExecution, BatchGetQueryExecution) that the
 * monitor reads, so that ports and the domain never import the SDK. The SDK's own
 * `QueryExecution` is assignable to it.
 */
export interface QueryExecution {
  readonly QueryExecutionId?: string | undefined;
  readonly WorkGroup?: string | undefined;
  readonly StatementType?: string | undefined;
  /** The SQL text: read for attribution tags in the ingest path, never stored. */
  readonly Query?: string | undefined;
  readonly QueryExecutionContext?:
    | { readonly Catalog?: string | undefined; readonly Database?: string | undefined }
    | undefined;
  readonly Status?:
    | {
        readonly State?: string | undefined;
        readonly SubmissionDateTime?: Date | undefined;
        readonly CompletionDateTime?: Date | undefined;
        readonly AthenaError?: { readonly ErrorType?: number | undefined } | undefined;
      }
    | undefined;
  readonly Statistics?:
    | {
        readonly DpuCount?: number | undefined;
        readonly EngineExecutionTimeInMillis?: number | undefined;
        readonly DataScannedInBytes?: number | undefined;
        readonly QueryQueueTimeInMillis?: number | undefined;
        readonly QueryPlanningTimeInMillis?: number | undefined;
        readonly TotalExecutionTimeInMillis?: number | undefined;
      }
    | undefined;
}
