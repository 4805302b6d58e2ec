import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  isSessionEnded,
  type RecordedSessionState,
  SESSION_STATES,
  type SessionEngine,
  type SessionRecord,
} from '../spark/session-accounting.js';
import { periodKeysFor } from '../usage/period-keys.js';
import {
  batchGetAll,
  type Item,
  queryPartition,
  transactionUnlessFirstConditionFails,
} from './dynamodb-toolkit.js';
import type {
  ActiveSessionRef,
  SessionCommit,
  SessionListing,
  SessionStore,
} from './session-store.js';
import {
  expiresAtAfterDays,
  periodKeyAttribute,
  SPARK_USAGE_COUNTER_UPDATE,
  TableKeys,
} from './table-keys.js';

/** A day's list of sessions is kept this long (the month's report is long done by then). */
const SESSIONS_OF_DAY_TTL_DAYS = 40;
const RECORDED_STATES: ReadonlySet<string> = new Set([...SESSION_STATES, 'GONE']);

/**
 * Session records as `pk=SESSION#<id>, sk=SESSION`; the registry of sessions to read again as
 * `pk=SESSIONS#ACTIVE, sk=<id>`; the sessions of a day as `pk=SESSIONS#<day>, sk=<id>`. A
 * commit is one TransactWriteItems: the record's Put, conditioned on the DPU time and state the
 * sweep read (the last seen value), the ADDs to the workgroup's counters, and the registry's Put
 * or Delete. A retried or concurrent sweep that read the same figure fails the condition and
 * adds nothing.
 */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async loadActive(): Promise<ActiveSessionRef[]> {
    const items = await queryPartition(
      this.documents,
      this.tableName,
      TableKeys.activeSession('').pk,
    );
    return items.map((item) => ({ sessionId: String(item.sk), workgroup: String(item.workgroup) }));
  }

  async load(sessionIds: readonly string[]): Promise<ReadonlyMap<string, SessionRecord>> {
    const items = await batchGetAll(
      this.documents,
      this.tableName,
      [...new Set(sessionIds)].map((id) => TableKeys.session(id)),
      { what: 'session records', consistentRead: true },
    );
    const records = new Map<string, SessionRecord>();
    for (const item of items) {
      const record = sessionRecordOf(item);
      if (record !== undefined) records.set(record.sessionId, record);
    }
    return records;
  }

  async commit(change: SessionCommit, now: Date): Promise<boolean> {
    const { previous, next } = change;
    const updatedAt = now.toISOString();
    const recordPut = {
      Put: {
        TableName: this.tableName,
        Item: { ...TableKeys.session(next.sessionId), type: 'session', ...next, updatedAt },
        ...(previous === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'dpuMillis = :previousDpuMillis AND #state = :previousState',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: {
                ':previousDpuMillis': previous.dpuMillis,
                ':previousState': previous.state,
              },
            }),
      },
    };
    const counters = change.increments.map((increment) => ({
      Update: {
        TableName: this.tableName,
        Key: TableKeys.usage(increment.workgroup, increment.period, increment.key),
        ...SPARK_USAGE_COUNTER_UPDATE,
        ExpressionAttributeValues: {
          ':queries': 0,
          ':failed': 0,
          ':dpuMillis': increment.dpuMillis,
          ':bytes': 0,
          ':cost': increment.costNanoUsd,
          ':engineMs': 0,
          ':sparkDpuMillis': increment.dpuMillis,
          ':sparkSessions': increment.sessions,
          ':type': 'usage',
          ':workgroup': increment.workgroup,
          ':period': increment.period,
          ':periodKey': periodKeyAttribute(increment.period, increment.key),
          ':now': updatedAt,
        },
      },
    }));
    const registry = isSessionEnded(next.state)
      ? { Delete: { TableName: this.tableName, Key: TableKeys.activeSession(next.sessionId) } }
      : {
          Put: {
            TableName: this.tableName,
            Item: {
              ...TableKeys.activeSession(next.sessionId),
              type: 'activeSession',
              workgroup: next.workgroup,
            },
          },
        };
    const ofDay = {
      Put: {
        TableName: this.tableName,
        Item: {
          ...TableKeys.sessionOfDay(periodKeysFor(now).day, next.sessionId),
          type: 'sessionOfDay',
          workgroup: next.workgroup,
          expiresAt: expiresAtAfterDays(now, SESSIONS_OF_DAY_TTL_DAYS),
        },
      },
    };
    return transactionUnlessFirstConditionFails(
      this.documents.send(
        new TransactWriteCommand({ TransactItems: [recordPut, ...counters, registry, ofDay] }),
      ),
    );
  }

  async list(listing: SessionListing): Promise<SessionRecord[]> {
    const [active, ofDay] = await Promise.all([
      this.loadActive(),
      listing.activeOnly
        ? Promise.resolve([])
        : queryPartition(
            this.documents,
            this.tableName,
            TableKeys.sessionOfDay(listing.day, '').pk,
          ),
    ]);
    const ids = [
      ...active.map((ref) => ({ id: ref.sessionId, workgroup: ref.workgroup })),
      ...ofDay.map((item) => ({ id: String(item.sk), workgroup: String(item.workgroup) })),
    ]
      .filter((ref) => listing.workgroup === undefined || ref.workgroup === listing.workgroup)
      .map((ref) => ref.id);
    if (ids.length === 0) return [];
    const records = [...(await this.load(ids)).values()].filter(
      (record) =>
        (listing.workgroup === undefined || record.workgroup === listing.workgroup) &&
        (!listing.activeOnly || !isSessionEnded(record.state)),
    );
    return records.sort(
      (a, b) =>
        (b.startedAt ?? '').localeCompare(a.startedAt ?? '') ||
        a.sessionId.localeCompare(b.sessionId),
    );
  }
}

/** A stored session record, or undefined for an item that is not one. */
export function sessionRecordOf(item: Item): SessionRecord | undefined {
  const { sessionId, workgroup, state, dpuMillis, observedAt, costNanoUsd } = item;
  if (
    typeof sessionId !== 'string' ||
    typeof workgroup !== 'string' ||
    typeof state !== 'string' ||
    !RECORDED_STATES.has(state) ||
    typeof dpuMillis !== 'number' ||
    typeof observedAt !== 'string'
  )
    return undefined;
  const text = (name: string): Partial<Record<string, string>> =>
    typeof item[name] === 'string' ? { [name]: item[name] } : {};
  const engine = (typeof item.engine === 'object' && item.engine !== null ? item.engine : {}) as {
    readonly [key: string]: unknown;
  };
  const dpus = (name: keyof SessionEngine) =>
    typeof engine[name] === 'number' ? { [name]: engine[name] } : {};
  return {
    sessionId,
    workgroup,
    state: state as RecordedSessionState,
    dpuMillis,
    observedAt,
    costNanoUsd: typeof costNanoUsd === 'number' ? costNanoUsd : 0,
    ...text('startedAt'),
    ...text('endedAt'),
    ...text('idleSince'),
    ...text('engineVersion'),
    ...text('sessionArn'),
    engine: {
      ...dpus('coordinatorDpuSize'),
      ...dpus('maxConcurrentDpus'),
      ...dpus('defaultExecutorDpuSize'),
    },
  };
}
