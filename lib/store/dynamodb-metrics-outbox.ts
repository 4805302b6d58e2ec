import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OutboxCount, OutboxEntry, OutboxMarker } from '../metrics/metrics-outbox.js';
import type { PrincipalDelta } from '../metrics/principal-metrics.js';
import type { UsageDelta } from '../metrics/usage-metrics.js';
import { batchDeleteAll, number } from './dynamodb-toolkit.js';
import { expiresAtAfterDays, TableKeys } from './table-keys.js';

/**
 * The metrics outbox: each recording transaction puts one entry item (`OUTBOX#<n>`, sort key
 * commit time and id) holding its usage deltas, in the same TransactWriteItems as the counters;
 * a counted throttle bypass puts one with its marker. Publishing deletes the entries: the entries
 * of a whole batch with one BatchWriteItem.
 *
 * Why entries are items of their own, deleted in one call per batch, and not marked in the next
 * transaction: the mark must be written after the PutMetricData and before the invocation ends.
 * A mark deferred to a later transaction of the same environment would never be written for the
 * last batch before the environment idles or is reclaimed, and the sweep could not tell such an
 * entry (published) from one whose invocation died before its PutMetricData (not published): it
 * would publish every idle environment's last batch twice, or lose the crashed ones. So one
 * delete per batch is the least a crash-proof, at-most-once-outside-a-crash outbox costs; as
 * items of their own, the entries of a batch's transactions are deleted together (a counter can
 * only be updated one item per call), the delete never meets a counter another invocation is
 * writing in a transaction (such an UpdateItem fails with TransactionConflict, which the SDK
 * does not retry, and the entry would be published twice), and counters do not grow by the
 * entries they carry (every write of an item is billed by its size).
 */
export class DynamoDbOutboxMarker implements OutboxMarker {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  markPublished(entries: readonly OutboxEntry[]): Promise<void> {
    return batchDeleteAll(
      this.documents,
      this.tableName,
      entries.map((entry) => ({ pk: entry.key.pk, sk: entry.key.sk })),
      { what: 'published outbox entries' },
    );
  }
}

/** CloudWatch takes datapoints up to two weeks old: an entry older is of no use. */
const OUTBOX_ENTRY_TTL_DAYS = 15;

/** An outbox entry and its item, marshalled for the transaction (or write) that commits it. */
export interface OutboxWrite {
  readonly entry: OutboxEntry;
  readonly item: Record<string, AttributeValue>;
}

/** A new outbox entry for metrics committed at `committedAt`. */
export function outboxWrite(
  committedAt: Date,
  deltas: readonly UsageDelta[],
  counts: readonly OutboxCount[] = [],
  principals: readonly PrincipalDelta[] = [],
): OutboxWrite {
  const id = randomUUID().replaceAll('-', '');
  const key = TableKeys.outboxEntry(id, committedAt);
  const item: Record<string, AttributeValue> = {
    pk: { S: key.pk },
    sk: { S: key.sk },
    type: { S: 'outbox' },
    committedAt: number(committedAt.getTime()),
    deltas: { L: deltas.map((delta) => ({ M: deltaAttributes(delta) })) },
    expiresAt: number(expiresAtAfterDays(committedAt, OUTBOX_ENTRY_TTL_DAYS)),
  };
  if (counts.length > 0) {
    item.counts = {
      L: counts.map((count) => ({
        M: {
          name: { S: count.name },
          workgroup: { S: count.workgroup },
          value: number(count.value),
        },
      })),
    };
  }
  if (principals.length > 0) {
    item.principals = {
      L: principals.map((delta) => ({
        M: {
          principal: { S: delta.principal },
          dpuMillis: number(delta.dpuMillis),
          costNanoUsd: number(delta.costNanoUsd),
        },
      })),
    };
  }
  return {
    entry: {
      id,
      committedAt,
      deltas,
      counts,
      ...(principals.length > 0 ? { principals } : {}),
      key,
    },
    item,
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
