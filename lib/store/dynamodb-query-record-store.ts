import { TransactionCanceledException, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffMs } from '../async/backoff.js';
import { mapSequencesWithConcurrency } from '../async/map-with-concurrency.js';
import { describeError } from '../errors/describe-error.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import { principalDeltasOf } from '../metrics/principal-metrics.js';
import { usageDeltasOf } from '../metrics/usage-metrics.js';
import { PRINCIPAL_KEY, type QueryCaller, UNKNOWN_PRINCIPAL } from '../usage/query-principal.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { totalsOf } from '../usage/usage-totals.js';
import type { AttributionPlan } from './attribution-cap.js';
import {
  attributionCounterWrites,
  CappedCounterWriter,
  type CounterWriterOptions,
  registryAdditionWrites,
  string,
  totalValues,
  updateIn,
} from './dynamodb-counter-writes.js';
import { outboxWrite } from './dynamodb-metrics-outbox.js';
import { queryRecordItem, waitingCallerOf } from './dynamodb-query-items.js';
import { number } from './dynamodb-toolkit.js';
import type { QueryRecordStore, RecordingOutcome } from './query-record-store.js';
import { RecentlyRecorded } from './recently-recorded.js';
import {
  expiresAtAfterDays,
  periodKeyAttribute,
  TableKeys,
  USAGE_COUNTER_UPDATE,
  WAITING_CALLER_TYPE,
} from './table-keys.js';
import { countersOf, packTransactions, sequencesOf } from './transaction-packing.js';
import type { WaitingCallers } from './waiting-callers.js';

/** Attempts per transaction when other writers hold the same counter items. */
const MAX_TRANSACTION_ATTEMPTS = 6;
/** Independent transactions (no counter in common) written in parallel. */
const PARALLEL_TRANSACTIONS = 4;

export interface DynamoDbQueryRecordStoreOptions extends CounterWriterOptions {
  readonly queryRecordTtlDays: number;
  /**
   * Count each query under its principal (`unknown` until its CloudTrail record arrives, see
   * DynamoDbQueryCallerStore). Off: no principal counters; a waiting caller is still replaced.
   */
  readonly attributePrincipals?: boolean;
  /** Callers this instance saw waiting (shared with its DynamoDbQueryCallerStore). */
  readonly waitingCallers?: WaitingCallers;
}

/**
 * Records queries with as few transactions as DynamoDB's 100 actions allow: a conditional put
 * per new query record plus one ADD per counter item the transaction's queries fall in (their
 * workgroup's day, week and month), with those queries' totals. Queries of several workgroups
 * share a transaction, so a batch of 100 costs two TransactWriteItems calls whatever the number
 * of workgroups. A put whose record exists cancels the transaction; it is retried without the
 * records the cancellation reasons name, so a redelivered query is never counted twice. Ids this
 * instance has already seen recorded skip the transaction altogether.
 */
export class DynamoDbQueryRecordStore implements QueryRecordStore {
  private readonly counters: CappedCounterWriter;
  /** Ids seen recorded by this instance: their duplicates skip the table (see RecentlyRecorded). */
  private readonly recent = new RecentlyRecorded();

  constructor(
    documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbQueryRecordStoreOptions,
  ) {
    this.counters = new CappedCounterWriter(documents, options);
  }

  async recordQueries(
    usages: readonly QueryUsage[],
    callers: ReadonlyMap<string, QueryCaller> = new Map(),
  ): Promise<RecordingOutcome> {
    const known = usages.filter((usage) => this.recent.has(usage.queryExecutionId));
    // A caller this instance saw waiting is replaced at once, its query counted under it.
    const waiting = new Set<string>();
    const waitingCaller = (queryExecutionId: string) => {
      const caller = this.options.waitingCallers?.get(queryExecutionId);
      if (caller !== undefined) waiting.add(queryExecutionId);
      return caller;
    };
    // Counted under the batch's caller, else `unknown` until a waiting caller says otherwise:
    // packed with those counters.
    const unknown = usages
      .filter((usage) => !this.recent.has(usage.queryExecutionId))
      .map((usage) =>
        this.withPrincipal(
          usage,
          waitingCaller(usage.queryExecutionId) ?? callers.get(usage.queryExecutionId),
        ),
      );
    // Transactions sharing a counter item would conflict with each other: they go in sequence.
    const flat = await mapSequencesWithConcurrency(
      sequencesOf(packTransactions(unknown)),
      PARALLEL_TRANSACTIONS,
      (transaction) => this.recordGroup(transaction, waiting),
    );
    const recorded = flat.flatMap((outcome) => outcome.recorded);
    const alreadyRecorded = [...known, ...flat.flatMap((outcome) => outcome.alreadyRecorded)];
    const done = [...recorded, ...alreadyRecorded].map((usage) => usage.queryExecutionId);
    this.recent.add(done);
    this.options.waitingCallers?.forget(done);
    return {
      recorded,
      alreadyRecorded,
      failed: flat.flatMap((outcome) => outcome.failed),
      outbox: flat.flatMap((outcome) => outcome.outbox),
    };
  }

