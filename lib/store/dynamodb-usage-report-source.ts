import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import { parseBudget } from '../budgets/budget.js';
import type { ReservationCounter } from '../capacity/billed-cost.js';
import type { Period } from '../usage/period-keys.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import { TERMINAL_STATES } from '../usage/query-usage.js';
import { DynamoDbReservationCounterReader } from './dynamodb-reservation-counter-reader.js';
import { batchGetAll, queryAll } from './dynamodb-toolkit.js';
import { totalsFromItem } from './dynamodb-usage-counter-reader.js';
import {
  INDEX_BY_PERIOD,
  INDEX_BY_WORKGROUP_DAY_COST,
  periodKeyAttribute,
  TableKeys,
  workgroupDayAttribute,
} from './table-keys.js';
import type {
  BudgetLimit,
  TopQuery,
  UsageCounter,
  UsageReportSource,
  WorkgroupDay,
} from './usage-report-source.js';

export interface DynamoDbUsageReportSourceOptions {
  /** Queries in flight at once (one per period key, or per workgroup and day). */
  readonly concurrency?: number;
  /** Told about items that are skipped because they do not parse. */
  readonly onWarning?: (message: string) => void;
}

const DEFAULT_CONCURRENCY = 8;

const TopQueryItem = z.object({
  queryExecutionId: z.string().min(1),
  workgroup: z.string().min(1),
  state: z.enum(TERMINAL_STATES),
  dpuCount: z.number().nullable().optional(),
  dpuMillis: z.number().optional(),
  dpuHours: z.number().optional(),
  engineExecutionMs: z.number(),
  dataScannedBytes: z.number(),
  costNanoUsd: z.number().optional(),
  costUsd: z.number(),
  completedAt: z.string(),
});

/**
 * The attributes a top-query report reads from `byWorkgroupDayCost`: what resources/table.json
 * projects into that index (INCLUDE), besides its keys.
 */
export const TOP_QUERY_ATTRIBUTES: readonly string[] = Object.keys(TopQueryItem.shape);

/**
 * Reads report data with Queries only: a workgroup's counters by key range, all workgroups'
 * counters through the `byPeriod` index (one Query per period key), budgets from their
 * partition, and top queries through `byWorkgroupDayCost`, most expensive first.
 */
export class DynamoDbUsageReportSource implements UsageReportSource {
  private readonly concurrency: number;
  private readonly reservationCounters: DynamoDbReservationCounterReader;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbUsageReportSourceOptions = {},
  ) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.reservationCounters = new DynamoDbReservationCounterReader(
      documents,
      tableName,
      this.concurrency,
    );
    this.warn = options.onWarning ?? (() => {});
  }

  async readCounters(
    period: Period,
    keys: readonly string[],
    workgroup?: string,
  ): Promise<readonly UsageCounter[]> {
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first === undefined || last === undefined) return [];
    let items: Record<string, unknown>[];
    if (workgroup !== undefined) {
      const { pk } = TableKeys.usage(workgroup, period, first);
      items = await queryAll(this.documents, {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
        ExpressionAttributeValues: {
          ':pk': pk,
          ':first': periodKeyAttribute(period, first),
          ':last': periodKeyAttribute(period, last),
        },
      });
    } else {
      const pages = await mapWithConcurrency(keys, this.concurrency, (key) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          IndexName: INDEX_BY_PERIOD,
          KeyConditionExpression: 'periodKey = :periodKey',
          ExpressionAttributeValues: { ':periodKey': periodKeyAttribute(period, key) },
        }),
      );
      items = pages.flat();
    }
    const wanted = new Set(keys);
    const counters: UsageCounter[] = [];
    for (const item of items) {
      const counter = counterOf(item, period);
      if (counter !== undefined && wanted.has(counter.key)) counters.push(counter);
    }
    return counters;
  }

  readReservationCounters(
    period: Period,
    keys: readonly string[],
  ): Promise<readonly ReservationCounter[]> {
    return this.reservationCounters.read(period, keys);
  }

  async readBudgets(workgroup?: string): Promise<readonly BudgetLimit[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: workgroup === undefined ? 'pk = :pk' : 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: {
        ':pk': TableKeys.budget('').pk,
        ...(workgroup === undefined ? {} : { ':sk': workgroup }),
      },
    });
    const budgets: BudgetLimit[] = [];
    for (const item of items) {
      const parsed = parseBudget(item);
      if (parsed.ok) {
        const { workgroup: name, period, limitDpuHours, limitUsd, limitBytes } = parsed.budget;
        budgets.push({ workgroup: name, period, limitDpuHours, limitUsd, limitBytes });
      } else {
        this.warn(`ignoring the budget of ${String(item.sk)}: ${parsed.reason}`);
      }
    }
    return budgets;
  }

  async readTopQueries(days: readonly WorkgroupDay[], limit: number): Promise<readonly TopQuery[]> {
    if (limit <= 0) return [];
    const pages = await mapWithConcurrency(days, this.concurrency, async ({ workgroup, day }) => {
      const output = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX_BY_WORKGROUP_DAY_COST,
          KeyConditionExpression: 'workgroupDay = :workgroupDay',
          ExpressionAttributeValues: { ':workgroupDay': workgroupDayAttribute(workgroup, day) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return output.Items ?? [];
    });
    const queries: TopQuery[] = [];
    for (const item of pages.flat()) {
      const parsed = TopQueryItem.safeParse(item);
      if (!parsed.success) {
        this.warn(
          `skipping the query record ${String(item.pk)}: ${parsed.error.issues[0]?.message}`,
        );
        continue;
      }
      const record = parsed.data;
      queries.push({
        queryExecutionId: record.queryExecutionId,
        workgroup: record.workgroup,
        state: record.state,
        dpuCount: record.dpuCount ?? null,
        dpuHours:
          record.dpuMillis === undefined
            ? (record.dpuHours ?? 0)
            : dpuHoursFromMillis(record.dpuMillis),
        engineExecutionMs: record.engineExecutionMs,
        dataScannedBytes: record.dataScannedBytes,
        costUsd:
          record.costNanoUsd === undefined ? record.costUsd : usdFromNano(record.costNanoUsd),
        completedAt: record.completedAt,
      });
    }
    return queries;
  }

  async readRedactedSql(
    queryExecutionIds: readonly string[],
  ): Promise<ReadonlyMap<string, string>> {
    const items = await batchGetAll(
      this.documents,
      this.tableName,
      queryExecutionIds.map((id) => TableKeys.query(id)),
      { what: 'query records', projectionExpression: 'queryExecutionId, sqlRedacted' },
    );
    return new Map(
      items.flatMap((item): [string, string][] =>
        typeof item.queryExecutionId === 'string' && typeof item.sqlRedacted === 'string'
          ? [[item.queryExecutionId, item.sqlRedacted]]
          : [],
      ),
    );
  }
}

/** A usage counter item of `period`, or undefined for anything else the index holds. */
function counterOf(item: Record<string, unknown>, period: Period): UsageCounter | undefined {
  const { pk, sk, workgroup } = item;
  if (typeof pk !== 'string' || !pk.startsWith('USAGE#')) return undefined;
  if (typeof sk !== 'string' || !sk.startsWith(`${period}#`)) return undefined;
  if (typeof workgroup !== 'string' || workgroup === '') return undefined;
  return { workgroup, period, key: sk.slice(period.length + 1), totals: totalsFromItem(item) };
}
