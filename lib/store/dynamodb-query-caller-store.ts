import { TransactionCanceledException, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffMs } from '../async/backoff.js';
import { mapSequencesWithConcurrency } from '../async/map-with-concurrency.js';
import { describeError } from '../errors/describe-error.js';
import { movedFromUnknown } from '../metrics/principal-metrics.js';
import { PRINCIPAL_KEY, type QueryCaller, UNKNOWN_PRINCIPAL } from '../usage/query-principal.js';
import type { QueryUsage } from '../usage/query-usage.js';
import type { AttributionPlan } from './attribution-cap.js';
import {
  attributionCounterWrites,
  CappedCounterWriter,
  type CounterWriterOptions,
  registryAdditionWrites,
  string,
} from './dynamodb-counter-writes.js';
import { outboxWrite } from './dynamodb-metrics-outbox.js';
import { recordedUsageOf, waitingCallerUpdate } from './dynamodb-query-items.js';
import { batchGetAll, type Item } from './dynamodb-toolkit.js';
import type {
  AttributeCallersResult,
  AttributedQuery,
  CallerOutcome,
  QueryCall,
  QueryCallerStore,
} from './query-caller-store.js';
import { expiresAtAfterDays, TableKeys, WAITING_CALLER_TYPE } from './table-keys.js';
import {
  packWithSingles,
  sequencesBy,
  type TransactionWithSingles,
} from './transaction-packing.js';
import type { WaitingCallers } from './waiting-callers.js';

/**
 * Rounds of reading and writing a batch's callers: a round retries what other writers spoiled
 * (a conflict on the same counter items, a query recorded or moved meanwhile).
 */
const MAX_ROUNDS = 8;
/** Independent transactions (no counter item in common) written in parallel. */
const PARALLEL_TRANSACTIONS = 4;
/**
 * How long a caller waits for its query's recording. CloudTrail delivers within about 15
 * minutes and a query's state change comes when it finishes, so a query that runs long is
 * recorded after its caller arrived; reconciliation records missed queries within its margin.
 * Two days covers both with room; a query recorded later stays under `unknown`.
 */
export const WAITING_CALLER_TTL_DAYS = 2;

export interface DynamoDbQueryCallerStoreOptions extends CounterWriterOptions {
  /**
   * Where this instance remembers the callers it saw waiting, so that its recordings replace
   * them at once (shared with its DynamoDbQueryRecordStore).
   */
  readonly waitingCallers?: WaitingCallers;
}

/**
 * A caller that needs a write: a move of its query's usage from `unknown` (`usage`: as recorded),
 * or, its query not recorded yet, the caller left waiting on the query's item.
 */
interface Join {
  readonly call: QueryCall;
  readonly usage?: QueryUsage;
}

/** What became of one transaction's joins. */
interface TransactionOutcome {
  readonly committed: readonly Join[];
  /** Joins whose condition failed (the item changed since it was read): read them again. */
  readonly reread: readonly QueryCall[];
  /** Joins cancelled by another writer or by a join beside them: write them again. */
  readonly retry: readonly Join[];
  /** Whether another writer conflicted (or DynamoDB refused): back off before the retry. */
  readonly backOff: boolean;
  readonly error?: string;
}

/**
 * Joins queries with their CloudTrail callers on the query's own item, so that DynamoDB orders
 * the writes whatever order they arrive in, batch-shaped: one strongly consistent BatchGetItem
 * reads the batch's query items, then the writes are packed 100 actions a transaction.
 * - A query recorded under `unknown` has its usage moved to the caller: the record's principal
 *   set under the condition that it is still `unknown` (so a duplicate or concurrent delivery
 *   finds the condition false and counts nothing again), `unknown`'s counters down, the
 *   caller's up (or `(other)`'s past the cap), and an outbox entry with the metrics' move, which
 *   the outbox sweep publishes. Moves of one transaction share their counter items.
 * - A query not recorded yet gets its caller written onto its item only while no record is there
 *   (a conditional update); the query's recording, whose put requires the item absent, then finds
 *   it and counts the query under the caller instead of `unknown` (DynamoDbQueryRecordStore).
 * - A query already attributed, or with its caller already waiting, or recorded while principals
 *   were not attributed, needs no write.
 * A transaction cancelled because an item changed since the read (a query recorded or moved
 * meanwhile) names those joins in its cancellation reasons: they are read again, the rest of it
 * written again.
 */
