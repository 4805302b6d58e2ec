import type { Period } from '../usage/period-keys.js';

const DAY_SECONDS = 86_400;

/** The `expiresAt` of an item kept `days` from `now`: the table's TTL, in epoch seconds. */
export const expiresAtAfterDays = (now: Date, days: number): number =>
  Math.floor(now.getTime() / 1000) + days * DAY_SECONDS;

/**
 * Key layout of the single table. Every item has `pk`/`sk`; two sparse indexes serve reports:
 * `byWorkgroupDayCost` (query records by workgroup and day, ordered by cost) and `byPeriod`
 * (usage counters of one period across workgroups).
 */
export const TableKeys = {
  /**
   * A query's record; before it, possibly its caller waiting for it (type WAITING_CALLER_TYPE),
   * so that recording the query and learning its caller meet on one item.
   */
  query: (queryExecutionId: string) => ({ pk: `QUERY#${queryExecutionId}`, sk: 'QUERY' }),
  usage: (workgroup: string, period: Period, key: string) => ({
    pk: `USAGE#${workgroup}`,
    sk: periodKeyAttribute(period, key),
  }),
  /**
   * A capacity reservation's counter. `#` cannot occur in a workgroup name, so these never meet
   * a workgroup's; they carry no `workgroup` attribute and so stay out of `byPeriod`.
   */
  reservationUsage: (reservation: string, period: Period, key: string) => ({
    pk: `USAGE#reservation#${reservation}`,
    sk: periodKeyAttribute(period, key),
  }),
  /** The capacity function's accounting state of every reservation, in one partition. */
  capacity: (reservation: string) => ({ pk: 'CAPACITY', sk: reservation }),
  budget: (workgroup: string) => ({ pk: 'BUDGET', sk: workgroup }),
  /** Reservation budgets in a partition of their own: workgroup budget readers never see them. */
  reservationBudget: (reservation: string) => ({ pk: 'BUDGET#reservation', sk: reservation }),
  /**
   * Notify-only budgets on an attribution value (a principal, a dbt model, a tag value), by
   * `<key>=<value>`, in a partition of their own.
   */
  attributionBudget: (attribution: string) => ({ pk: 'BUDGET#attribution', sk: attribution }),
  /**
   * A reservation budget's period: the TargetDpus before its scale-down and the one it set, in
   * a partition of their own, so workgroup restore never meets them and reservation restore
   * lists them with one Query.
   */
  reservationEnforcement: (reservation: string, period: Period, key: string) => ({
    pk: 'ENFORCEMENT#reservation',
    sk: `${reservation}#${periodKeyAttribute(period, key)}`,
  }),
  /** All enforcement states sit in one partition: restore lists them with one Query. */
  enforcement: (workgroup: string, period: Period, key: string) => ({
    pk: 'ENFORCEMENT',
    sk: `${workgroup}#${periodKeyAttribute(period, key)}`,
  }),
  actionClaim: (workgroup: string, period: Period, key: string, thresholdId: string) => ({
    pk: `CLAIM#${workgroup}#${periodKeyAttribute(period, key)}`,
    sk: thresholdId,
  }),
  /** Held by the one invocation carrying out a workgroup's actions of a period, next to them. */
  executionClaim: (workgroup: string, period: Period, key: string) => ({
    pk: `CLAIM#${workgroup}#${periodKeyAttribute(period, key)}`,
    sk: '#EXECUTION',
  }),
  /** One item per query that sidestepped a throttle: written once, counted by one Query. */
  bypass: (workgroup: string, period: Period, key: string, queryExecutionId: string) => ({
    pk: `BYPASS#${workgroup}#${periodKeyAttribute(period, key)}`,
    sk: queryExecutionId,
  }),
  /** One item per Spark session a budget's disable-now terminated: each is sent TerminateSession once. */
  sessionTermination: (workgroup: string, period: Period, key: string, sessionId: string) => ({
    pk: `TERMINATION#${workgroup}#${periodKeyAttribute(period, key)}`,
    sk: sessionId,
  }),
  /**
   * A workgroup's usage of one attribution value (`dbt.model`, `tag:<key>`) in one period: one
   * partition per key and period key, so a report by key reads one Query per period key.
   */
  attribution: (
    key: string,
    period: Period,
    periodKey: string,
    workgroup: string,
    value: string,
  ) => ({
    pk: `ATTR#${key}#${periodKeyAttribute(period, periodKey)}`,
    sk: `${workgroup}#${value}`,
  }),
  /** The distinct values of an attribution key a workgroup counted in a day (the cap's truth). */
  attributionValues: (workgroup: string, key: string, day: string) => ({
    pk: `ATTRVALUES#${workgroup}#${key}`,
    sk: periodKeyAttribute('day', day),
  }),
  /**
   * A metrics outbox entry (metrics committed, not yet published), in one of a few partitions,
   * ordered by commit time: the sweep reads each partition up to its grace with one Query.
   */
  outboxEntry: (id: string, committedAt: Date) => ({
    pk: outboxPartition(Number.parseInt(id.slice(0, 4), 16) % OUTBOX_PARTITIONS),
    sk: `${committedAt.toISOString()}#${id}`,
  }),
  /** A Spark session's record: its last seen DPU time, state, engine settings. */
  session: (sessionId: string) => ({ pk: `SESSION#${sessionId}`, sk: 'SESSION' }),
  /**
   * The sessions the Spark sweep must read again by id until they end (ListSessions lists only
   * active ones, so a session that ends between sweeps would otherwise never be read again).
   */
  activeSession: (sessionId: string) => ({ pk: 'SESSIONS#ACTIVE', sk: sessionId }),
  /** The sessions whose record changed on a UTC day: what `athena-cost sessions` lists. */
  sessionOfDay: (day: string, sessionId: string) => ({ pk: `SESSIONS#${day}`, sk: sessionId }),
  /** Reconciliation progress of every workgroup sits in one partition: one Query reads them all. */
  reconcile: (workgroup: string) => ({ pk: 'RECONCILE', sk: workgroup }),
} as const;

