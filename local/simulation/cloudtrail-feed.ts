import type { QueryExecution } from '@aws-sdk/client-athena';
import type { Pricing } from '../../lib/config.js';
import { UNKNOWN_PRINCIPAL } from '../../lib/usage/query-principal.js';
import { deriveQueryUsage } from '../../lib/usage/query-usage.js';
import {
  addTotals,
  totalsOf,
  type UsageTotals,
  ZERO_TOTALS,
} from '../../lib/usage/usage-totals.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../environment/local-account.js';
import type { FeedMessage } from './event-feed.js';
import type { SimulatedQuery } from './query-plan.js';
import { hashSeed, seededRandom, seededUuid } from './seeded-random.js';

/**
 * Who started the simulated account's queries, as CloudTrail tells it: one `StartQueryExecution`
 * record per started query, put in the ingest queue by the `attributePrincipals` rule with
 * CloudTrail's delay (a minute to a quarter of an hour after the call, so often after a short
 * query was recorded and sometimes before a long one finished), duplicates, and records that
 * never come. The simulation decides the caller and whether its record arrives, so what it
 * decided is the ground truth of `report --by principal`, `unknown` included.
 */

/** A caller of the simulated account: the principal it is counted as, and its CloudTrail identity. */
interface SimulatedCaller {
  readonly principal: string;
  readonly weight: number;
  readonly identity: (session: string) => Record<string, unknown>;
}

const assumedRole = (role: string) => (session: string) => ({
  type: 'AssumedRole',
  principalId: `AROA${hashSeed(role).toString(16).toUpperCase()}:${session}`,
  arn: `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${role}/${session}`,
  accountId: LOCAL_ACCOUNT_ID,
  accessKeyId: 'ASIALOCALEXAMPLE',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: `AROA${hashSeed(role).toString(16).toUpperCase()}`,
      arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${role}`,
      accountId: LOCAL_ACCOUNT_ID,
      userName: role,
    },
    webIdFederationData: {},
    attributes: { mfaAuthenticated: 'false' },
  },
});

const CALLERS: readonly SimulatedCaller[] = [
  { principal: 'role/dbt-runner', weight: 40, identity: assumedRole('dbt-runner') },
  { principal: 'role/etl-lambda', weight: 20, identity: assumedRole('etl-lambda') },
  { principal: 'role/looker', weight: 15, identity: assumedRole('looker') },
  {
    principal: 'identity-center/ana@example.com',
    weight: 10,
    identity: () => assumedRole('AWSReservedSSO_DataAnalyst_5f2c1a9e0b7d4c3e')('ana@example.com'),
  },
  {
    principal: 'identity-center/bo@example.com',
    weight: 8,
    identity: () => assumedRole('AWSReservedSSO_DataAnalyst_5f2c1a9e0b7d4c3e')('bo@example.com'),
  },
  {
    principal: 'user/reporting-bot',
    weight: 7,
    identity: () => ({
      type: 'IAMUser',
      principalId: 'AIDALOCALEXAMPLE',
      arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/reporting-bot`,
      accountId: LOCAL_ACCOUNT_ID,
      accessKeyId: 'AKIALOCALEXAMPLE',
      userName: 'reporting-bot',
    }),
  },
];
const TOTAL_WEIGHT = CALLERS.reduce((sum, caller) => sum + caller.weight, 0);

/** CloudTrail's delivery of StartQueryExecution records to the queue. */
export interface CloudTrailNoise {
  /** Records that never arrive (no trail for a while, best-effort delivery). */
  readonly missingRate: number;
  readonly duplicateRate: number;
  /** From the call to the message in the queue: "within about 15 minutes". */
  readonly latencyMs: readonly [number, number];
}

export const DEFAULT_CLOUDTRAIL_NOISE: CloudTrailNoise = {
  missingRate: 0.05,
  duplicateRate: 0.03,
  latencyMs: [60_000, 15 * 60_000],
};

export interface CloudTrailStats {
  records: number;
  missing: number;
  duplicates: number;
}

