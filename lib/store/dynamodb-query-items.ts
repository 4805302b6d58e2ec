import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { periodKeysFor } from '../usage/period-keys.js';
import type { QueryCaller } from '../usage/query-principal.js';
import { isTerminalState, type QueryUsage } from '../usage/query-usage.js';
import { string } from './dynamodb-counter-writes.js';
import { number } from './dynamodb-toolkit.js';
import {
  QUERY_RECORD_TYPE,
  TableKeys,
  WAITING_CALLER_TYPE,
  workgroupDayAttribute,
} from './table-keys.js';

/**
 * The two shapes of a query's item (TableKeys.query): its record, and before it possibly its
 * caller waiting for it. Written and read here only, so recording and joining agree on them.
 */

/**
 * How each usage field is stored on the query record. Typed against QueryUsage, so a field added
 * there cannot be forgotten here (`periods` is stored as `day` and `workgroupDay`).
 */
const RECORD_FIELDS = {
  queryExecutionId: 'S',
  workgroup: 'S',
  state: 'S',
  statementType: 'S',
  submittedAt: 'S',
  completedAt: 'S',
  dpuCount: 'N',
  engineExecutionMs: 'N',
  queueMs: 'N',
  planningMs: 'N',
  totalExecutionMs: 'N',
  dataScannedBytes: 'N',
  dpuMillis: 'N',
  dpuHours: 'N',
  costNanoUsd: 'N',
  costUsd: 'N',
  errorType: 'S',
} as const satisfies Record<Exclude<keyof QueryUsage, 'periods' | 'attribution'>, 'S' | 'N'>;
const RECORD_FIELD_ENTRIES = Object.entries(RECORD_FIELDS) as [
  keyof typeof RECORD_FIELDS,
  'S' | 'N',
][];

/** The query record: keys, every usage field (null as NULL, undefined left out), day and TTL. */
export function queryRecordItem(
  usage: QueryUsage,
  recordedAt: AttributeValue,
  expiresAt: AttributeValue,
): Record<string, AttributeValue> {
  const keys = TableKeys.query(usage.queryExecutionId);
  const item: Record<string, AttributeValue> = {
    pk: string(keys.pk),
    sk: string(keys.sk),
    type: string(QUERY_RECORD_TYPE),
  };
  for (const [field, type] of RECORD_FIELD_ENTRIES) {
    const value = usage[field];
    if (value === undefined) continue;
    if (value === null) item[field] = { NULL: true };
    else item[field] = type === 'S' ? string(String(value)) : number(Number(value));
  }
  // What the query is attributed to, never its SQL text.
  const { tags, ...named } = usage.attribution;
  for (const [field, value] of Object.entries(named))
    if (value !== undefined) item[field] = string(value);
  if (Object.keys(tags).length > 0)
    item.tags = {
      M: Object.fromEntries(Object.entries(tags).map(([key, value]) => [key, string(value)])),
    };
  item.day = string(usage.periods.day);
  item.workgroupDay = string(workgroupDayAttribute(usage.workgroup, usage.periods.day));
  item.recordedAt = recordedAt;
  item.expiresAt = expiresAt;
  return item;
}

/**
 * The usage a query record counted, read back by the document client (the inverse of
 * queryRecordItem, attribution aside): what moving its usage to another principal takes away
 * and adds. Undefined when the item lacks what the counters need.
 */
export function recordedUsageOf(item: Readonly<Record<string, unknown>>): QueryUsage | undefined {
  const text = (field: string) => {
    const value = item[field];
    return typeof value === 'string' ? value : undefined;
  };
  const count = (field: string) => {
    const value = item[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const [queryExecutionId, workgroup, state, completedAt] = [
    text('queryExecutionId'),
    text('workgroup'),
    text('state'),
    text('completedAt'),
  ];
  const [dpuMillis, dataScannedBytes, costNanoUsd, engineExecutionMs] = [
    count('dpuMillis'),
    count('dataScannedBytes'),
    count('costNanoUsd'),
    count('engineExecutionMs'),
  ];
  const completed = new Date(completedAt ?? Number.NaN);
  if (
    queryExecutionId === undefined ||
    workgroup === undefined ||
    !isTerminalState(state) ||
    Number.isNaN(completed.getTime()) ||
    dpuMillis === undefined ||
    dataScannedBytes === undefined ||
    costNanoUsd === undefined ||
    engineExecutionMs === undefined
  )
    return undefined;
  return {
    queryExecutionId,
    workgroup,
    state,
    statementType: text('statementType') ?? 'UNKNOWN',
    submittedAt: text('submittedAt') ?? completed.toISOString(),
    completedAt: completed.toISOString(),
    periods: periodKeysFor(completed),
    dpuCount: count('dpuCount') ?? null,
    engineExecutionMs,
    queueMs: count('queueMs') ?? 0,
    planningMs: count('planningMs') ?? 0,
    totalExecutionMs: count('totalExecutionMs') ?? 0,
    dataScannedBytes,
    dpuMillis,
    dpuHours: count('dpuHours') ?? dpuMillis / 3_600_000,
    costNanoUsd,
    costUsd: count('costUsd') ?? costNanoUsd / 1_000_000_000,
    errorType: text('errorType'),
    attribution: { tags: {}, principal: text('principal') },
  };
}

/** The caller waiting on a query's item, when the item is that and not the query's record. */
export function waitingCallerOf(
  item: Record<string, AttributeValue> | undefined,
): QueryCaller | undefined {
  if (item?.type?.S !== WAITING_CALLER_TYPE) return undefined;
  const principal = item.caller?.S;
  if (principal === undefined) return undefined;
  return { principal, detail: item.callerDetail?.S };
}

/**
 * Leaves a query's caller on its item until the query is recorded: only while no record is
 * there, returning the item when one is (which tells the caller store what to do instead).
 * Its values: `:waitingCaller`, `:caller`, `:callerDetail` (may be left out), `:expiresAt`.
 */
export function waitingCallerUpdate(
  queryExecutionId: string,
  caller: QueryCaller,
  expiresAt: number,
) {
  const key = TableKeys.query(queryExecutionId);
  return {
    Key: { pk: string(key.pk), sk: string(key.sk) },
    UpdateExpression: `SET #type = :waitingCaller, caller = :caller${caller.detail === undefined ? '' : ', callerDetail = :callerDetail'}, expiresAt = if_not_exists(expiresAt, :expiresAt)`,
    ConditionExpression: 'attribute_not_exists(pk) OR #type = :waitingCaller',
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: {
      ':waitingCaller': string(WAITING_CALLER_TYPE),
      ':caller': string(caller.principal),
      ...(caller.detail === undefined ? {} : { ':callerDetail': string(caller.detail) }),
      ':expiresAt': number(expiresAt),
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}
