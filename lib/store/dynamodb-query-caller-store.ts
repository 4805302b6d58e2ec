import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffMs, type Sleep, sleep } from '../async/backoff.js';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import { describeError } from '../errors/describe-error.js';
import { movedFromUnknown } from '../metrics/principal-metrics.js';
import { PRINCIPAL_KEY, type QueryCaller, UNKNOWN_PRINCIPAL } from '../usage/query-principal.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { AttributionValueCap } from './attribution-cap.js';
import {
  attributionCounterWrites,
  learnFullRegistries,
  registryAdditionWrites,
  string,
} from './dynamodb-counter-writes.js';
import { outboxWrite } from './dynamodb-metrics-outbox.js';
import { recordedUsageOf, waitingCallerUpdate } from './dynamodb-query-items.js';
import type {
  AttributeCallersResult,
  CallerOutcome,
  QueryCall,
  QueryCallerStore,
} from './query-caller-store.js';
import { expiresAtAfterDays, TableKeys } from './table-keys.js';

/** Attempts per caller when other writers hold the same counter items. */
const MAX_ATTEMPTS = 6;
/** Callers of a batch joined in parallel (each is one or two calls). */
const PARALLEL_CALLERS = 8;
/**
 * How long a caller waits for its query's recording. CloudTrail delivers within about 15
 * minutes and a query's state change comes when it finishes, so a query that runs long is
 * recorded after its caller arrived; reconciliation records missed queries within its margin.
 * Two days covers both with room; a query recorded later stays under `unknown`.
 */
export const WAITING_CALLER_TTL_DAYS = 2;

export interface DynamoDbQueryCallerStoreOptions {
  readonly tableName: string;
  readonly attributionValuesPerDay?: number;
  readonly now?: () => Date;
  readonly sleep?: Sleep;
}

/**
 * Joins queries with their CloudTrail callers on the query's own item, so that DynamoDB orders
 * the two writes whatever order they arrive in:
 * - the caller is written onto the item only while no record is there (a conditional update);
 *   the query's recording, whose put requires the item absent, then finds it and counts the
 *   query under the caller instead of `unknown` (DynamoDbQueryRecordStore);
 * - when the record is there, the update fails and returns it: a record counted under `unknown`
 *   has its usage moved to the caller in one transaction conditioned on its `principal` still
 *   being `unknown`, so a duplicate or concurrent delivery finds the condition false and counts
 *   nothing again. The move's metrics (Principal DpuHours and CostUsd, down for `unknown`, up for
 *   the caller) are an outbox entry of the same transaction, published by the outbox sweep.
 */
export class DynamoDbQueryCallerStore implements QueryCallerStore {
  private readonly now: () => Date;
  private readonly sleep: Sleep;
  private readonly attributionCap: AttributionValueCap;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbQueryCallerStoreOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleep;
    this.attributionCap = new AttributionValueCap(options.attributionValuesPerDay);
  }

  async attributeCallers(calls: readonly QueryCall[]): Promise<AttributeCallersResult> {
    const failures = new Map<string, string>();
    const counts: Record<CallerOutcome, number> = {
      waiting: 0,
      moved: 0,
      alreadyAttributed: 0,
      notAttributed: 0,
    };
    const distinct = [...new Map(calls.map((call) => [call.queryExecutionId, call])).values()];
    await mapWithConcurrency(distinct, PARALLEL_CALLERS, async (call) => {
      try {
        counts[await this.attributeCaller(call)]++;
      } catch (error) {
        failures.set(call.queryExecutionId, describeError(error));
      }
    });
    return { failures, counts };
  }

  private async attributeCaller(call: QueryCall): Promise<CallerOutcome> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let record: Record<string, AttributeValue>;
      try {
        await this.documents.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            ...waitingCallerUpdate(call.queryExecutionId, call.caller, this.expiresAt()),
          }),
        );
        return 'waiting';
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || error.Item === undefined) {
          lastError = error;
          await this.sleep(backoffMs(attempt));
          continue;
        }
        record = error.Item;
      }
      const principal = record.principal?.S;
      if (principal === undefined) return 'notAttributed';
      if (principal !== UNKNOWN_PRINCIPAL) return 'alreadyAttributed';
      const usage = recordedUsageOf(record);
      if (usage === undefined)
        throw new Error(`the record of query ${call.queryExecutionId} lacks its usage fields`);
      const moved = await this.moveFromUnknown(usage, call.caller);
      if (moved !== 'retry') return moved;
      await this.sleep(backoffMs(attempt));
    }
    throw new Error(`could not attribute the caller: ${describeError(lastError ?? 'conflicts')}`);
  }

  /**
   * Moves a query's usage from `unknown` to its caller (or `(other)` past the cap) in its day,
   * week and month, and names the caller on its record, all under the condition that the record
   * is still `unknown`.
   */
  private async moveFromUnknown(
    usage: QueryUsage,
    caller: QueryCaller,
  ): Promise<'moved' | 'alreadyAttributed' | 'retry'> {
    const from = { ...usage, attribution: { tags: {}, principal: UNKNOWN_PRINCIPAL } };
    const into = { ...usage, attribution: { tags: {}, principal: caller.principal } };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const plan = this.attributionCap.plan([into]);
      const now = this.now();
      const nowIso = string(now.toISOString());
      const key = TableKeys.query(usage.queryExecutionId);
      const items: TransactWriteItem[] = [
        {
          Update: {
            TableName: this.options.tableName,
            Key: { pk: string(key.pk), sk: string(key.sk) },
            UpdateExpression: `SET principal = :caller${caller.detail === undefined ? '' : ', principalDetail = :detail'}`,
            ConditionExpression: 'principal = :unknown',
            ExpressionAttributeValues: {
              ':caller': string(caller.principal),
              ':unknown': string(UNKNOWN_PRINCIPAL),
              ...(caller.detail === undefined ? {} : { ':detail': string(caller.detail) }),
            },
          },
        },
        ...attributionCounterWrites(this.options.tableName, [from], plan.countedValue, nowIso, -1),
        ...attributionCounterWrites(this.options.tableName, [into], plan.countedValue, nowIso),
      ];
      // The metrics move too (unknown down, the principal up): an outbox entry committed with
      // the counters, which the outbox sweep publishes.
      const counted = plan.countedValue(into, PRINCIPAL_KEY, caller.principal);
      const outbox = outboxWrite(now, [], [], movedFromUnknown(usage, counted));
      items.push({ Put: { TableName: this.options.tableName, Item: outbox.item } });
      const additionsFrom = items.length;
      items.push(...registryAdditionWrites(this.options.tableName, plan.additions, now));
      try {
        await this.documents.send(new TransactWriteItemsCommand({ TransactItems: items }));
        this.attributionCap.committed(plan);
        return 'moved';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'alreadyAttributed';
        // Another writer filled the day's registry: learn it, then count the caller as (other).
        const fullRegistries = await learnFullRegistries(
          this.documents,
          this.options.tableName,
          this.attributionCap,
          { plan, reasons, additionsFrom },
        );
        if (fullRegistries.length === 0) return 'retry';
      }
    }
    return 'retry';
  }

  private expiresAt(): number {
    return expiresAtAfterDays(this.now(), WAITING_CALLER_TTL_DAYS);
  }
}
