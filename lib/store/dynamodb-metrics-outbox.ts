import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { OutboxEntry, OutboxMarker } from '../metrics/metrics-outbox.js';
import type { UsageDelta } from '../metrics/usage-metrics.js';
import { conditionalWrite, number } from './dynamodb-toolkit.js';

/**
 * The metrics outbox kept on the usage counters: each recording transaction writes its usage
 * deltas as one attribute `outbox_<id>` of one of its month counters, and adds `<id>` to that
 * item's `outboxIds` set, in the same transaction as the counters (no extra action, no extra
 * call). Publishing removes both. (The sweep's reading is in dynamodb-metrics-outbox-sweep.ts,
 * so that the recording functions' bundles hold no Query of the index.)
 */
export class DynamoDbOutboxMarker implements OutboxMarker {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async markPublished(entries: readonly OutboxEntry[]): Promise<void> {
    const byHolder = new Map<string, OutboxEntry[]>();
    for (const entry of entries) {
      const id = `${entry.holder.pk}\u0000${entry.holder.sk}`;
      byHolder.set(id, [...(byHolder.get(id) ?? []), entry]);
    }
    await mapWithConcurrency([...byHolder.values()], PARALLEL_UPDATES, async (held) => {
      const holder = held[0]?.holder;
      if (holder === undefined) return;
      const names = Object.fromEntries(
        held.map((entry, index) => [`#entry${index}`, attributeOf(entry.id)]),
      );
      // A counter that is gone (condition failed) has nothing left to publish.
      await conditionalWrite(
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: holder.pk, sk: holder.sk },
            UpdateExpression: `REMOVE ${Object.keys(names).join(', ')} DELETE outboxIds :ids`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':ids': new Set(held.map((entry) => entry.id)) },
          }),
        ),
      );
    });
  }
}

const PARALLEL_UPDATES = 4;
export const OUTBOX_ATTRIBUTE_PREFIX = 'outbox_';
const attributeOf = (id: string): string => `${OUTBOX_ATTRIBUTE_PREFIX}${id}`;

/** What a recording transaction adds to the counter update that carries its outbox entry. */
export interface OutboxWrite {
  readonly id: string;
  readonly deltas: readonly UsageDelta[];
  /** Appended to the update's ADD clause. */
  readonly add: string;
  /** Appended to the update's SET clause. */
  readonly set: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** The outbox entry of a transaction, marshalled for its counter update. */
export function outboxWrite(deltas: readonly UsageDelta[], committedAt: Date): OutboxWrite {
  const id = randomUUID().replaceAll('-', '');
  return {
    id,
    deltas,
    add: 'outboxIds :outboxIds',
    set: '#outboxEntry = :outboxEntry',
    names: { '#outboxEntry': attributeOf(id) },
    values: {
      ':outboxIds': { SS: [id] },
      ':outboxEntry': {
        M: {
          committedAt: number(committedAt.getTime()),
          deltas: { L: deltas.map((delta) => ({ M: deltaAttributes(delta) })) },
        },
      },
    },
  };
}

export const DELTA_COUNTS = [
  'queries',
  'failedQueries',
  'dpuMillis',
  'dataScannedBytes',
  'costNanoUsd',
] as const satisfies readonly (keyof UsageDelta)[];
export const DELTA_STATISTICS = [
  'engineExecutionMs',
  'queueMs',
] as const satisfies readonly (keyof UsageDelta)[];

function deltaAttributes(delta: UsageDelta): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = { workgroup: { S: delta.workgroup } };
  for (const name of DELTA_COUNTS) attributes[name] = number(delta[name]);
  for (const name of DELTA_STATISTICS) {
    const set = delta[name];
    attributes[name] = { L: [set.sampleCount, set.sum, set.minimum, set.maximum].map(number) };
  }
  return attributes;
}
