import type { QueryExecution } from '@aws-sdk/client-athena';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { totalsFromItem } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { periodKeysFor } from '../../lib/usage/period-keys.js';

/** What the counters of one workgroup and period must hold, computed from the executions alone. */
export interface ExpectedTotals {
  queries: number;
  failedQueries: number;
  dpuMillis: number;
  dataScannedBytes: number;
}

const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * The ground truth of a simulated account: per workgroup and `day#`/`week#`/`month#` key, the
 * totals of its finished executions (DPU-ms = DpuCount x EngineExecutionTimeInMillis), computed
 * independently of the product's own code paths, and the ids that must have a record.
 */
export function groundTruthOf(executions: readonly QueryExecution[]) {
  const totals = new Map<string, ExpectedTotals>();
  const ids = new Map<string, Set<string>>();
  for (const execution of executions) {
    const state = execution.Status?.State ?? '';
    const completed = execution.Status?.CompletionDateTime;
    if (!FINISHED.has(state) || !(completed instanceof Date)) continue;
    const workgroup = execution.WorkGroup ?? 'primary';
    const statistics = execution.Statistics ?? {};
    const dpuMillis = (statistics.DpuCount ?? 0) * (statistics.EngineExecutionTimeInMillis ?? 0);
    const keys = periodKeysFor(completed);
    for (const periodKey of [`day#${keys.day}`, `week#${keys.week}`, `month#${keys.month}`]) {
      const key = `${workgroup}|${periodKey}`;
      const sum = totals.get(key) ?? {
        queries: 0,
        failedQueries: 0,
        dpuMillis: 0,
        dataScannedBytes: 0,
      };
      sum.queries++;
      if (state === 'FAILED') sum.failedQueries++;
      sum.dpuMillis += dpuMillis;
      sum.dataScannedBytes += statistics.DataScannedInBytes ?? 0;
      totals.set(key, sum);
    }
    const dayKey = `${workgroup}|${keys.day}`;
    const set = ids.get(dayKey) ?? new Set<string>();
    set.add(execution.QueryExecutionId ?? '');
    ids.set(dayKey, set);
  }
  return { totals, ids };
}

/** Reads one usage counter (zero when absent). */
export async function readCounter(
  documents: DynamoDBDocumentClient,
  tableName: string,
  workgroup: string,
  periodKey: string,
) {
  const output = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': `USAGE#${workgroup}`, ':sk': periodKey },
      ConsistentRead: true,
    }),
  );
  return totalsFromItem(output.Items?.[0] ?? {});
}

/** The query ids recorded for a workgroup and day (through the byWorkgroupDayCost index). */
export async function readRecordedIds(
  documents: DynamoDBDocumentClient,
  tableName: string,
  workgroup: string,
  day: string,
): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await documents.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byWorkgroupDayCost',
        KeyConditionExpression: 'workgroupDay = :wd',
        ExpressionAttributeValues: { ':wd': `${workgroup}#${day}` },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of output.Items ?? []) ids.push(String(item.queryExecutionId));
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return ids;
}

/**
 * Asserts that the table equals the ground truth of the executions: every counter of their
 * workgroups' days, weeks and months, and exactly one record per finished query (none missing,
 * none extra, none twice).
 */
export async function expectTableMatches(
  documents: DynamoDBDocumentClient,
  tableName: string,
  executions: readonly QueryExecution[],
): Promise<void> {
  const truth = groundTruthOf(executions);
  for (const [key, expected] of truth.totals) {
    const [workgroup, periodKey] = key.split('|') as [string, string];
    const actual = await readCounter(documents, tableName, workgroup, periodKey);
    expect(
      {
        queries: actual.queries,
        failedQueries: actual.failedQueries,
        dpuMillis: actual.dpuMillis,
        dataScannedBytes: actual.dataScannedBytes,
      },
      `counter ${workgroup} ${periodKey}`,
    ).toEqual(expected);
  }
  for (const [key, expectedIds] of truth.ids) {
    const [workgroup, day] = key.split('|') as [string, string];
    const recorded = await readRecordedIds(documents, tableName, workgroup, day);
    expect(recorded.length, `records of ${workgroup} on ${day}`).toBe(new Set(recorded).size);
    expect(new Set(recorded), `records of ${workgroup} on ${day}`).toEqual(expectedIds);
  }
}