/** The `type` of a query record. */
export const QUERY_RECORD_TYPE = 'query';
/**
 * The `type` of a query's item while only its CloudTrail caller is known: the query's record
 * replaces it; it expires (TTL) when the query is never recorded.
 */
export const WAITING_CALLER_TYPE = 'waiting-caller';

/**
 * Every recording transaction writes an outbox entry: spread over a few partitions, since one
 * partition takes about 1,000 write units a second and commit-ordered sort keys keep all new
 * entries of a partition at its end, where DynamoDB cannot split it.
 */
export const OUTBOX_PARTITIONS = 8;
export const outboxPartition = (index: number): string => `OUTBOX#${index}`;

/**
 * The name a reservation's budget period goes by among the execution claims and action records
 * (`CLAIM#reservation#<name>#<period>#<key>`): `#` cannot occur in a workgroup name, so they
 * never meet a workgroup's, and the same claim machinery serves both.
 */
export const reservationClaimSubject = (reservation: string): string =>
  `reservation#${reservation}`;

export const INDEX_BY_WORKGROUP_DAY_COST = 'byWorkgroupDayCost';
export const INDEX_BY_PERIOD = 'byPeriod';

/** The `periodKey` attribute of a usage counter, e.g. `day#2026-11-25`. */
export const periodKeyAttribute = (period: Period, key: string): string => `${period}#${key}`;

/** The `workgroupDay` attribute of a query record, e.g. `analytics#2026-11-25`. */
export const workgroupDayAttribute = (workgroup: string, day: string): string =>
  `${workgroup}#${day}`;

/**
 * How a batch adds to a usage counter: ADD of the integer totals (so concurrent writers sum),
 * SET of the attributes the indexes and readers use. Its values: `:queries`, `:failed`,
 * `:dpuMillis`, `:bytes`, `:cost`, `:engineMs`, `:type`, `:workgroup`, `:period`, `:periodKey`,
 * `:now`.
 */
export const USAGE_COUNTER_UPDATE = {
  UpdateExpression:
    'ADD queries :queries, failedQueries :failed, dpuMillis :dpuMillis, dataScannedBytes :bytes, ' +
    'costNanoUsd :cost, engineExecutionMs :engineMs ' +
    'SET #type = :type, workgroup = :workgroup, period = :period, periodKey = :periodKey, updatedAt = :now',
  ExpressionAttributeNames: { '#type': 'type' },
} as const;

/**
 * How a batch adds to an attribution counter. No `periodKey`: these items stay out of the
 * `byPeriod` index that workgroup reports read. Its values: `:queries`, `:failed`, `:dpuMillis`,
 * `:bytes`, `:cost`, `:engineMs`, `:type`, `:workgroup`, `:key`, `:value`, `:period`, `:now`.
 */
export const ATTRIBUTION_COUNTER_UPDATE = {
  UpdateExpression:
    'ADD queries :queries, failedQueries :failed, dpuMillis :dpuMillis, dataScannedBytes :bytes, ' +
    'costNanoUsd :cost, engineExecutionMs :engineMs ' +
    'SET #type = :type, workgroup = :workgroup, attributionKey = :key, attributionValue = :value, ' +
    'period = :period, updatedAt = :now',
  ExpressionAttributeNames: { '#type': 'type' },
} as const;

/**
 * How a transaction adds values to a day's registry, only while the cap holds. Its values:
 * `:values` (a string set), `:maxBefore`, `:expiresAt`.
 */
export const ATTRIBUTION_VALUES_UPDATE = {
  UpdateExpression: 'ADD #values :values SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
  ConditionExpression: 'attribute_not_exists(#values) OR size(#values) <= :maxBefore',
  ExpressionAttributeNames: { '#values': 'values' },
} as const;

/**
 * How a Spark sweep adds a session's growth to a usage counter: the same update as a batch of
 * queries (zero queries, bytes and engine time), so reports, budgets and status read Spark
 * DPU-hours and cost where they read SQL ones, plus the Spark-only `sparkDpuMillis` and
 * `sparkSessions`. Its values: those of {@link USAGE_COUNTER_UPDATE} and `:sparkDpuMillis`,
 * `:sparkSessions`.
 */
export const SPARK_USAGE_COUNTER_UPDATE = {
  UpdateExpression: USAGE_COUNTER_UPDATE.UpdateExpression.replace(
    ' SET ',
    ', sparkDpuMillis :sparkDpuMillis, sparkSessions :sparkSessions SET ',
  ),
  ExpressionAttributeNames: USAGE_COUNTER_UPDATE.ExpressionAttributeNames,
} as const;

/** Prefix of the attributes of a reservation counter holding one workgroup's attributed DPU-ms. */
export const ATTRIBUTED_WORKGROUP_PREFIX = 'attributed#';

/**
 * Prefixes of a reservation's day counter attributes holding its minute profile (top-level
 * attributes, because an update's ADD works on top-level attributes only): allocated and used
 * DPU-ms per UTC hour (`allocatedHour#07`), and minutes of use per DPU step
 * (`usedMinutesAtDpus#8`). `sampledAllocatedDpuMillis` is the allocated DPU-ms of those minutes.
 */
export const RESERVATION_PROFILE_PREFIXES = {
  allocatedDpuMillisByHour: 'allocatedHour#',
  usedDpuMillisByHour: 'usedHour#',
  usedMinutesByDpus: 'usedMinutesAtDpus#',
} as const;
