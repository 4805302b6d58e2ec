import { GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
} from '../lib/aws/clients.js';
import { loadConfig } from '../lib/config.js';
import { CloudWatchMetricsPublisher } from '../lib/metrics/cloudwatch-metrics-publisher.js';
import { usageMetricsOf } from '../lib/metrics/usage-metrics.js';
import {
  expiresAtAfterDays,
  periodKeyAttribute,
  TableKeys,
  USAGE_COUNTER_UPDATE,
  workgroupDayAttribute,
} from '../lib/store/table-keys.js';
import { deriveQueryUsage, isTerminalState } from '../lib/usage/query-usage.js';
import { totalsOf } from '../lib/usage/usage-totals.js';

/**
 * The naive baseline, written only for the benchmark: what a first version of the monitor
 * would be. EventBridge invokes it once per "Athena Query State Change" event; it reads the
 * execution with GetQueryExecution, writes the query record with a conditional PutItem (so a
 * duplicate event is not counted twice), adds the query to its workgroup's day counter with
 * UpdateItem and publishes its metrics with PutMetricData.
 *
 * It does less than the product, which makes the comparison conservative: no week and month
 * counters, no budgets, and the put and the counter update are not atomic (an invocation that
 * dies between the two undercounts the query for good).
 */

const config = loadConfig();
const athena = createAthenaClient();
const documents = createDocumentClient();
const metrics = new CloudWatchMetricsPublisher(createCloudWatchClient(), config.metricsNamespace);

interface StateChangeDetail {
  readonly queryExecutionId: string;
  readonly currentState: string;
}

export const handler = async (
  event: EventBridgeEvent<'Athena Query State Change', StateChangeDetail>,
): Promise<void> => {
  const { queryExecutionId, currentState } = event.detail;
  if (!isTerminalState(currentState)) return;

  const { QueryExecution: execution } = await athena.send(
    new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }),
  );
  if (execution === undefined) throw new Error(`no execution for ${queryExecutionId}`);
  const derived = deriveQueryUsage(execution, config.pricing);
  // Thrown: EventBridge retries the invocation asynchronously.
  if (!derived.ok) throw new Error(derived.reason);
  const usage = derived.usage;
  const totals = totalsOf([usage]);
  const now = new Date();

  try {
    await documents.send(
      new PutCommand({
        TableName: config.tableName,
        Item: {
          ...TableKeys.query(usage.queryExecutionId),
          type: 'query',
          ...usage,
          periods: undefined,
          day: usage.periods.day,
          workgroupDay: workgroupDayAttribute(usage.workgroup, usage.periods.day),
          recordedAt: now.toISOString(),
          expiresAt: expiresAtAfterDays(now, config.queryRecordTtlDays),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return; // a duplicate event
    throw error;
  }

  await documents.send(
    new UpdateCommand({
      TableName: config.tableName,
      Key: TableKeys.usage(usage.workgroup, 'day', usage.periods.day),
      ...USAGE_COUNTER_UPDATE,
      ExpressionAttributeValues: {
        ':queries': totals.queries,
        ':failed': totals.failedQueries,
        ':dpuMillis': totals.dpuMillis,
        ':bytes': totals.dataScannedBytes,
        ':cost': totals.costNanoUsd,
        ':engineMs': totals.engineExecutionMs,
        ':type': 'usage',
        ':workgroup': usage.workgroup,
        ':period': 'day',
        ':periodKey': periodKeyAttribute('day', usage.periods.day),
        ':now': now.toISOString(),
      },
    }),
  );

  await metrics.publish(usageMetricsOf([usage], now));
};
