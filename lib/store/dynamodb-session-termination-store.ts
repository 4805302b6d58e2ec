import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CLAIM_LEASE_MS } from './dynamodb-enforcement-store.js';
import { conditionalWrite, queryAll } from './dynamodb-toolkit.js';
import type { EnforcementKey } from './enforcement-store.js';
import type { SessionTermination, SessionTerminationStore } from './session-termination-store.js';
import { expiresAtAfterDays, TableKeys } from './table-keys.js';

/** Termination records outlive their period as long as the enforcement records beside them. */
const RETENTION_DAYS = 400;

/** Spark session terminations in the single table, claimed with conditional writes. */
export class DynamoDbSessionTerminationStore implements SessionTerminationStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private keyOf(key: EnforcementKey, sessionId: string) {
    return TableKeys.sessionTermination(key.workgroup, key.period, key.periodKey, sessionId);
  }

  async claim(key: EnforcementKey, sessionId: string, owner: string, now: Date): Promise<boolean> {
    return conditionalWrite(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.keyOf(key, sessionId),
            type: 'session-termination',
            ...key,
            sessionId,
            owner,
            status: 'requested',
            requestedAt: now.toISOString(),
            leaseUntil: now.getTime() + CLAIM_LEASE_MS,
            expiresAt: expiresAtAfterDays(now, RETENTION_DAYS),
          },
          // `owner = :me`: the SDK's retry of a Put whose answer was lost finds its own claim.
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :requested AND (#owner = :me OR leaseUntil < :now))',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':requested': 'requested',
            ':me': owner,
            ':now': now.getTime(),
          },
        }),
      ),
    );
  }

  async complete(key: EnforcementKey, sessionId: string, state: string, now: Date): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.keyOf(key, sessionId),
        UpdateExpression:
          'SET #status = :terminated, terminatedAt = :now, #state = :state REMOVE leaseUntil',
        ExpressionAttributeNames: { '#status': 'status', '#state': 'state' },
        ExpressionAttributeValues: {
          ':terminated': 'terminated',
          ':now': now.toISOString(),
          ':state': state,
        },
      }),
    );
  }

  async release(key: EnforcementKey, sessionId: string, owner: string): Promise<void> {
    // Done meanwhile, or taken over after the lease: not ours to give back.
    await conditionalWrite(
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.keyOf(key, sessionId),
          ConditionExpression: '#status = :requested AND #owner = :me',
          ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
          ExpressionAttributeValues: { ':requested': 'requested', ':me': owner },
        }),
      ),
    );
  }

  async terminations(key: EnforcementKey): Promise<SessionTermination[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': this.keyOf(key, '').pk },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      sessionId: String(item.sessionId),
      status: item.status === 'terminated' ? 'terminated' : 'requested',
      requestedAt: String(item.requestedAt),
      terminatedAt: typeof item.terminatedAt === 'string' ? item.terminatedAt : undefined,
      state: typeof item.state === 'string' ? item.state : undefined,
    }));
  }
}
