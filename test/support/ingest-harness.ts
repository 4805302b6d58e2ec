import type { QueryExecution } from '@aws-sdk/client-athena';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { queryAll } from '../../lib/store/dynamodb-toolkit.js';
import { totalsFromItem } from '../../lib/store/dynamodb-usage-counter-reader.js';
import type { UsageTotals } from '../../lib/usage/usage-totals.js';
import { type LocalAws, startLocalAws } from '../../local/environment/local-aws.js';
import type { AthenaStandIn } from '../../local/stand-ins/athena-stand-in.js';
import type { CloudWatchStandIn } from '../../local/stand-ins/cloudwatch-stand-in.js';
import { anSqsEvent, anSqsRecord, aStateChangeEvent } from './factories.js';
import { createTestTable, type TestTable } from './test-table.js';

export type IngestHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** The real ingest handler wired to DynamoDB Local and the Athena and CloudWatch stand-ins. */
export interface IngestHarness {
  readonly table: TestTable;
  /** The local AWS environment around the tests' DynamoDB Local. */
  readonly aws: LocalAws;
  readonly athena: AthenaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
  readonly handler: IngestHandler;
  /** Puts executions into the simulated Athena account (adding their workgroups as needed). */
  addExecutions(executions: readonly QueryExecution[]): void;
  /** Invokes the handler with one SQS record per body and returns the failed message ids. */
  deliver(bodies: readonly (string | Record<string, unknown>)[]): Promise<string[]>;
  /** The usage counter of a workgroup for a period key such as `day#2026-11-25`, zero if absent. */
  counter(
    workgroup: string,
    periodKey: string,
  ): Promise<UsageTotals & { readonly exists: boolean }>;
  /** Every query record of the table for a workgroup and day. */
  queryRecords(workgroup: string, day: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const lambdaContext = {
  functionName: 'athena-cost-test-ingest',
  awsRequestId: 'test-request',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:athena-cost-test-ingest',
} as Context;

/**
 * Starts the local AWS environment around the tests' DynamoDB Local, points the AWS SDK at it
 * through AWS_ENDPOINT_URL_* and imports the real handler, which reads that environment at
 * import, as it would in Lambda. One per test file.
 */
export async function startIngestHarness(
  extraEnv: Record<string, string> = {},
): Promise<IngestHarness> {
  const table = await createTestTable();
  const aws = await startLocalAws({ dynamoDbEndpoint: table.endpoint });
  const { athena, cloudWatch } = aws;
  Object.assign(process.env, aws.env, { TABLE_NAME: table.name, ...extraEnv });
  const { handler } = (await import('../../functions/ingest.js')) as { handler: IngestHandler };

  return {
    table,
    aws,
    athena,
    cloudWatch,
    handler,
    addExecutions(executions) {
      for (const execution of executions) {
        const workgroup = execution.WorkGroup ?? 'primary';
        if (!athena.account.getWorkGroup(workgroup))
          athena.account.addWorkGroup({ Name: workgroup });
        athena.account.putQueryExecution(execution);
      }
    },
    async deliver(bodies) {
      const records = bodies.map((body) => anSqsRecord(body));
      const response = await handler(anSqsEvent(records), lambdaContext);
      return response.batchItemFailures.map((failure) => failure.itemIdentifier);
    },
    async counter(workgroup, periodKey) {
      const output = await table.documents.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': `USAGE#${workgroup}`, ':sk': periodKey },
          ConsistentRead: true,
        }),
      );
      const item = output.Items?.[0];
      return { ...totalsFromItem(item ?? {}), exists: item !== undefined };
    },
    queryRecords(workgroup, day) {
      return queryAll(table.documents, {
        TableName: table.name,
        IndexName: 'byWorkgroupDayCost',
        KeyConditionExpression: 'workgroupDay = :wd',
        ExpressionAttributeValues: { ':wd': `${workgroup}#${day}` },
      });
    },
    async close() {
      await aws.close();
      await table.drop();
    },
  };
}

/** State-change events announcing each execution's terminal state. */
export const eventsFor = (executions: readonly QueryExecution[]) =>
  executions.map((execution) =>
    aStateChangeEvent(
      execution.QueryExecutionId ?? '',
      execution.Status?.State ?? 'SUCCEEDED',
      execution.WorkGroup ?? 'primary',
    ),
  );
