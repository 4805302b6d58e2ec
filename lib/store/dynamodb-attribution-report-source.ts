import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { Period } from '../usage/period-keys.js';
import type { AttributionCounter, AttributionReportSource } from './attribution-report-source.js';
import { queryAll } from './dynamodb-toolkit.js';
import { totalsFromItem } from './dynamodb-usage-counter-reader.js';
import { TableKeys } from './table-keys.js';

/** Period keys read at once. */
const CONCURRENCY = 8;

/** Reads attribution counters: one partition per key and period key (see TableKeys.attribution). */
export class DynamoDbAttributionReportSource implements AttributionReportSource {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readAttributionCounters(
    key: string,
    period: Period,
    periodKeys: readonly string[],
  ): Promise<readonly AttributionCounter[]> {
    const pages = await mapWithConcurrency(periodKeys, CONCURRENCY, async (periodKey) => {
      const items = await queryAll(this.documents, {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': TableKeys.attribution(key, period, periodKey, '', '').pk,
        },
      });
      return items.flatMap((item): AttributionCounter[] =>
        typeof item.workgroup === 'string' && typeof item.attributionValue === 'string'
          ? [
              {
                workgroup: item.workgroup,
                key,
                value: item.attributionValue,
                period,
                periodKey,
                totals: totalsFromItem(item),
              },
            ]
          : [],
      );
    });
    return pages.flat();
  }

  async hasAttributionCounters(key: string, period: Period, periodKey: string): Promise<boolean> {
    const output = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': TableKeys.attribution(key, period, periodKey, '', '').pk,
        },
        Limit: 1,
        ProjectionExpression: 'pk',
      }),
    );
    return (output.Items?.length ?? 0) > 0;
  }
}
