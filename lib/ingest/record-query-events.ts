import type { Logger } from '@aws-lambda-powertools/logger';
import type { QueryExecutionSource } from '../athena/query-execution-gateway.js';
import type { Pricing } from '../config.js';
import { describeError } from '../errors/describe-error.js';
import { parseQueryStateChange } from '../events/query-state-change.js';
import type { MetricsPublisher } from '../metrics/metrics-publisher.js';
import { usageMetricsOf } from '../metrics/usage-metrics.js';
import type { QueryRecordStore } from '../store/query-record-store.js';
import { deriveQueryUsage, isTerminalState, type QueryUsage } from '../usage/query-usage.js';

/** One queued message: its id (to report failures) and its body (the EventBridge event). */
export interface IncomingMessage {
  readonly messageId: string;
  readonly body: string;
}

/**
 * Runs after recording for every query of the batch that is recorded, now or before, so an
 * enforcement that failed is tried again on redelivery. Returns the workgroups it could not
 * handle, with why: their messages are redelivered.
 */
export type AfterRecording = (
  recordedNow: readonly QueryUsage[],
  recordedEarlier: readonly QueryUsage[],
) => Promise<ReadonlyMap<string, string>>;

export interface RecordQueryEventsDependencies {
  readonly executions: QueryExecutionSource;
  readonly store: QueryRecordStore;
  readonly metrics: MetricsPublisher;
  readonly pricing: Pricing;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly afterRecording?: AfterRecording;
}

/** Counts of what became of a batch, logged as one line. */
export interface IngestSummary {
  messages: number;
  malformed: number;
  notTerminal: number;
  uniqueQueries: number;
  fetchFailures: number;
  recorded: number;
  alreadyRecorded: number;
  storeFailures: number;
  enforcementFailures: number;
  metricsPublished: boolean;
}

export interface IngestResult {
  /** Messages SQS must deliver again (or, past the receive limit, move to the dead-letter queue). */
  readonly failedMessageIds: readonly string[];
  readonly summary: IngestSummary;
}

/**
 * Records the finished queries a batch of state-change events announces.
 *
 * Parses each message (a bad one fails alone), keeps terminal states, fetches the executions
 * once per distinct id, records each query exactly once with its usage counters, publishes
 * metrics for what is new, and reports exactly the messages whose query is not yet safely
 * recorded so that SQS redelivers them.
 */
export function createRecordQueryEvents(deps: RecordQueryEventsDependencies) {
  const now = deps.now ?? (() => new Date());
  const { logger } = deps;

  return async function recordQueryEvents(
    messages: readonly IncomingMessage[],
  ): Promise<IngestResult> {
    const failed = new Set<string>();
    const summary: IngestSummary = {
      messages: messages.length,
      malformed: 0,
      notTerminal: 0,
      uniqueQueries: 0,
      fetchFailures: 0,
      recorded: 0,
      alreadyRecorded: 0,
      storeFailures: 0,
      enforcementFailures: 0,
      metricsPublished: false,
    };

    // Which messages announced each query: a failure of the query fails all of them.
    const messagesByQuery = new Map<string, string[]>();
    for (const message of messages) {
      const parsed = parseQueryStateChange(message.body);
      if (!parsed.ok) {
        summary.malformed++;
        failed.add(message.messageId);
        logger.error('Malformed message', { messageId: message.messageId, reason: parsed.reason });
        continue;
      }
      const { queryExecutionId, currentState } = parsed.event.detail;
      if (!isTerminalState(currentState)) {
        summary.notTerminal++;
        continue;
      }
      const carriers = messagesByQuery.get(queryExecutionId) ?? [];
      carriers.push(message.messageId);
      messagesByQuery.set(queryExecutionId, carriers);
    }
    summary.uniqueQueries = messagesByQuery.size;

    const failQuery = (queryExecutionId: string, reason: string) => {
      for (const messageId of messagesByQuery.get(queryExecutionId) ?? []) failed.add(messageId);
      logger.warn('Query not recorded, its messages will be redelivered', {
        queryExecutionId,
        reason,
      });
    };

    const usages: QueryUsage[] = [];
    if (messagesByQuery.size > 0) {
      const fetched = await deps.executions.fetchExecutions([...messagesByQuery.keys()]);
      const found = new Set<string>();
      for (const execution of fetched.executions) {
        const id = execution.QueryExecutionId;
        if (id === undefined || !messagesByQuery.has(id) || found.has(id)) continue;
        found.add(id);
        const derived = deriveQueryUsage(execution, deps.pricing);
        if (derived.ok) usages.push(derived.usage);
        else {
          summary.fetchFailures++;
          failQuery(id, derived.reason);
        }
      }
      for (const id of messagesByQuery.keys()) {
        if (found.has(id)) continue;
        summary.fetchFailures++;
        failQuery(id, fetched.failures.get(id) ?? 'not returned by BatchGetQueryExecution');
      }
    }

    const outcome = await deps.store.recordQueries(usages);
    summary.recorded = outcome.recorded.length;
    summary.alreadyRecorded = outcome.alreadyRecorded.length;
    summary.storeFailures = outcome.failed.length;
    for (const { usage, reason } of outcome.failed) failQuery(usage.queryExecutionId, reason);

    if (outcome.recorded.length > 0) {
      // Metrics are best effort: the records are safe, and redelivery would not count them again.
      try {
        await deps.metrics.publish(usageMetricsOf(outcome.recorded, now()));
        summary.metricsPublished = true;
      } catch (error) {
        logger.error('Could not publish usage metrics', { error: describeError(error) });
      }
    }

    if (deps.afterRecording && outcome.recorded.length + outcome.alreadyRecorded.length > 0) {
      const failedWorkgroups = await deps.afterRecording(outcome.recorded, outcome.alreadyRecorded);
      for (const usage of [...outcome.recorded, ...outcome.alreadyRecorded]) {
        const reason = failedWorkgroups.get(usage.workgroup);
        if (reason === undefined) continue;
        summary.enforcementFailures++;
        failQuery(usage.queryExecutionId, `budget enforcement failed: ${reason}`);
      }
    }

    logger.info('Batch ingested', { ...summary, failedMessages: failed.size });
    return { failedMessageIds: [...failed], summary };
  };
}

export type RecordQueryEvents = ReturnType<typeof createRecordQueryEvents>;
