import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, queryPartition } from './dynamodb-toolkit.js';
import type {
  ReconcilePass,
  ReconcileState,
  ReconcileStateStore,
} from './reconcile-state-store.js';
import { TableKeys } from './table-keys.js';

/**
 * Reconciliation states as items `pk=RECONCILE, sk=<workgroup>`, read with one Query and
 * written with a version condition so two overlapping runs cannot move a watermark backwards.
 */
export class DynamoDbReconcileStateStore implements ReconcileStateStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async loadAll(): Promise<ReadonlyMap<string, ReconcileState>> {
    const states = new Map<string, ReconcileState>();
    const items = await queryPartition(this.documents, this.tableName, TableKeys.reconcile('').pk);
    for (const item of items) {
      const workgroup = String(item.sk);
      states.set(workgroup, {
        workgroup,
        watermark: optionalString(item.watermark),
        pass: passOf(item.pass),
        version: typeof item.version === 'number' ? item.version : 0,
        updatedAt: optionalString(item.updatedAt),
      });
    }
    return states;
  }

  async save(state: ReconcileState, now: Date): Promise<boolean> {
    return conditionalWrite(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...TableKeys.reconcile(state.workgroup),
            type: 'reconcile',
            watermark: state.watermark,
            pass: state.pass,
            version: state.version + 1,
            updatedAt: now.toISOString(),
          },
          ConditionExpression:
            state.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(state.version === 0
            ? {}
            : { ExpressionAttributeValues: { ':version': state.version } }),
        }),
      ),
    );
  }
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function passOf(value: unknown): ReconcilePass | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const pass = value as Record<string, unknown>;
  const startedAt = optionalString(pass.startedAt);
  const nextToken = optionalString(pass.nextToken);
  if (startedAt === undefined || nextToken === undefined) return undefined;
  return {
    startedAt,
    nextToken,
    holdAt: optionalString(pass.holdAt),
    blocked: pass.blocked === true,
  };
}
