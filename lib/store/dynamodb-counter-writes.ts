import {
  type AttributeValue,
  type CancellationReason,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Sleep, sleep } from '../async/backoff.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { totalsOf, type UsageTotals } from '../usage/usage-totals.js';
import {
  type AttributionPlan,
  AttributionValueCap,
  type RegistryAddition,
} from './attribution-cap.js';
import { number } from './dynamodb-toolkit.js';
import {
  ATTRIBUTION_COUNTER_UPDATE,
  ATTRIBUTION_VALUES_UPDATE,
  expiresAtAfterDays,
  TableKeys,
} from './table-keys.js';
import { attributionCountersOf, type CountedValue } from './transaction-packing.js';

/**
 * Transaction actions on the counter items, marshalled by hand (for 100 queries the document
 * client's generic marshalling cost more CPU than the rest of a batch): shared by recording
 * queries and by moving a query's usage to the principal CloudTrail names.
 */

/** A day's registry of attribution values is kept this long (a month's counters are done by then). */
const ATTRIBUTION_VALUES_TTL_DAYS = 40;

export const string = (value: string): AttributeValue => ({ S: value });

/** An Update action on one item of the table, with one of the table-keys expressions. */
export const updateIn =
  (tableName: string) =>
  (
    key: { readonly pk: string; readonly sk: string },
    expression: {
      readonly UpdateExpression: string;
      readonly ExpressionAttributeNames: Record<string, string>;
      readonly ConditionExpression?: string;
    },
    values: Record<string, AttributeValue>,
  ): TransactWriteItem => ({
    Update: {
      TableName: tableName,
      Key: { pk: string(key.pk), sk: string(key.sk) },
      ...expression,
      ExpressionAttributeValues: values,
    },
  });

/** The ADD values of a counter update (usage or attribution); `sign` -1 takes them away. */
export const totalValues = (
  totals: UsageTotals,
  sign: 1 | -1 = 1,
): Record<string, AttributeValue> => ({
  ':queries': number(sign * totals.queries),
  ':failed': number(sign * totals.failedQueries),
  ':dpuMillis': number(sign * totals.dpuMillis),
  ':bytes': number(sign * totals.dataScannedBytes),
  ':cost': number(sign * totals.costNanoUsd),
  ':engineMs': number(sign * totals.engineExecutionMs),
});

/** ADDs the queries' totals (times `sign`) to the attribution counters they count in. */
export function attributionCounterWrites(
  tableName: string,
  usages: readonly QueryUsage[],
  countedValue: CountedValue,
  nowIso: AttributeValue,
  sign: 1 | -1 = 1,
): TransactWriteItem[] {
  const update = updateIn(tableName);
  const shares = [...attributionCountersOf(usages, countedValue).values()];
  return shares.map(({ workgroup, key, value, period, periodKey, usages: counted }) =>
    update(
      TableKeys.attribution(key, period, periodKey, workgroup, value),
      ATTRIBUTION_COUNTER_UPDATE,
      {
        ...totalValues(totalsOf(counted), sign),
        ':type': string('attribution'),
        ':workgroup': string(workgroup),
        ':key': string(key),
        ':value': string(value),
        ':period': string(period),
        ':now': nowIso,
      },
    ),
  );
}

/** Adds a plan's new values to their day registries, each under the condition that keeps the cap. */
export function registryAdditionWrites(
  tableName: string,
  additions: readonly RegistryAddition[],
  now: Date,
): TransactWriteItem[] {
  const update = updateIn(tableName);
  const expiresAt = number(expiresAtAfterDays(now, ATTRIBUTION_VALUES_TTL_DAYS));
  return additions.map((addition) =>
    update(
      TableKeys.attributionValues(addition.workgroup, addition.key, addition.day),
      ATTRIBUTION_VALUES_UPDATE,
      {
        ':values': { SS: [...addition.values] },
        ':maxBefore': number(addition.maxSizeBefore),
        ':expiresAt': expiresAt,
      },
    ),
  );
}

/** What the writers of attribution counters share: the table, the cap, the clock, the backoff. */
export interface CounterWriterOptions {
  readonly tableName: string;
  /** Distinct values per attribution key, workgroup and day; more go to `(other)`. */
  readonly attributionValuesPerDay?: number;
  readonly now?: () => Date;
  readonly sleep?: Sleep;
}

/**
 * The part both writers of attribution counters (a batch's recording, a caller's move) share:
 * transactions planned under the cap on distinct values, committed (the cap then remembers what
 * they admitted), and the registries another writer filled learnt when the cap's condition
 * cancels one.
 */
export class CappedCounterWriter {
  readonly tableName: string;
  readonly now: () => Date;
  readonly sleep: Sleep;
  private readonly cap: AttributionValueCap;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    options: CounterWriterOptions,
  ) {
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleep;
    this.cap = new AttributionValueCap(options.attributionValuesPerDay);
  }

  /** Which values a transaction of these queries counts as themselves, and what it adds. */
  plan(usages: readonly QueryUsage[]): AttributionPlan {
    return this.cap.plan(usages);
  }

  /** Writes one transaction of the plan; once it committed, the cap knows the values it added. */
  async commit(items: TransactWriteItem[], plan: AttributionPlan): Promise<void> {
    await this.documents.send(new TransactWriteItemsCommand({ TransactItems: items }));
    this.cap.committed(plan);
  }

  /**
   * Reads the registries whose cap condition cancelled a transaction (the plan's additions, its
   * actions from `additionsFrom` on), so that the cap's next plan sees what another writer put
   * there. Returns those additions: none when the cap was not what cancelled it.
   */
  async learnFullRegistries(cancelled: {
    readonly plan: AttributionPlan;
    readonly reasons: readonly CancellationReason[];
    readonly additionsFrom: number;
  }): Promise<RegistryAddition[]> {
    const { plan, reasons, additionsFrom } = cancelled;
    const full = plan.additions.filter(
      (_, index) => reasons[additionsFrom + index]?.Code === 'ConditionalCheckFailed',
    );
    for (const addition of full) {
      try {
        const output = await this.documents.send(
          new GetCommand({
            TableName: this.tableName,
            Key: TableKeys.attributionValues(addition.workgroup, addition.key, addition.day),
            ConsistentRead: true,
          }),
        );
        const values: unknown = output.Item?.values;
        if (values instanceof Set)
          this.cap.learn(
            addition.id,
            [...values].filter((value): value is string => typeof value === 'string'),
          );
      } catch {
        // The retry's backoff and the next attempt's cancellation cover a failed read.
      }
    }
    return full;
  }
}