  /**
   * Records queries in one transaction (at most 100 actions, counters included), or in several
   * when the callers found waiting add more principal counters than one transaction holds.
   * `waiting`: ids whose item is a caller waiting for its query (their put replaces it).
   */
  private async recordGroup(
    group: readonly QueryUsage[],
    waiting = new Set<string>(),
  ): Promise<RecordingOutcome> {
    let pending = [...group];
    const alreadyRecorded: QueryUsage[] = [];
    let lastError = '';
    for (let attempt = 1; attempt <= MAX_TRANSACTION_ATTEMPTS && pending.length > 0; attempt++) {
      const plan = this.counters.plan(pending);
      const { items, additionsFrom, outbox } = this.transactionFor(pending, plan, waiting);
      try {
        await this.counters.commit(items, plan);
        return { recorded: pending, alreadyRecorded, failed: [], outbox: [outbox] };
      } catch (error) {
        lastError = describeError(error);
        if (!(error instanceof TransactionCanceledException)) break;
        const reasons = error.CancellationReasons ?? [];
        // Another writer filled a registry: learn its values, then count past the cap as (other).
        const fullRegistries = await this.counters.learnFullRegistries({
          plan,
          reasons,
          additionsFrom,
        });
        const existing: QueryUsage[] = [];
        const callersFound = new Map<QueryUsage, QueryUsage>();
        pending.forEach((usage, index) => {
          const reason = reasons[index];
          if (reason?.Code !== 'ConditionalCheckFailed') return;
          // A caller remembered waiting is gone (its TTL): a new record, still under the caller.
          if (reason.Item === undefined && waiting.delete(usage.queryExecutionId)) {
            callersFound.set(usage, usage);
            return;
          }
          const caller = waitingCallerOf(reason.Item);
          // The query's CloudTrail record came first: record the query under its caller.
          if (caller !== undefined) {
            waiting.add(usage.queryExecutionId);
            callersFound.set(usage, this.withPrincipal(usage, caller));
          } else existing.push(usage);
        });
        const onlyConditions = reasons.every(
          (reason) => reason.Code === 'None' || reason.Code === 'ConditionalCheckFailed',
        );
        if (existing.length > 0 || callersFound.size > 0) {
          alreadyRecorded.push(...existing);
          pending = pending
            .filter((usage) => !existing.includes(usage))
            .map((usage) => callersFound.get(usage) ?? usage);
          // Only the duplicates and waiting callers spoiled this attempt: go again at once, in
          // more transactions if the callers' counters no longer fit in one.
          if (onlyConditions) {
            const parts = packTransactions(pending);
            if (parts.length > 1) return this.recordInSequence(parts, waiting, alreadyRecorded);
            attempt--;
            continue;
          }
        }
        // A full registry, now learnt: go again at once (an attempt spent, so this ends).
        if (fullRegistries.length > 0 && onlyConditions) continue;
        // Conflicts with another writer of the same counters, or throttling: back off and retry.
        await this.counters.sleep(backoffMs(attempt));
      }
    }
    if (pending.length === 0) return { recorded: [], alreadyRecorded, failed: [], outbox: [] };
    return {
      recorded: [],
      alreadyRecorded,
      failed: pending.map((usage) => ({
        usage,
        reason: `DynamoDB transaction failed: ${lastError}`,
      })),
      outbox: [],
    };
  }

