import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Period } from '../usage/period-keys.js';
import type { UsageTotals } from '../usage/usage-totals.js';
import {
  type AttributionCounterReader,
  type AttributionRead,
  attributionPeriodId,
} from './attribution-counter-reader.js';
import { queryAll } from './dynamodb-toolkit.js';
import { sumCounterItems } from './dynamodb-usage-counter-reader.js';
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
    return sumCounterItems(
      this.documents,
      this.tableName,
      'attribution counters',
      reads.map((read) => ({
        id: attributionPeriodId(read),
        itemKeys: read.workgroups.map((workgroup) =>
          TableKeys.attribution(read.key, read.period, read.periodKey, workgroup, read.value),
        ),
      })),
    );
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
