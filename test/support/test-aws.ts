import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { vi } from 'vitest';
import { type Config, loadConfig } from '../../lib/config.js';
import type { Log } from '../../lib/log.js';
import { type LocalAws, startLocalAws } from '../../local/environment/local-aws.js';
import { standInClients } from './stand-in-clients.js';
import { createTestTable, type TestTable } from './test-table.js';

/** A log that drops everything: the tests assert on results and records, not on log lines. */
export const quietLog: Log = { info: () => {}, warn: () => {}, error: () => {} };

/** The functions' configuration for a test table, as loadConfig reads it, with no budget cache. */
export const aTestConfig = (tableName: string, env: Record<string, string> = {}): Config =>
  loadConfig({ TABLE_NAME: tableName, BUDGET_CACHE_SECONDS: '0', ...env });

/** What the wire functions take to reach the test's table and stand-ins. */
export interface TestWiring {
  readonly config: Config;
  readonly athena: AthenaClient;
  readonly cloudWatch: CloudWatchClient;
  readonly documents: DynamoDBDocumentClient;
  readonly logger: Log;
  readonly clock: () => Date;
}

/** The local AWS environment (stand-ins) around a fresh table in the tests' DynamoDB Local. */
export interface TestAws extends LocalAws {
  readonly table: TestTable;
  /** A function's wiring over new SDK clients, as a new Lambda instance has, with a quiet log. */
  wiring(config: Config, clock: () => Date): TestWiring;
  /**
   * Points the SDK clients the CLI creates here through the environment, as in a shell;
   * `vi.unstubAllEnvs()` undoes it.
   */
  stubEnvironment(): void;
  /** Stops the stand-ins and drops the table. */
  stop(): Promise<void>;
}

export interface TestAwsOptions {
  /** Names the table, so a leftover one tells which test file made it. */
  readonly tablePrefix: string;
  /** The stand-ins' simulated clock; the wall clock when unset. */
  readonly clock?: () => Date;
  /** The alerts topic the SNS stand-in serves (default `athena-cost-local-alerts`). */
  readonly alertsTopicName?: string;
}

export async function startTestAws(options: TestAwsOptions): Promise<TestAws> {
  const table = await createTestTable(options.tablePrefix);
  const local = await startLocalAws({
    dynamoDbEndpoint: table.endpoint,
    clock: options.clock,
    alertsTopicName: options.alertsTopicName,
  });
  return {
    ...local,
    table,
    wiring: (config, clock) => ({
      config,
      ...standInClients(local),
      documents: table.documents,
      logger: quietLog,
      clock,
    }),
    stubEnvironment: () => {
      for (const [name, value] of Object.entries(local.env)) vi.stubEnv(name, value);
    },
    stop: async () => {
      await local.close();
      await table.drop();
    },
  };
}
