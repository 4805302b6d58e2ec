import { queryAll } from '../../lib/store/dynamodb-toolkit.js';
import { totalsFromItem } from '../../lib/store/dynamodb-usage-counter-reader.js';
import type { TestTable } from './test-table.js';

/**
 * The attribution counters of `key` (`dbt.model`, `tag:team`, `principal`) for a stored period
 * key such as `day#2026-11-25`, read whole: by sort key (`workgroup#value`), or with `workgroup`
 * only that workgroup's, by value.
 */
export async function attributionCountersOf(
  table: TestTable,
  key: string,
  periodKey: string,
  workgroup?: string,
) {
  const pk = `ATTR#${key}#${periodKey}`;
  const prefix = workgroup === undefined ? '' : `${workgroup}#`;
  const items = await queryAll(table.documents, {
    TableName: table.name,
    ConsistentRead: true,
    // DynamoDB refuses an empty begins_with.
    ...(prefix === ''
      ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }
      : {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        }),
  });
  return new Map(
    items.map((item) => [String(item.sk).slice(prefix.length), totalsFromItem(item)] as const),
  );
}
