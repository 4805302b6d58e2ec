import type { NotifyAttributionBudgets } from '../budgets/notify-attribution-budgets.js';
import { parseIngestMessage } from '../events/ingest-message.js';
import type { Log } from '../log.js';
import type { CallerOutcome, QueryCall, QueryCallerStore } from '../store/query-caller-store.js';
import { PRINCIPAL_KEY } from '../usage/query-principal.js';
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
  /**
   * CloudTrail StartQueryExecution records, by what became of their caller; `joined`: recorded
   * under it with its query, which came in the same batch.
   */
  readonly callers?: Readonly<
    Record<CallerOutcome | 'joined' | 'refusedCalls' | 'ignored', number>
  >;
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
 * ids to `recordQueries`, then the callers of CloudTrail StartQueryExecution records to
 * `callers` (when principals are attributed), and reports exactly the messages whose query or
 * caller is not yet safely stored, so that SQS redelivers them.
 */
export function createRecordQueryEvents(deps: {
  readonly recordQueries: RecordQueries;
  /** Absent when principals are not attributed: CloudTrail records are then acknowledged. */
  readonly callers?: QueryCallerStore | undefined;
  /** Principal budgets, evaluated after usage moved to a principal (or had moved before). */
  readonly notifyAttributionBudgets?: NotifyAttributionBudgets | undefined;
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
    const calls: QueryCall[] = [];
    const messagesByCall = new Map<string, string[]>();
    let refusedCalls = 0;
    for (const message of messages) {
      const parsed = parseIngestMessage(message.body);
      if (!parsed.ok) {
        malformed++;
        failed.add(message.messageId);
        logger.error('Malformed message', { messageId: message.messageId, reason: parsed.reason });
        continue;
      }
      if (parsed.message.kind === 'query-started') {
        const started = parsed.message.started;
        if (!started.started) {
          refusedCalls++;
          continue;
        }
        calls.push({ queryExecutionId: started.queryExecutionId, caller: started.caller });
        addCarrier(messagesByCall, started.queryExecutionId, message.messageId);
        continue;
      }
      const { queryExecutionId, currentState } = parsed.message.event.detail;
      if (!isTerminalState(currentState)) {
        notTerminal++;
        continue;
      }
      addCarrier(messagesByQuery, queryExecutionId, message.messageId);
    }

    // A query whose caller is in the batch is recorded under it: no move from `unknown` later.
    const batchCallers = new Map(
      deps.callers ? calls.map((call) => [call.queryExecutionId, call.caller] as const) : [],
    );
    const result = await deps.recordQueries([...messagesByQuery.keys()], batchCallers);
    for (const queryExecutionId of result.failures.keys()) {
      for (const messageId of messagesByQuery.get(queryExecutionId) ?? []) failed.add(messageId);
    }
    const recordedWithCaller = new Set(
      result.recorded
        .filter(
          (usage) =>
            usage.attribution.principal !== undefined &&
            usage.attribution.principal === batchCallers.get(usage.queryExecutionId)?.principal,
        )
        .map((usage) => usage.queryExecutionId),
    );

    // After the recording, so that a caller of a query recorded before (or in this batch but
    // not under it) moves it at once.
    let callers: IngestSummary['callers'];
    if (calls.length > 0 || refusedCalls > 0) {
      const pending = calls.filter((call) => !recordedWithCaller.has(call.queryExecutionId));
      const joined = deps.callers
        ? await deps.callers.attributeCallers(pending)
        : {
            failures: new Map<string, string>(),
            counts: { waiting: 0, moved: 0, alreadyAttributed: 0, notAttributed: 0 },
          };
      const failures = new Map(joined.failures);
      const attributed = 'attributed' in joined ? joined.attributed : [];
      if (deps.notifyAttributionBudgets !== undefined && attributed.length > 0) {
        const failedWorkgroups = await deps.notifyAttributionBudgets(
          attributed.map((query) => ({
            key: PRINCIPAL_KEY,
            value: query.principal,
            workgroup: query.workgroup,
            changed: query.moved,
          })),
        );
        for (const query of attributed) {
          const reason = failedWorkgroups.get(query.workgroup);
          if (reason !== undefined)
            failures.set(query.queryExecutionId, `principal budget: ${reason}`);
        }
      }
      for (const [queryExecutionId, reason] of failures) {
        logger.warn('Caller not attributed; it will be offered again', {
          queryExecutionId,
          reason,
        });
        for (const messageId of messagesByCall.get(queryExecutionId) ?? []) failed.add(messageId);
      }
      callers = {
        ...joined.counts,
        joined: calls.length - pending.length,
        refusedCalls,
        ignored: deps.callers ? 0 : calls.length,
      };
    }

    const summary: IngestSummary = {
      messages: messages.length,
      malformed,
      notTerminal,
      ...result.counts,
      ...(callers === undefined ? {} : { callers }),
    };
    logger.info('Batch ingested', { ...summary, failedMessages: failed.size });
    return { failedMessageIds: [...failed], summary };
  };
}

export type RecordQueryEvents = ReturnType<typeof createRecordQueryEvents>;

function addCarrier(carriers: Map<string, string[]>, queryExecutionId: string, messageId: string) {
  const messageIds = carriers.get(queryExecutionId) ?? [];
  messageIds.push(messageId);
  carriers.set(queryExecutionId, messageIds);
}
