import type { QueryExecutionSource } from '../athena/query-execution-source.js';
import type { Pricing } from '../config.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import {
  type HeldOutboxEntries,
  metricPointsOfEntries,
  type OutboxMarker,
} from '../metrics/metrics-outbox.js';
import type { MetricsPublisher } from '../metrics/metrics-publisher.js';
import type { QueryRecordStore } from '../store/query-record-store.js';
import type { QueryCaller } from '../usage/query-principal.js';
import { deriveQueryUsage, type QueryUsage } from '../usage/query-usage.js';

/**
 * Runs after recording for every query that is recorded, now or before, so an enforcement that
 * failed is tried again when the same queries come back. Returns the workgroups it could not
 * handle, with why: their queries count as failed.
 */
export type AfterRecording = (
  recordedNow: readonly QueryUsage[],
  recordedEarlier: readonly QueryUsage[],
) => Promise<ReadonlyMap<string, string>>;

export interface RecordQueriesDependencies {
  readonly executions: QueryExecutionSource;
  readonly store: QueryRecordStore;
  readonly metrics: MetricsPublisher;
  /** Where the store committed the usage deltas: marked published once CloudWatch has them. */
  readonly outbox: OutboxMarker;
  /** Entries committed by `afterRecording` (counted throttle bypasses), published with the batch's. */
  readonly heldOutbox?: HeldOutboxEntries;
  readonly pricing: Pricing;
  /** Keep a redacted copy of each query's SQL text this long; absent or 0: none (the default). */
  readonly redactedSqlChars?: number | undefined;
  readonly logger: Log;
  readonly afterRecording?: AfterRecording;
}

/** Counts of what became of a set of queries. */
export interface RecordQueriesCounts {
  uniqueQueries: number;
  fetchFailures: number;
  recorded: number;
  alreadyRecorded: number;
  storeFailures: number;
  enforcementFailures: number;
  metricsPublished: boolean;
}

export interface RecordQueriesResult {
  /** Queries not safely recorded and enforced, with why: their source must offer them again. */
  readonly failures: ReadonlyMap<string, string>;
  readonly recorded: readonly QueryUsage[];
  readonly counts: RecordQueriesCounts;
}

/**
 * Records finished queries by id: fetches their executions (BatchGetQueryExecution, 50 at a
 * time), records each exactly once with its usage counters, runs budget enforcement, then
 * publishes metrics for what is new. The one path for events and for reconciliation alike.
 */
export function createRecordQueries(deps: RecordQueriesDependencies) {
  const { logger } = deps;

  /** `callers`: CloudTrail callers known for some of the queries (see QueryRecordStore). */
  return async function recordQueries(
    queryExecutionIds: readonly string[],
    callers?: ReadonlyMap<string, QueryCaller>,
  ): Promise<RecordQueriesResult> {
    const ids = [...new Set(queryExecutionIds)];
    const failures = new Map<string, string>();
    const counts: RecordQueriesCounts = {
      uniqueQueries: ids.length,
      fetchFailures: 0,
      recorded: 0,
      alreadyRecorded: 0,
      storeFailures: 0,
      enforcementFailures: 0,
      metricsPublished: false,
    };
    if (ids.length === 0) return { failures, recorded: [], counts };

    const usages: QueryUsage[] = [];
    const fetched = await deps.executions.fetchExecutions(ids);
    const wanted = new Set(ids);
    for (const execution of fetched.executions) {
      const id = execution.QueryExecutionId;
      if (id === undefined || !wanted.delete(id)) continue;
      const derived = deriveQueryUsage(execution, deps.pricing, {
        redactedSqlChars: deps.redactedSqlChars,
      });
      if (derived.ok) usages.push(derived.usage);
      else failures.set(id, derived.reason);
    }
    for (const id of wanted)
      failures.set(id, fetched.failures.get(id) ?? 'not returned by BatchGetQueryExecution');
    counts.fetchFailures = failures.size;

    const outcome = await deps.store.recordQueries(usages, callers);
    counts.recorded = outcome.recorded.length;
    counts.alreadyRecorded = outcome.alreadyRecorded.length;
    counts.storeFailures = outcome.failed.length;
    for (const { usage, reason } of outcome.failed) failures.set(usage.queryExecutionId, reason);

    try {
      if (deps.afterRecording && outcome.recorded.length + outcome.alreadyRecorded.length > 0) {
        const failedWorkgroups = await deps.afterRecording(
          outcome.recorded,
          outcome.alreadyRecorded,
        );
        for (const usage of [...outcome.recorded, ...outcome.alreadyRecorded]) {
          const reason = failedWorkgroups.get(usage.workgroup);
          if (reason === undefined) continue;
          counts.enforcementFailures++;
          failures.set(usage.queryExecutionId, `budget enforcement failed: ${reason}`);
        }
      }
    } finally {
      // After enforcement, so that the metrics it produced (BudgetUsedPercent, and the bypasses
      // it counted into the outbox) go in the same PutMetricData call. Everything in the outbox
      // was committed with what it counts: what is not published and marked here is published by
      // the sweep, never lost. Held entries are taken in every batch, never kept for a later one:
      // past the sweep's grace, an entry is the sweep's alone.
      const entries = [...outcome.outbox, ...(deps.heldOutbox?.take() ?? [])];
      if (entries.length > 0) {
        try {
          await deps.metrics.publish(metricPointsOfEntries(entries));
          counts.metricsPublished = true;
        } catch (error) {
          logger.error('Could not publish usage metrics; the outbox sweep will publish them', {
            error: describeError(error),
          });
        }
        // One BatchWriteItem for the whole batch (see DynamoDbOutboxMarker for why not fewer).
        if (counts.metricsPublished) {
          await deps.outbox
            .markPublished(entries)
            .catch((error: unknown) =>
              logger.error(
                'Could not mark usage metrics published; the sweep will publish them again',
                { error: describeError(error) },
              ),
            );
        }
      }
    }

    for (const [queryExecutionId, reason] of failures) {
      logger.warn('Query not recorded; it will be offered again', { queryExecutionId, reason });
    }
    return { failures, recorded: outcome.recorded, counts };
  };
}

export type RecordQueries = ReturnType<typeof createRecordQueries>;
