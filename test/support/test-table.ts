import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTable } from '../../local/environment/create-table.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/environment/local-account.js';

/** A fresh table in the run's DynamoDB Local, and clients that reach it. */
export interface TestTable {
  readonly name: string;
  readonly endpoint: string;
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  drop(): Promise<void>;
}

export async function createTestTable(prefix = 'athena-cost-test'): Promise<TestTable> {
  const endpoint = inject('dynamoDbEndpoint');
  if (!endpoint)
    throw new Error('DynamoDB Local is not running: test/support/global-setup.ts did not start it');
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await createTable(dynamodb, name);
  return {
    name,
    endpoint,
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
    drop: async () => {
      await dynamodb.send(new DeleteTableCommand({ TableName: name }));
      dynamodb.destroy();
    },
  };
}