/** Deterministic: every decision hangs on the seed and the query id, not on the day's stream. */
export class CloudTrailFeed {
  readonly stats: CloudTrailStats = { records: 0, missing: 0, duplicates: 0 };
  /** The principal of every started query whose record arrives: the ground truth. */
  readonly arrived = new Map<string, string>();

  constructor(
    private readonly seed: number,
    private readonly noise: CloudTrailNoise = DEFAULT_CLOUDTRAIL_NOISE,
  ) {}

  /** The messages of a query Athena just started (none when its record never arrives). */
  messagesFor(query: Pick<SimulatedQuery, 'id' | 'workgroup' | 'submittedAt'>): FeedMessage[] {
    const random = seededRandom(hashSeed(`cloudtrail:${this.seed}:${query.id}`));
    const between = ([low, high]: readonly [number, number]) =>
      low + Math.floor(random() * (high - low));
    const caller = pickWeighted(CALLERS, random() * TOTAL_WEIGHT);
    if (caller === undefined) return [];
    if (random() < this.noise.missingRate) {
      this.stats.missing++;
      return [];
    }
    const calledAt = query.submittedAt;
    const session = `${caller.principal.split('/')[1] ?? 'session'}-${calledAt.getUTCHours()}`;
    const eventId = seededUuid(random);
    const body = JSON.stringify(
      startQueryExecutionRecord(query, caller.identity(session), calledAt, eventId),
    );
    const sentAtMs = calledAt.getTime() + between(this.noise.latencyMs);
    const message = (kind: 'cloudtrail', atMs: number): FeedMessage => ({
      messageId: seededUuid(random),
      body,
      queryExecutionId: query.id,
      workgroup: query.workgroup,
      state: 'StartQueryExecution',
      kind,
      sentAtMs: atMs,
      delayed: false,
    });
    const messages = [message('cloudtrail', sentAtMs)];
    if (random() < this.noise.duplicateRate) {
      messages.push(message('cloudtrail', sentAtMs + between([0, 10 * 60_000])));
      this.stats.duplicates++;
    }
    this.arrived.set(query.id, caller.principal);
    this.stats.records += messages.length;
    return messages;
  }
}

/**
 * What `report --by principal` must show for the day: the finished executions' usage by who the
 * simulation made call them, `unknown` where the call's record never arrived.
 */
export function principalTruthOf(
  finished: Iterable<QueryExecution>,
  cloudTrail: CloudTrailFeed,
  pricing: Pricing,
): Map<string, UsageTotals> {
  const truth = new Map<string, UsageTotals>();
  for (const execution of finished) {
    const derived = deriveQueryUsage(execution, pricing);
    if (!derived.ok) throw new Error(`ground truth: ${derived.reason}`);
    const principal = cloudTrail.arrived.get(derived.usage.queryExecutionId) ?? UNKNOWN_PRINCIPAL;
    truth.set(principal, addTotals(truth.get(principal) ?? ZERO_TOTALS, totalsOf([derived.usage])));
  }
  return truth;
}

/** CloudTrail's record of the call, as EventBridge delivers it (events/cloudtrail's shape). */
function startQueryExecutionRecord(
  query: Pick<SimulatedQuery, 'id' | 'workgroup'>,
  userIdentity: Record<string, unknown>,
  calledAt: Date,
  eventId: string,
): Record<string, unknown> {
  const time = calledAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: eventId,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.athena',
    account: LOCAL_ACCOUNT_ID,
    time,
    region: LOCAL_REGION,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity,
      eventTime: time,
      eventSource: 'athena.amazonaws.com',
      eventName: 'StartQueryExecution',
      awsRegion: LOCAL_REGION,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-sdk-js/3.0.0',
      requestParameters: { queryString: '…', workGroup: query.workgroup },
      responseElements: { queryExecutionId: query.id },
      requestID: eventId,
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: LOCAL_ACCOUNT_ID,
      eventCategory: 'Management',
    },
  };
}

/** The entry whose share of the summed weights holds `point` (the first one past the end). */
function pickWeighted<T extends { readonly weight: number }>(
  entries: readonly T[],
  point: number,
): T | undefined {
  let remaining = point;
  for (const entry of entries) {
    remaining -= entry.weight;
    if (remaining < 0) return entry;
  }
  return entries[0];
}
