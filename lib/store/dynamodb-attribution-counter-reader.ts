import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Period } from '../usage/period-keys.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import {
  type AttributionCounterReader,
  type AttributionRead,
  attributionPeriodId,
} from './attribution-counter-reader.js';
import { batchGetAll, queryAll } from './dynamodb-toolkit.js';
import { totalsFromItem } from './dynamodb-usage-counter-reader.js';
import { INDEX_BY_PERIOD, periodKeyAttribute, TableKeys } from './table-keys.js';

/**
 * Sums attribution counters over workgroups with one BatchGetItem (100 keys a call: periods ×
 * workgroups), and lists a period's workgroups from the usage counters' `byPeriod` index.
 */
export class DynamoDbAttributionCounterReader implements AttributionCounterReader {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async totalsFor(reads: readonly AttributionRead[]): Promise<ReadonlyMap<string, UsageTotals>> {
    const totals = new Map<string, UsageTotals>();
    const idByItemKey = new Map<string, string>();
    const itemKeys = reads.flatMap((period) => {
      totals.set(attributionPeriodId(period), ZERO_TOTALS);
      return period.workgroups.map((workgroup) => {
        const itemKey = TableKeys.attribution(
          period.key,
          period.period,
          period.periodKey,
          workgroup,
          period.value,
        );
        idByItemKey.set(`${itemKey.pk}|${itemKey.sk}`, attributionPeriodId(period));
        return itemKey;
      });
    });
    if (itemKeys.length === 0) return totals;
    const items = await batchGetAll(this.documents, this.tableName, itemKeys, {
      what: 'attribution counters',
      consistentRead: true,
    });
    for (const item of items) {
      const id = idByItemKey.get(`${String(item.pk)}|${String(item.sk)}`);
      if (id !== undefined)
        totals.set(id, addTotals(totals.get(id) ?? ZERO_TOTALS, totalsFromItem(item)));
    }
    return totals;
  }

  async workgroupsWithUsage(period: Period, periodKey: string): Promise<string[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      IndexName: INDEX_BY_PERIOD,
      KeyConditionExpression: 'periodKey = :periodKey',
      ExpressionAttributeValues: { ':periodKey': periodKeyAttribute(period, periodKey) },
      ProjectionExpression: 'workgroup',
    });
    return [
      ...new Set(
        items.flatMap((item) => (typeof item.workgroup === 'string' ? [item.workgroup] : [])),
      ),
    ];
  }
}