  /** Records each group in turn (they share counter items), with what was found recorded. */
  private async recordInSequence(
    groups: readonly QueryUsage[][],
    waiting: Set<string>,
    alreadyRecorded: readonly QueryUsage[],
  ): Promise<RecordingOutcome> {
    const outcomes: RecordingOutcome[] = [];
    for (const group of groups) outcomes.push(await this.recordGroup(group, waiting));
    return {
      recorded: outcomes.flatMap((outcome) => outcome.recorded),
      alreadyRecorded: [
        ...alreadyRecorded,
        ...outcomes.flatMap((outcome) => outcome.alreadyRecorded),
      ],
      failed: outcomes.flatMap((outcome) => outcome.failed),
      outbox: outcomes.flatMap((outcome) => outcome.outbox),
    };
  }

  /** The usage as counted: under its caller, or `unknown` while none is known (when enabled). */
  private withPrincipal(usage: QueryUsage, caller: QueryCaller | undefined): QueryUsage {
    if (!this.options.attributePrincipals) return usage;
    return {
      ...usage,
      attribution: {
        ...usage.attribution,
        principal: caller?.principal ?? UNKNOWN_PRINCIPAL,
        principalDetail: caller?.detail,
      },
    };
  }

  /**
   * The transaction's actions, marshalled here rather than by the document client: for 100
   * queries the generic marshalling (object spreads, then convertToAttr) cost more CPU than
   * everything else the batch does with them. The transaction's usage deltas go in its metrics
   * outbox entry, an item put by the same transaction.
   */
  private transactionFor(
    group: readonly QueryUsage[],
    plan: AttributionPlan,
    waiting: ReadonlySet<string>,
  ): {
    readonly items: TransactWriteItem[];
    readonly additionsFrom: number;
    readonly outbox: OutboxEntry;
  } {
    if (group.length === 0) throw new Error('transactionFor: empty group');
    const now = this.counters.now();
    const nowIso = string(now.toISOString());
    const expiresAt = number(expiresAtAfterDays(now, this.options.queryRecordTtlDays));
    const tableName = this.options.tableName;
    // A new record, or one replacing its waiting caller; either way the cancellation reason of
    // a failed condition carries the item, which tells a duplicate from a caller come first.
    const puts = group.map(
      (usage): TransactWriteItem => ({
        Put: {
          TableName: tableName,
          Item: queryRecordItem(usage, nowIso, expiresAt),
          ...(waiting.has(usage.queryExecutionId) ? REPLACE_WAITING_CALLER : PUT_NEW_RECORD),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      }),
    );
    const update = updateIn(tableName);
    const counters = [...countersOf(group).values()].map((share) =>
      update(TableKeys.usage(share.workgroup, share.period, share.key), USAGE_COUNTER_UPDATE, {
        ...totalValues(totalsOf(share.usages)),
        ':type': string('usage'),
        ':workgroup': string(share.workgroup),
        ':period': string(share.period),
        ':periodKey': string(periodKeyAttribute(share.period, share.key)),
        ':now': nowIso,
      }),
    );
    const attributionCounters = attributionCounterWrites(
      tableName,
      group,
      plan.countedValue,
      nowIso,
    );
    const additions = registryAdditionWrites(tableName, plan.additions, now);
    // The transaction's usage deltas: owed to CloudWatch from the moment the counters commit.
    const outbox = outboxWrite(
      now,
      usageDeltasOf(group),
      [],
      principalDeltasOf(group, (usage) =>
        usage.attribution.principal === undefined
          ? undefined
          : plan.countedValue(usage, PRINCIPAL_KEY, usage.attribution.principal),
      ),
    );
    const items = [
      ...puts,
      ...counters,
      ...attributionCounters,
      { Put: { TableName: tableName, Item: outbox.item } },
    ];
    return {
      items: [...items, ...additions],
      additionsFrom: items.length,
      outbox: outbox.entry,
    };
  }
}

const PUT_NEW_RECORD = { ConditionExpression: 'attribute_not_exists(pk)' } as const;
const REPLACE_WAITING_CALLER = {
  ConditionExpression: '#type = :waitingCaller',
  ExpressionAttributeNames: { '#type': 'type' },
  ExpressionAttributeValues: { ':waitingCaller': string(WAITING_CALLER_TYPE) },
} as const;
