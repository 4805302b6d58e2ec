import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/environment/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

let dynamoDbLocal: DynamoDbLocal | undefined;

/** One DynamoDB Local for the whole run; each test file creates its own table in it. */
export async function setup(project: TestProject): Promise<void> {
  dynamoDbLocal = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', dynamoDbLocal.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamoDbLocal?.stop();
}
