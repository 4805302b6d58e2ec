import { parseQueryStateChange } from '../events/query-state-change.js';
import type { Log } from '../log.js';
import { isTerminalState } from '../usage/query-usage.js';
import type { RecordQueries, RecordQueriesCounts } from './record-queries.js';

/** One queued message: its id (to report failures) and its body (the EventBridge event). */
export interface IncomingMessage {
  readonly messageId: string;
  readonly body: string;
}

/** Counts of what became of a batch, logged as one line. */
export interface IngestSummary extends RecordQueriesCounts {
  readonly messages: number;
  readonly malformed: number;
  readonly notTerminal: number;
}

export interface IngestResult {
  /** Messages SQS must deliver again (or, past the receive limit, move to the dead-letter queue). */
  readonly failedMessageIds: readonly string[];
  readonly summary: IngestSummary;
}

/**
 * Records the finished queries a batch of state-change events announces.
 *
 * Parses each message (a bad one fails alone), keeps terminal states, hands the distinct query
 * ids to `recordQueries`, and reports exactly the messages whose query is not yet safely
 * recorded, so that SQS redelivers them.
 */
export function createRecordQueryEvents(deps: {
  readonly recordQueries: RecordQueries;
  readonly logger: Log;
}) {
  const { logger } = deps;

  return async function recordQueryEvents(
    messages: readonly IncomingMessage[],
  ): Promise<IngestResult> {
    const failed = new Set<string>();
    let malformed = 0;
    let notTerminal = 0;
    // Which messages announced each query: a failure of the query fails all of them.
    const messagesByQuery = new Map<string, string[]>();
    for (const message of messages) {
      const parsed = parseQueryStateChange(message.body);
      if (!parsed.ok) {
        malformed++;
        failed.add(message.messageId);
        logger.error('Malformed message', { messageId: message.messageId, reason: parsed.reason });
        continue;
      }
      const { queryExecutionId, currentState } = parsed.event.detail;
      if (!isTerminalState(currentState)) {
        notTerminal++;
        continue;
      }
      const carriers = messagesByQuery.get(queryExecutionId) ?? [];
      carriers.push(message.messageId);
      messagesByQuery.set(queryExecutionId, carriers);
    }

    const result = await deps.recordQueries([...messagesByQuery.keys()]);
    for (const queryExecutionId of result.failures.keys()) {
      for (const messageId of messagesByQuery.get(queryExecutionId) ?? []) failed.add(messageId);
    }

    const summary: IngestSummary = {
      messages: messages.length,
      malformed,
      notTerminal,
      ...result.counts,
    };
    logger.info('Batch ingested', { ...summary, failedMessages: failed.size });
    return { failedMessageIds: [...failed], summary };
  };
}

export type RecordQueryEvents = ReturnType<typeof createRecordQueryEvents>;
