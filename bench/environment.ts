import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseBudget } from '../lib/budgets/budget.js';
import { DynamoDbBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { createTable, readTableDefinition } from '../local/environment/create-table.js';
import { startDynamoDbLocal } from '../local/environment/dynamodb-local.js';
import {
  type AthenaStandIn,
  SimulatedAthenaAccount,
  startAthenaStandIn,
} from '../local/stand-ins/athena-stand-in.js';
import {
  type CloudWatchStandIn,
  startCloudWatchStandIn,
} from '../local/stand-ins/cloudwatch-stand-in.js';
import { type SnsStandIn, startSnsStandIn } from '../local/stand-ins/sns-stand-in.js';
import { type CapacityProxy, startCapacityProxy } from './capacity-proxy.js';

export const REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';
export const METRICS_NAMESPACE = 'AthenaCostMonitor';

/** Everything the functions talk to, on this machine, with a call counter on every endpoint. */
export interface BenchEnvironment {
  readonly athena: AthenaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
  readonly sns: SnsStandIn;
  /** In front of DynamoDB Local: counts calls and consumed capacity. */
  readonly dynamo: CapacityProxy;
  /** DynamoDB Local itself, for setup and checks that must not be counted. */
  readonly documents: DynamoDBDocumentClient;
  readonly alertsTopicArn: string;
  readonly dynamoStartMs: number;
  /** The environment of a function using `tableName`, as serverless.yml sets it. */
  functionEnv(tableName: string): Record<string, string>;
  createTable(tableName: string): Promise<void>;
  putBudgets(tableName: string, budgets: readonly unknown[]): Promise<void>;
  resetCalls(): void;
  /** Calls per operation since the last reset, all services together. */
  calls(): Map<string, number>;
  close(): Promise<void>;
}

export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const started = performance.now();
    const local = await startDynamoDbLocal();
    closers.push(() => local.stop());
    const dynamoStartMs = performance.now() - started;
    const indexes = readTableDefinition().GlobalSecondaryIndexes.map((index) => ({
      name: index.IndexName ?? '',
      keys: (index.KeySchema ?? []).map((key) => key.AttributeName ?? ''),
    }));
    const dynamo = await startCapacityProxy(local.endpoint, indexes);
    closers.push(() => dynamo.close());
    const athena = await startAthenaStandIn({ account: new SimulatedAthenaAccount() });
    closers.push(() => athena.close());
    const cloudWatch = await startCloudWatchStandIn({ region: REGION, accountId: ACCOUNT_ID });
    closers.push(() => cloudWatch.close());
    const alertsTopicArn = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:athena-cost-bench-alerts`;
    const sns = await startSnsStandIn({ topics: [alertsTopicArn] });
    closers.push(() => sns.close());

    const dynamodb = new DynamoDBClient({
      endpoint: local.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    closers.push(async () => dynamodb.destroy());
    const documents = DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });

    return {
      athena,
      cloudWatch,
      sns,
      dynamo,
      documents,
      alertsTopicArn,
      dynamoStartMs,
      functionEnv: (tableName) => ({
        PATH: process.env.PATH ?? '',
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
        AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
        AWS_ENDPOINT_URL_SNS: sns.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // provider.environment of serverless.yml
        TABLE_NAME: tableName,
        ALERTS_TOPIC_ARN: alertsTopicArn,
        METRICS_NAMESPACE,
        PRICE_PER_DPU_HOUR_USD: '0.30',
        PRICE_PER_TB_SCANNED_USD: '5.00',
        QUERY_RECORD_TTL_DAYS: '400',
        POWERTOOLS_SERVICE_NAME: 'athena-cost',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '--enable-source-maps',
        // functions.reconcile.environment
        RECONCILE_SAFETY_MARGIN_MINUTES: '30',
        RECONCILE_GRACE_MINUTES: '5',
        RECONCILE_INITIAL_LOOKBACK_MINUTES: '60',
        RECONCILE_RESERVE_SECONDS: '60',
      }),
      createTable: (tableName) => createTable(dynamodb, tableName),
      async putBudgets(tableName, budgets) {
        const store = new DynamoDbBudgetStore(documents, tableName);
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
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
