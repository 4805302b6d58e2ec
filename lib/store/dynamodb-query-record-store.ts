import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import { describeError } from '../errors/describe-error.js';
import { PERIODS } from '../usage/period-keys.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { totalsOf } from '../usage/usage-totals.js';
import type { QueryRecordStore, RecordingOutcome } from './query-record-store.js';
import { periodKeyAttribute, TableKeys, workgroupDayAttribute } from './table-keys.js';

/** DynamoDB allows 100 actions per transaction; three go to the day, week and month counters. */
const MAX_RECORDS_PER_TRANSACTION = 100 - PERIODS.length;
/** Attempts per transaction when other writers hold the same counter items. */
const MAX_TRANSACTION_ATTEMPTS = 6;
/** Workgroups written in parallel; one workgroup's groups go in sequence (they share counters). */
const PARALLEL_WORKGROUPS = 4;
const DAY_SECONDS = 86_400;

export interface DynamoDbQueryRecordStoreOptions {
  readonly tableName: string;
  readonly queryRecordTtlDays: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Records queries with one transaction per workgroup and day (its week and month follow): a
 * conditional put per new query record plus one ADD per counter with the group's totals. A put
 * whose record exists cancels the transaction; it is retried without the records the
 * cancellation reasons name, so a redelivered query is never counted twice.
 */
export class DynamoDbQueryRecordStore implements QueryRecordStore {
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly options: DynamoDbQueryRecordStoreOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async recordQueries(usages: readonly QueryUsage[]): Promise<RecordingOutcome> {
    const byWorkgroup = groupBy(usages, (usage) => usage.workgroup);
    const outcomes = await mapWithConcurrency(
      [...byWorkgroup.values()],
      PARALLEL_WORKGROUPS,
      async (group) => {
        const results: RecordingOutcome[] = [];
        for (const sameDay of groupBy(group, (usage) => usage.periods.day).values()) {
          for (let start = 0; start < sameDay.length; start += MAX_RECORDS_PER_TRANSACTION) {
            results.push(
              await this.recordGroup(sameDay.slice(start, start + MAX_RECORDS_PER_TRANSACTION)),
            );
          }
        }
        return results;
      },
    );
    const flat = outcomes.flat();
    return {
      recorded: flat.flatMap((outcome) => outcome.recorded),
      alreadyRecorded: flat.flatMap((outcome) => outcome.alreadyRecorded),
      failed: flat.flatMap((outcome) => outcome.failed),
    };
  }

  /** Records queries of one workgroup and day in one transaction. */
  private async recordGroup(group: readonly QueryUsage[]): Promise<RecordingOutcome> {
    let pending = [...group];
    const alreadyRecorded: QueryUsage[] = [];
    let lastError = '';
    for (let attempt = 1; attempt <= MAX_TRANSACTION_ATTEMPTS && pending.length > 0; attempt++) {
      try {
        await this.documents.send(
          new TransactWriteCommand({ TransactItems: this.transactionFor(pending) }),
        );
        return { recorded: pending, alreadyRecorded, failed: [] };
      } catch (error) {
        lastError = describeError(error);
        if (!(error instanceof TransactionCanceledException)) break;
        const reasons = error.CancellationReasons ?? [];
        const existing = pending.filter(
          (_, index) => reasons[index]?.Code === 'ConditionalCheckFailed',
        );
        if (existing.length > 0) {
          alreadyRecorded.push(...existing);
          pending = pending.filter((usage) => !existing.includes(usage));
          // Only the duplicates spoiled this attempt: go again at once without them.
          if (
            reasons.every(
              (reason) => reason.Code === 'None' || reason.Code === 'ConditionalCheckFailed',
            )
          ) {
            attempt--;
            continue;
          }
        }
        // Conflicts with another writer of the same counters, or throttling: back off and retry.
        await this.sleep(backoffMs(attempt));
      }
    }
    if (pending.length === 0) return { recorded: [], alreadyRecorded, failed: [] };
    return {
      recorded: [],
      alreadyRecorded,
      failed: pending.map((usage) => ({
        usage,
        reason: `DynamoDB transaction failed: ${lastError}`,
      })),
    };
  }

  private transactionFor(group: readonly QueryUsage[]) {
    const first = group[0];
    if (first === undefined) throw new Error('transactionFor: empty group');
    const now = this.now();
    const expiresAt =
      Math.floor(now.getTime() / 1000) + this.options.queryRecordTtlDays * DAY_SECONDS;
    const totals = totalsOf(group);
    const puts = group.map((usage) => ({
      Put: {
        TableName: this.options.tableName,
        Item: {
          ...TableKeys.query(usage.queryExecutionId),
          type: 'query',
          ...usage,
          periods: undefined,
          day: usage.periods.day,
          workgroupDay: workgroupDayAttribute(usage.workgroup, usage.periods.day),
          recordedAt: now.toISOString(),
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    const counters = PERIODS.map((period) => ({
      Update: {
        TableName: this.options.tableName,
        Key: TableKeys.usage(first.workgroup, period, first.periods[period]),
        UpdateExpression:
          'ADD queries :queries, failedQueries :failed, dpuMillis :dpuMillis, dataScannedBytes :bytes, ' +
          'costNanoUsd :cost, engineExecutionMs :engineMs ' +
          'SET #type = :type, workgroup = :workgroup, period = :period, periodKey = :periodKey, updatedAt = :now',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':queries': totals.queries,
          ':failed': totals.failedQueries,
          ':dpuMillis': totals.dpuMillis,
          ':bytes': totals.dataScannedBytes,
          ':cost': totals.costNanoUsd,
          ':engineMs': totals.engineExecutionMs,
          ':type': 'usage',
          ':workgroup': first.workgroup,
          ':period': period,
          ':periodKey': periodKeyAttribute(period, first.periods[period]),
          ':now': now.toISOString(),
        },
      },
    }));
    return [...puts, ...counters];
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Full-jitter exponential backoff: 25 ms doubling, capped at 1 s. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(1_000, 25 * 2 ** attempt);
}