export class DynamoDbQueryCallerStore implements QueryCallerStore {
  private readonly counters: CappedCounterWriter;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbQueryCallerStoreOptions,
  ) {
    this.counters = new CappedCounterWriter(documents, options);
  }

  async attributeCallers(calls: readonly QueryCall[]): Promise<AttributeCallersResult> {
    const failures = new Map<string, string>();
    const counts: Record<CallerOutcome, number> = {
      waiting: 0,
      moved: 0,
      alreadyAttributed: 0,
      notAttributed: 0,
    };
    const attributed: AttributedQuery[] = [];
    let toRead = [...new Map(calls.map((call) => [call.queryExecutionId, call])).values()];
    let toWrite: Join[] = [];
    let lastError = 'conflicts with other writers';
    for (let round = 1; round <= MAX_ROUNDS && toRead.length + toWrite.length > 0; round++) {
      if (toRead.length > 0) {
        let items: Map<string, Item>;
        try {
          items = await this.queryItems(toRead);
        } catch (error) {
          lastError = describeError(error);
          await this.counters.sleep(backoffMs(round));
          continue;
        }
        for (const call of toRead) {
          const item = items.get(call.queryExecutionId);
          const state = this.stateOf(call, item);
          if (typeof state === 'string') {
            counts[state]++;
            // Counted under its principal before: the principal's budget is evaluated again.
            if (
              state === 'alreadyAttributed' &&
              typeof item?.workgroup === 'string' &&
              typeof item.principal === 'string'
            )
              attributed.push({
                queryExecutionId: call.queryExecutionId,
                workgroup: item.workgroup,
                principal: item.principal,
                moved: false,
              });
          } else if ('failure' in state) failures.set(call.queryExecutionId, state.failure);
          else toWrite.push(state);
        }
        toRead = [];
      }
      if (toWrite.length === 0) break;
      const outcomes = await this.writeJoins(toWrite);
      for (const join of outcomes.flatMap((outcome) => outcome.committed)) {
        counts[join.usage === undefined ? 'waiting' : 'moved']++;
        if (join.usage !== undefined)
          attributed.push({
            queryExecutionId: join.call.queryExecutionId,
            workgroup: join.usage.workgroup,
            principal: join.call.caller.principal,
            moved: true,
          });
        if (join.usage === undefined)
          this.options.waitingCallers?.remember(join.call.queryExecutionId, join.call.caller);
      }
      toRead = outcomes.flatMap((outcome) => outcome.reread);
      toWrite = outcomes.flatMap((outcome) => outcome.retry);
      lastError = outcomes.find((outcome) => outcome.error)?.error ?? lastError;
      // A join whose condition failed is read again at once (its query was recorded or moved
      // meanwhile). From the second round on, what is still left means another instance is
      // joining the same queries: a whole transaction fails on any one of its joins, so two
      // instances racing over one set would spoil each other's rounds; a jittered pause lets
      // the other one finish, and the next read finds its work done.
      const contended = round > 1 && toRead.length + toWrite.length > 0;
      if (contended || outcomes.some((outcome) => outcome.backOff))
        await this.counters.sleep(backoffMs(round));
    }
    for (const call of [...toRead, ...toWrite.map((join) => join.call)])
      failures.set(call.queryExecutionId, `could not attribute the caller: ${lastError}`);
    return { failures, counts, attributed };
  }

  /** The calls' query items, by query id, read strongly consistent (absent ones left out). */
  private async queryItems(calls: readonly QueryCall[]): Promise<Map<string, Item>> {
    // Strongly consistent: the batch's own recordings were just written, and a stale read
    // would only cost a cancelled transaction and another round.
    const items = await batchGetAll(
      this.documents,
      this.options.tableName,
      calls.map((call) => TableKeys.query(call.queryExecutionId)),
      { what: 'query items', consistentRead: true, sleep: this.counters.sleep },
    );
    const byPk = new Map(items.map((item) => [item.pk, item]));
    return new Map(
      calls.flatMap((call) => {
        const item = byPk.get(TableKeys.query(call.queryExecutionId).pk);
        return item === undefined ? [] : [[call.queryExecutionId, item] as const];
      }),
    );
  }

  /** What a caller's query item asks of it: nothing more (an outcome), a write, or a failure. */
  private stateOf(
    call: QueryCall,
    item: Item | undefined,
  ): CallerOutcome | Join | { readonly failure: string } {
    if (item === undefined) return { call };
    // A duplicate CloudTrail record: the same caller is waiting already.
    if (item.type === WAITING_CALLER_TYPE) {
      this.options.waitingCallers?.remember(call.queryExecutionId, call.caller);
      return 'waiting';
    }
    const principal = item.principal;
    if (principal === undefined) return 'notAttributed';
    if (principal !== UNKNOWN_PRINCIPAL) return 'alreadyAttributed';
    const usage = recordedUsageOf(item);
    if (usage === undefined)
      return { failure: `the record of query ${call.queryExecutionId} lacks its usage fields` };
    return { call, usage };
  }

  /**
   * Writes the joins in as few transactions as 100 actions allow: the moves packed by their
   * counter items (transaction-packing), the waiting callers in the room left and past it in
   * transactions of their own. A waiting caller rides in a transaction rather than an UpdateItem
   * of its own because its condition (no record yet) holds there as well, and a late caller is
   * then one call per 100, not one each (at two write units instead of one: DynamoDB's price of
   * a transactional write). Transactions that share counter items run in sequence.
   */
  private async writeJoins(joins: readonly Join[]): Promise<TransactionOutcome[]> {
    const moves = new Map<QueryUsage, Join>();
    const waiting: Join[] = [];
    for (const join of joins) {
      if (join.usage === undefined) waiting.push(join);
      else moves.set(this.movedInto(join.usage, join.call.caller), join);
    }
    const transactions = packWithSingles([...moves.keys()], waiting);
    return mapSequencesWithConcurrency(
      sequencesBy(transactions, (transaction) => transaction.usages),
      PARALLEL_TRANSACTIONS,
      (transaction) => this.writeTransaction(transaction, moves),
    );
  }

  /** One transaction of moves (as counted under the caller) and waiting callers. */
  private async writeTransaction(
    transaction: TransactionWithSingles<Join>,
    moves: ReadonlyMap<QueryUsage, Join>,
  ): Promise<TransactionOutcome> {
    const joins = [
      ...transaction.usages.map((into) => moves.get(into) as Join),
      ...transaction.singles,
    ];
    const plan = this.counters.plan(transaction.usages);
    const { items, additionsFrom } = this.transactionFor(transaction, joins, plan);
    try {
      await this.counters.commit(items, plan);
      return { committed: joins, reread: [], retry: [], backOff: false };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException))
        return {
          committed: [],
          reread: [],
          retry: joins,
          backOff: true,
          error: describeError(error),
        };
      const reasons = error.CancellationReasons ?? [];
      const failedCondition = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
      // Another writer filled a day's registry: learn it, so that the retry counts (other).
      await this.counters.learnFullRegistries({ plan, reasons, additionsFrom });
      // A failed condition means another writer got to that query (recorded or moved it): it may
      // have got to others of this transaction as well, so all of them are read again rather than
      // found one cancelled transaction at a time.
      const conditionFailed = joins.some((_, index) => failedCondition(index));
      return {
        committed: [],
        reread: conditionFailed ? joins.map((join) => join.call) : [],
        retry: conditionFailed ? [] : joins,
        backOff: reasons.some(
          (reason) => reason.Code !== 'None' && reason.Code !== 'ConditionalCheckFailed',
        ),
        error: describeError(error),
      };
    }
  }

  /**
   * The transaction's actions: first one per join, in order (a move's condition on its record,
   * or a waiting caller's), then the moves' counters and outbox entry, then registry additions.
   */
  private transactionFor(
    transaction: TransactionWithSingles<Join>,
    joins: readonly Join[],
    plan: AttributionPlan,
  ): { readonly items: TransactWriteItem[]; readonly additionsFrom: number } {
    const tableName = this.options.tableName;
    const now = this.counters.now();
    const nowIso = string(now.toISOString());
    const expiresAt = expiresAtAfterDays(now, WAITING_CALLER_TTL_DAYS);
    const items: TransactWriteItem[] = joins.map(({ call, usage }) =>
      usage === undefined
        ? {
            Update: {
              TableName: tableName,
              ...waitingCallerUpdate(call.queryExecutionId, call.caller, expiresAt),
            },
          }
        : { Update: moveRecordUpdate(tableName, call) },
    );
    const into = transaction.usages;
    if (into.length > 0) {
      const from = into.map((usage) => ({
        ...usage,
        attribution: { tags: {}, principal: UNKNOWN_PRINCIPAL },
      }));
      items.push(
        ...attributionCounterWrites(tableName, from, plan.countedValue, nowIso, -1),
        ...attributionCounterWrites(tableName, into, plan.countedValue, nowIso),
      );
      // The metrics move too (unknown down, the principals up): an outbox entry committed with
      // the counters, which the outbox sweep publishes.
      const outbox = outboxWrite(
        now,
        [],
        [],
        movedFromUnknown(into, (usage) =>
          plan.countedValue(usage, PRINCIPAL_KEY, usage.attribution.principal ?? UNKNOWN_PRINCIPAL),
        ),
      );
      items.push({ Put: { TableName: tableName, Item: outbox.item } });
    }
    const additionsFrom = items.length;
    items.push(...registryAdditionWrites(tableName, plan.additions, now));
    return { items, additionsFrom };
  }

  /** A recorded query's usage as counted under its caller (its tags stay where they are). */
  private movedInto(usage: QueryUsage, caller: QueryCaller): QueryUsage {
    return { ...usage, attribution: { tags: {}, principal: caller.principal } };
  }
}

/** Names the caller on a query's record, under the condition that it is still `unknown`. */
function moveRecordUpdate(tableName: string, call: QueryCall) {
  const key = TableKeys.query(call.queryExecutionId);
  const { caller } = call;
  return {
    TableName: tableName,
    Key: { pk: string(key.pk), sk: string(key.sk) },
    UpdateExpression: `SET principal = :caller${caller.detail === undefined ? '' : ', principalDetail = :detail'}`,
    ConditionExpression: 'principal = :unknown',
    ExpressionAttributeValues: {
      ':caller': string(caller.principal),
      ':unknown': string(UNKNOWN_PRINCIPAL),
      ...(caller.detail === undefined ? {} : { ':detail': string(caller.detail) }),
    },
  };
}
