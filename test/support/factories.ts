import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { QueryExecution } from '@aws-sdk/client-athena';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Budget } from '../../lib/budgets/budget.js';
import type { ReservationBudget } from '../../lib/budgets/reservation-budget.js';
import type { ActionRecord } from '../../lib/store/enforcement-store.js';

export interface ExecutionOverrides {
  readonly id?: string;
  readonly workgroup?: string;
  readonly state?: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  readonly statementType?: 'DDL' | 'DML' | 'UTILITY';
  readonly dpuCount?: number | undefined;
  readonly engineMs?: number;
  readonly bytes?: number;
  readonly completedAt?: Date;
  /** The SQL text, e.g. with a dbt comment or `-- athena-cost:` tags. */
  readonly query?: string;
}

/** A finished execution shaped as BatchGetQueryExecution returns it. */
export function aQueryExecution(overrides: ExecutionOverrides = {}): QueryExecution {
  const completedAt = overrides.completedAt ?? new Date('2026-11-25T10:00:00.000Z');
  const engineMs = overrides.engineMs ?? 60_000;
  const state = overrides.state ?? 'SUCCEEDED';
  return {
    QueryExecutionId: overrides.id ?? randomUUID(),
    Query: overrides.query ?? 'SELECT count(*) FROM sales',
    StatementType: overrides.statementType ?? 'DML',
    WorkGroup: overrides.workgroup ?? 'analytics',
    Status: {
      State: state,
      SubmissionDateTime: new Date(completedAt.getTime() - engineMs - 1_500),
      ...(state === 'QUEUED' || state === 'RUNNING' ? {} : { CompletionDateTime: completedAt }),
      ...(state === 'FAILED'
        ? {
            AthenaError: {
              ErrorCategory: 2,
              ErrorType: 1002,
              Retryable: false,
              ErrorMessage: 'line 1:8: Column x cannot be resolved',
            },
          }
        : {}),
    },
    Statistics: {
      EngineExecutionTimeInMillis: engineMs,
      DataScannedInBytes: overrides.bytes ?? 123_456_789,
      TotalExecutionTimeInMillis: engineMs + 1_500,
      QueryQueueTimeInMillis: 1_000,
      QueryPlanningTimeInMillis: 300,
      ServiceProcessingTimeInMillis: 200,
      ...('dpuCount' in overrides
        ? overrides.dpuCount === undefined
          ? {}
          : { DpuCount: overrides.dpuCount }
        : { DpuCount: 24 }),
    },
    EngineVersion: {
      SelectedEngineVersion: 'Athena engine version 3',
      EffectiveEngineVersion: 'Athena engine version 3',
    },
  };
}

/** The engine version of a Spark-enabled workgroup, as GetWorkGroup returns it. */
export const aSparkEngineVersion = (version = 'PySpark engine version 3') => ({
  SelectedEngineVersion: version,
  EffectiveEngineVersion: version,
});

/** An EventBridge "Athena Query State Change" event, shaped as the documented sample. */
export function aStateChangeEvent(
  queryExecutionId: string,
  currentState = 'SUCCEEDED',
  workgroupName = 'analytics',
  sequenceNumber = '3',
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Athena Query State Change',
    source: 'aws.athena',
    account: '123456789012',
    time: '2026-11-25T10:00:01Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      versionId: '0',
      currentState,
      previousState: currentState === 'RUNNING' ? 'QUEUED' : 'RUNNING',
      statementType: 'DML',
      queryExecutionId,
      workgroupName,
      sequenceNumber,
    },
  };
}

const SAMPLE_START_QUERY_EXECUTION = readFileSync(
  new URL('../../events/cloudtrail/start-query-execution.json', import.meta.url),
  'utf8',
);

/** A CloudTrail `userIdentity` of a session of an assumed role. */
export const anAssumedRole = (role: string, session = 'session-1', account = '123456789012') => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLE:${session}`,
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
  accountId: account,
  accessKeyId: 'ASIAEXAMPLE',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLE',
      arn: `arn:aws:iam::${account}:role/${role}`,
      accountId: account,
      userName: role,
    },
    webIdFederationData: {},
    attributes: { creationDate: '2026-11-25T09:00:00Z', mfaAuthenticated: 'false' },
  },
});

/** A CloudTrail `userIdentity` of an IAM user. */
export const anIamUser = (name: string) => ({
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLE',
  arn: `arn:aws:iam::123456789012:user/${name}`,
  accountId: '123456789012',
  accessKeyId: 'AKIAEXAMPLE',
  userName: name,
});

/**
 * A CloudTrail StartQueryExecution record as EventBridge delivers it (events/cloudtrail's
 * sample), for a query and a caller.
 */
export function aQueryStartedEvent(
  queryExecutionId: string,
  userIdentity: Record<string, unknown> = anAssumedRole('dbt-runner'),
): Record<string, unknown> {
  const sample = JSON.parse(SAMPLE_START_QUERY_EXECUTION) as {
    detail: Record<string, unknown>;
  } & Record<string, unknown>;
  return {
    ...sample,
    id: randomUUID(),
    detail: { ...sample.detail, userIdentity, responseElements: { queryExecutionId } },
  };
}

/** An SQS record as Lambda's event source mapping delivers it. */
export function anSqsRecord(
  body: string | Record<string, unknown>,
  messageId: string = randomUUID(),
): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764064801000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1764064801000',
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:athena-cost-dev-ingest',
    awsRegion: 'us-east-1',
  };
}

export const anSqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** What the budget factories share: a limit of 10 DPU-hours a day, acted on for real. */
const TEN_DPU_HOURS_A_DAY = {
  period: 'day',
  limitDpuHours: 10,
  dryRun: false,
  protected: false,
} as const;

/** A valid day budget of 10 DPU-hours: notify at 50 %, throttle to 8 DPUs at 80 %, disable at 100 %. */
export const aBudget = (overrides: Partial<Budget> = {}): Budget => ({
  workgroup: 'analytics',
  ...TEN_DPU_HOURS_A_DAY,
  thresholds: [
    { percent: 50, action: 'notify' },
    { percent: 80, action: 'throttle' },
    { percent: 100, action: 'disable' },
  ],
  throttleMaxDpu: 8,
  onBypass: 'notify',
  updatedAt: '2026-11-01T00:00:00.000Z',
  ...overrides,
});

/**
 * A valid reservation budget of 10 allocated DPU-hours a day: notify at 50 %, scale down to
 * 8 DPUs at 100 %.
 */
export const aReservationBudget = (
  overrides: Partial<ReservationBudget> = {},
): ReservationBudget => ({
  reservation: 'etl-capacity',
  ...TEN_DPU_HOURS_A_DAY,
  thresholds: [
    { percent: 50, action: 'notify' },
    { percent: 100, action: 'scale-down' },
  ],
  scaleDownDpus: 8,
  updatedAt: '2026-11-30T09:00:00.000Z',
  ...overrides,
});

/** A recorded threshold action: an 80 % throttle applied at 10:00 on 2026-11-25. */
export const anActionRecord = (overrides: Partial<ActionRecord> = {}): ActionRecord => ({
  thresholdId: '80:throttle',
  action: 'throttle',
  status: 'applied',
  claimedAt: '2026-11-25T10:00:00.000Z',
  completedAt: '2026-11-25T10:00:01.000Z',
  ...overrides,
});
