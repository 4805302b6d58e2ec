import { readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** The table definition serverless.yml deploys, read from the same file so the two cannot drift. */
export interface TableDefinition {
  readonly BillingMode: 'PAY_PER_REQUEST';
  readonly KeySchema: NonNullable<CreateTableCommandInput['KeySchema']>;
  readonly AttributeDefinitions: NonNullable<CreateTableCommandInput['AttributeDefinitions']>;
  readonly GlobalSecondaryIndexes: NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>;
  readonly TimeToLiveAttribute: string;
}

export const TABLE_DEFINITION_PATH = new URL('../../resources/table.json', import.meta.url);

export function readTableDefinition(): TableDefinition {
  return JSON.parse(readFileSync(TABLE_DEFINITION_PATH, 'utf8')) as TableDefinition;
}

/** Creates the product's table (for DynamoDB Local) and turns on its TTL attribute. */
export async function createTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  const definition = readTableDefinition();
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: definition.BillingMode,
      KeySchema: definition.KeySchema,
      AttributeDefinitions: definition.AttributeDefinitions,
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: tableName });
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: definition.TimeToLiveAttribute, Enabled: true },
    }),
  );
}
