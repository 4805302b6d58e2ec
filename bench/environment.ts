import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseBudget } from '../lib/budgets/budget.js';
import { DynamoDbBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { createTable, readTableDefinition } from '../local/environment/create-table.js';
import { LOCAL_ACCOUNT_ID } from '../local/environment/local-account.js';
import { startLocalAws } from '../local/environment/local-aws.js';
import type { AthenaStandIn } from '../local/stand-ins/athena-stand-in.js';
import type { CloudWatchStandIn } from '../local/stand-ins/cloudwatch-stand-in.js';
import type { SnsStandIn } from '../local/stand-ins/sns-stand-in.js';
import { type CapacityProxy, startCapacityProxy } from './capacity-proxy.js';
import { indexesOf } from './figures.js';
import {
  functionEnvironment,
  readServerlessConfig,
  type ServerlessSettings,
  serverlessSettings,
} from './serverless-config.js';

/** Everything the functions talk to, on this machine, with a call counter on every endpoint. */
export interface BenchEnvironment {
  readonly athena: AthenaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
  readonly sns: SnsStandIn;
  /** In front of DynamoDB Local: counts calls and consumed capacity. */
  readonly dynamo: CapacityProxy;
  /** DynamoDB Local itself, for setup and checks that must not be counted. */
  readonly documents: DynamoDBDocumentClient;
  readonly dynamoStartMs: number;
  /** The ingest function's event source mapping and memory, from serverless.yml. */
  readonly serverless: ServerlessSettings;
  /**
   * The environment serverless.yml gives `functionName` (e.g. `ingest`), using `tableName`, its
   * services pointed at this environment.
   */
  functionEnv(functionName: string, tableName: string): Record<string, string>;
  createTable(tableName: string): Promise<void>;
  putBudgets(tableName: string, budgets: readonly unknown[]): Promise<void>;
  resetCalls(): void;
  /** Calls per operation since the last reset, all services together. */
  calls(): Map<string, number>;
  close(): Promise<void>;
}

/**
 * What the bench gives serverless.yml's CloudFormation references (`Ref`, `Fn::GetAtt`), by the
 * variable that holds them. The dead-letter queue is only read by the digest, which the bench
 * merely cold-starts, so a loopback address that answers nothing is enough.
 */
export function benchReferenceValues(
  tableName: string,
  alertsTopicArn: string,
): Record<string, string> {
  return {
    TABLE_NAME: tableName,
    ALERTS_TOPIC_ARN: alertsTopicArn,
    DLQ_URL: `http://127.0.0.1:9/${LOCAL_ACCOUNT_ID}/athena-cost-bench-dlq`,
  };
}

export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const serverless = await readServerlessConfig();
  const aws = await startLocalAws({ alertsTopicName: 'athena-cost-bench-alerts' });
  try {
    const indexes = indexesOf(readTableDefinition());
    const dynamo = await startCapacityProxy(aws.endpoints.dynamodb, indexes);
    const { athena, cloudWatch, sns } = aws;

    return {
      athena,
      cloudWatch,
      sns,
      dynamo,
      documents: aws.clients.documents,
      dynamoStartMs: aws.dynamoDbLocal?.startMs ?? 0,
      serverless: serverlessSettings(serverless),
      functionEnv: (functionName, tableName) => ({
        PATH: process.env.PATH ?? '',
        ...aws.env,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        ...functionEnvironment(
          serverless,
          functionName,
          benchReferenceValues(tableName, aws.alertsTopicArn),
        ),
        ...(process.env.BENCH_NODE_OPTIONS === undefined
          ? {}
          : { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS }),
      }),
      createTable: (tableName) => createTable(aws.clients.dynamodb, tableName),
      async putBudgets(tableName, budgets) {
        const store = new DynamoDbBudgetStore(aws.clients.documents, tableName);
        for (const input of budgets) {
          const parsed = parseBudget(input);
          if (!parsed.ok) throw new Error(`benchmark budget is invalid: ${parsed.reason}`);
          await store.put(parsed.budget);
        }
      },
      resetCalls() {
        athena.resetCalls();
        cloudWatch.resetCalls();
        sns.resetCalls();
        dynamo.reset();
      },
      calls() {
        const all = new Map<string, number>();
        for (const source of [athena.calls, cloudWatch.calls, sns.calls]) {
          for (const [operation, count] of source) all.set(operation, count);
        }
        for (const [operation, stats] of dynamo.operations) all.set(operation, stats.calls);
        return all;
      },
      async close() {
        await dynamo.close().catch(() => undefined);
        await aws.close();
      },
    };
  } catch (error) {
    await aws.close();
    throw error;
  }
}
