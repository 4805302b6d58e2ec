import type {
  AthenaError,
  BatchGetQueryExecutionInput,
  BatchGetQueryExecutionOutput,
  EngineConfiguration,
  QueryExecution,
  QueryExecutionState,
  StatementType,
  WorkGroup,
} from '@aws-sdk/client-athena';
import type { Pricing } from '../../lib/config.js';
import {
  deriveQueryUsage,
  type QueryUsage,
  type TerminalState,
} from '../../lib/usage/query-usage.js';
import { totalsOf, type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import {
  ENGINE_PROPERTIES_CLASSIFICATION,
  effectiveMaxDpuCount,
  maxDpuCountOf,
  SimulatedAthenaAccount,
  type WorkGroupInit,
} from '../stand-ins/athena-stand-in.js';
import { hashSeed, seededRandom, seededUuid } from './seeded-random.js';

/**
 * A deterministic, realistic day of an Athena account: a few workgroups on a capacity
 * reservation (queries carry a peak `DpuCount`) and one on-demand workgroup (billed by bytes
 * scanned), with the daily rhythm, size distributions, failures, cancellations and DDL of a real
 * account. The same seed gives the same workgroups, queries and totals whatever the day; the
 * day only moves the timestamps (and the query ids, so that days never collide in one table).
 *
 * All the randomness comes from seeded mulberry32 streams, never from `Math.random`.
 */

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';
const ENGINE_VERSION = 'Athena engine version 3';
const DAY_MS = 86_400_000;
/** Every query completes at least this long before midnight, so it belongs to the day. */
const DAY_END_MARGIN_MS = 1_000;
const TB = 1_000_000_000_000;
const GB = 1_000_000_000;

export type WorkgroupKind = 'capacity' | 'on-demand';

/** How queries of a workgroup look: volume, rhythm over the day, sizes and mishaps. */
interface WorkgroupProfile {
  readonly name: string;
  readonly kind: WorkgroupKind;
  readonly description: string;
  /** Relative share of the day's queries. */
  readonly weight: number;
  /** Relative activity of each UTC hour, 24 entries. */
  readonly hourly: readonly number[];
  /** Median and log-normal sigma of the engine time of data queries, and a cap. */
  readonly engineMedianMs: number;
  readonly engineSigma: number;
  readonly engineCapMs: number;
  /** Median and sigma of bytes scanned by data queries. */
  readonly bytesMedian: number;
  readonly bytesSigma: number;
  /** Weights of the DPU tiers 4-8, 12-24, 28-64 and 68-124 (capacity workgroups). */
  readonly dpuTiers: readonly [number, number, number, number];
  readonly maxDpu?: number;
  /**
   * A client of the workgroup that passes its own `max-dpu-count` with every data query (in
   * StartQueryExecution's EngineConfiguration), on this share of them: unless the workgroup
   * enforces its configuration, its queries are not held by the workgroup's ceiling.
   */
  readonly ownDpuClient?: { readonly share: number; readonly maxDpu: number };
  /** `EnforceWorkGroupConfiguration` of the workgroup (default true). */
  readonly enforcesConfiguration?: boolean;
  readonly bytesScannedCutoff?: number;
  /** Shares of DDL and utility statements (SHOW, DESCRIBE). */
  readonly ddlRate: number;
  readonly utilityRate: number;
  readonly failureRate: number;
  readonly cancelRate: number;
  readonly database: string;
  readonly dml: readonly QueryTemplate[];
  readonly ddl: readonly QueryTemplate[];
}

interface QueryTemplate {
  readonly substatementType: string;
  readonly text: (values: TemplateValues) => string;
}

interface TemplateValues {
  readonly day: string;
  readonly hour: string;
  readonly pick: <T>(items: readonly T[]) => T;
}

const BUSINESS_HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 6, 4, 3, 2, 1, 1];
const NIGHTLY = [6, 10, 10, 10, 9, 7, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3];
const LONG_DAY = [1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 7, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1, 1];

const REGIONS = ['emea', 'amer', 'apac'] as const;
const TABLES = ['orders', 'customers', 'sessions', 'payments', 'shipments'] as const;

const sharedDdl: readonly QueryTemplate[] = [
  {
    substatementType: 'ALTER_TABLE_ADD_PARTITION',
    text: (v) =>
      `ALTER TABLE raw.${v.pick(TABLES)} ADD IF NOT EXISTS PARTITION (dt = '${v.day}', hour = '${v.hour}')`,
  },
  { substatementType: 'MSCK_REPAIR_TABLE', text: (v) => `MSCK REPAIR TABLE raw.${v.pick(TABLES)}` },
  {
    substatementType: 'CREATE_TABLE',
    text: (v) =>
      `CREATE EXTERNAL TABLE IF NOT EXISTS scratch.${v.pick(TABLES)}_${v.hour} (id string, amount double) STORED AS PARQUET LOCATION 's3://example-lake/scratch/${v.hour}/'`,
  },
];

const utility: readonly QueryTemplate[] = [
  { substatementType: 'SHOW_PARTITIONS', text: (v) => `SHOW PARTITIONS raw.${v.pick(TABLES)}` },
  { substatementType: 'DESCRIBE_TABLE', text: (v) => `DESCRIBE sales.${v.pick(TABLES)}` },
];

/** Capacity workgroups in the order they are added; the last profile is on-demand. */
const CAPACITY_PROFILES: readonly WorkgroupProfile[] = [
  {
    name: 'etl-nightly',
    kind: 'capacity',
    description: 'Nightly ELT into the curated zone (capacity reservation)',
    weight: 0.25,
    hourly: NIGHTLY,
    engineMedianMs: 120_000,
    engineSigma: 1.0,
    engineCapMs: 45 * 60_000,
    bytesMedian: 40 * GB,
    bytesSigma: 1.2,
    dpuTiers: [0.15, 0.35, 0.35, 0.15],
    maxDpu: 124,
    // A backfill job that asks for up to 64 DPUs per query whatever the workgroup says, on a
    // workgroup that lets clients choose (dbt writes tables to its own locations).
    ownDpuClient: { share: 0.2, maxDpu: 64 },
    enforcesConfiguration: false,
    ddlRate: 0.08,
    utilityRate: 0.01,
    failureRate: 0.04,
    cancelRate: 0.01,
    database: 'curated',
    dml: [
      {
        substatementType: 'INSERT',
        text: (v) =>
          `INSERT INTO curated.${v.pick(TABLES)}_daily SELECT * FROM raw.${v.pick(TABLES)} WHERE dt = '${v.day}' AND hour = '${v.hour}'`,
      },
      {
        substatementType: 'CREATE_TABLE_AS_SELECT',
        text: (v) =>
          `CREATE TABLE staging.${v.pick(TABLES)}_${v.hour} WITH (format = 'PARQUET') AS SELECT * FROM raw.${v.pick(TABLES)} WHERE dt = '${v.day}'`,
      },
      {
        substatementType: 'MERGE_INTO',
        text: (v) =>
          `MERGE INTO curated.${v.pick(TABLES)} t USING staging.delta s ON t.id = s.id WHEN MATCHED THEN UPDATE SET amount = s.amount WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.amount)`,
      },
    ],
    ddl: sharedDdl,
  },
  {
    name: 'analytics',
    kind: 'capacity',
    description: 'BI dashboards and analysts (capacity reservation)',
    weight: 0.4,
    hourly: BUSINESS_HOURS,
    engineMedianMs: 9_000,
    engineSigma: 1.3,
    engineCapMs: 20 * 60_000,
    bytesMedian: 2 * GB,
    bytesSigma: 1.6,
    dpuTiers: [0.45, 0.35, 0.17, 0.03],
    maxDpu: 64,
    ddlRate: 0.02,
    utilityRate: 0.02,
    failureRate: 0.04,
    cancelRate: 0.015,
    database: 'sales',
    dml: [
      {
        substatementType: 'SELECT',
        text: (v) =>
          `SELECT region, sum(revenue) AS revenue FROM sales.orders WHERE order_date = DATE '${v.day}' AND region = '${v.pick(REGIONS)}' GROUP BY region`,
      },
      {
        substatementType: 'SELECT',
        text: (v) =>
          `SELECT c.segment, count(DISTINCT o.customer_id) FROM sales.orders o JOIN sales.customers c ON o.customer_id = c.id WHERE o.order_date >= DATE '${v.day}' - INTERVAL '30' DAY GROUP BY 1`,
      },
      {
        substatementType: 'SELECT',
        text: (v) =>
          `SELECT date_trunc('hour', ts) AS hour, count(*) FROM sales.${v.pick(TABLES)} WHERE dt = '${v.day}' GROUP BY 1 ORDER BY 1`,
      },
    ],
    ddl: sharedDdl,
  },
  {
    name: 'data-science',
    kind: 'capacity',
    description: 'Feature engineering and exploration (capacity reservation)',
    weight: 0.12,
    hourly: LONG_DAY,
    engineMedianMs: 60_000,
    engineSigma: 1.4,
    engineCapMs: 60 * 60_000,
    bytesMedian: 25 * GB,
    bytesSigma: 1.5,
    dpuTiers: [0.2, 0.35, 0.3, 0.15],
    maxDpu: 124,
    ddlRate: 0.03,
    utilityRate: 0.02,
    failureRate: 0.05,
    cancelRate: 0.02,
    database: 'ml',
    dml: [
      {
        substatementType: 'SELECT',
        text: () =>
          'SELECT user_id, approx_percentile(session_seconds, 0.9) FROM ml.sessions GROUP BY user_id',
      },
      {
        substatementType: 'UNLOAD',
        text: (v) =>
          `UNLOAD (SELECT * FROM ml.features WHERE dt = '${v.day}') TO 's3://example-lake/exports/features/${v.day}/' WITH (format = 'PARQUET')`,
      },
    ],
    ddl: sharedDdl,
  },
  ...['reporting', 'finance', 'marketing', 'growth', 'ml-training'].map(
    (name): WorkgroupProfile => ({
      name,
      kind: 'capacity',
      description: `${name} team (capacity reservation)`,
      weight: 0.1,
      hourly: BUSINESS_HOURS,
      engineMedianMs: 20_000,
      engineSigma: 1.2,
      engineCapMs: 30 * 60_000,
      bytesMedian: 5 * GB,
      bytesSigma: 1.5,
      dpuTiers: [0.4, 0.35, 0.2, 0.05],
      maxDpu: 64,
      ddlRate: 0.03,
      utilityRate: 0.02,
      failureRate: 0.04,
      cancelRate: 0.015,
      database: name.replace('-', '_'),
      dml: [
        {
          substatementType: 'SELECT',
          text: (v) =>
            `SELECT * FROM ${name.replace('-', '_')}.${v.pick(TABLES)} WHERE dt = '${v.day}' LIMIT 1000`,
        },
      ],
      ddl: sharedDdl,
    }),
  ),
];

const ADHOC_PROFILE: WorkgroupProfile = {
  name: 'adhoc',
  kind: 'on-demand',
  description: 'Ad hoc console queries, billed per TB scanned',
  weight: 0.23,
  hourly: BUSINESS_HOURS,
  engineMedianMs: 6_000,
  engineSigma: 1.4,
  engineCapMs: 30 * 60_000,
  bytesMedian: 3 * GB,
  bytesSigma: 2.2,
  dpuTiers: [1, 0, 0, 0],
  bytesScannedCutoff: TB,
  ddlRate: 0.04,
  utilityRate: 0.03,
  failureRate: 0.05,
  cancelRate: 0.02,
  database: 'logs',
  dml: [
    {
      substatementType: 'SELECT',
      text: () =>
        "SELECT eventtime, useridentity.arn FROM logs.cloudtrail WHERE eventname = 'ConsoleLogin' LIMIT 100",
    },
    {
      substatementType: 'SELECT',
      text: (v) =>
        `SELECT count(*) FROM logs.alb_access WHERE elb_status_code >= 500 AND day = '${v.day}'`,
    },
    {
      substatementType: 'SELECT',
      text: () => 'SELECT * FROM logs.vpc_flow WHERE action = \'REJECT\' ORDER BY "start" DESC',
    },
  ],
  ddl: sharedDdl,
};

/** Failures as Athena reports them in `Status.AthenaError` (category 1 system, 2 user, 3 other). */
const FAILURES: readonly AthenaError[] = [
  {
    ErrorCategory: 2,
    ErrorType: 1006,
    Retryable: false,
    ErrorMessage: "COLUMN_NOT_FOUND: line 1:8: Column 'revnue' cannot be resolved",
  },
  {
    ErrorCategory: 2,
    ErrorType: 1006,
    Retryable: false,
    ErrorMessage: "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.sales.order' does not exist",
  },
  {
    ErrorCategory: 2,
    ErrorType: 1002,
    Retryable: false,
    ErrorMessage: "SYNTAX_ERROR: line 3:1: mismatched input 'FORM'",
  },
  {
    ErrorCategory: 2,
    ErrorType: 1203,
    Retryable: false,
    ErrorMessage: 'HIVE_BAD_DATA: Error parsing field value \'\' for field 3: For input string: ""',
  },
  {
    ErrorCategory: 3,
    ErrorType: 1301,
    Retryable: false,
    ErrorMessage:
      'EXCEEDED_LOCAL_MEMORY_LIMIT: Query exceeded per-node memory limit of 6.4GB [Allocated: 6.4GB]',
  },
  {
    ErrorCategory: 1,
    ErrorType: 401,
    Retryable: true,
    ErrorMessage:
      'INTERNAL_ERROR_QUERY_ENGINE: Amazon Athena experienced an internal error while executing this query.',
  },
];

/** One workgroup of the simulated account. */
export interface SimulatedWorkgroup {
  readonly name: string;
  readonly kind: WorkgroupKind;
  /** What to seed the Athena stand-in with. */
  readonly init: WorkGroupInit;
}

/** Everything that decides a query's execution; timings in milliseconds. */
export interface QueryPlan {
  readonly id: string;
  readonly workgroup: string;
  readonly kind: WorkgroupKind;
  readonly statementType: StatementType;
  readonly substatementType: string;
  readonly query: string;
  readonly database: string;
  readonly submittedAtMs: number;
  readonly queueMs: number;
  readonly preProcessingMs: number;
  readonly planningMs: number;
  /** Engine time as finally reported (up to the failure or cancellation, if any). */
  readonly engineMs: number;
  readonly serviceMs: number;
  /** Peak DPUs; only for capacity queries that ran. */
  readonly dpuCount: number | undefined;
  /** The query's own DPU settings, as a client passes them to StartQueryExecution. */
  readonly engineConfiguration: EngineConfiguration | undefined;
  readonly bytes: number;
  readonly outcome: TerminalState;
  /** Cancelled before it left the queue: no engine time, no DPUs, nothing scanned. */
  readonly cancelledInQueue: boolean;
  readonly error: AthenaError | undefined;
  readonly stateChangeReason: string | undefined;
  /**
   * How many BatchGetQueryExecution calls report this id unprocessed before it is returned, as
   * Athena does under internal pressure (see {@link LocalAthenaAccount}).
   */
  readonly unprocessedFetches: number;
}

/** One step of an execution's life, as an "Athena Query State Change" event announces it. */
export interface StateChange {
  readonly state: QueryExecutionState;
  readonly previousState: QueryExecutionState | undefined;
  readonly at: Date;
  readonly sequenceNumber: number;
}

/** A query of the simulated day: its plan, its final execution and its state changes. */
export interface SimulatedQuery {
  readonly plan: QueryPlan;
  readonly id: string;
  readonly workgroup: string;
  readonly submittedAt: Date;
  /** Undefined when it was cancelled while queued. */
  readonly startedAt: Date | undefined;
  readonly completedAt: Date;
  readonly state: TerminalState;
  /** The terminal execution, as BatchGetQueryExecution returns it once the query finished. */
  readonly execution: QueryExecution;
  /** QUEUED, RUNNING (when it ran) and the terminal state, with EventBridge sequence numbers. */
  readonly changes: readonly StateChange[];
}

export interface SimulatedDayOptions {
  readonly queries: number;
  readonly workgroups: number;
  readonly seed: number;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
}

/** A whole simulated day: every query submitted from 00:00 and finished before 24:00 UTC. */
export interface SimulatedDay {
  readonly seed: number;
  /** `YYYY-MM-DD`, the key of the day counters. */
  readonly day: string;
  readonly start: Date;
  /** Exclusive: midnight of the next day. */
  readonly end: Date;
  readonly workgroups: readonly SimulatedWorkgroup[];
  /** Planned queries in submission order. */
  readonly queries: readonly SimulatedQuery[];
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export const utcDayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** Midnight UTC starting a `YYYY-MM-DD` day; throws on a malformed or impossible date. */
export function dayStart(day: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const start = match ? new Date(`${day}T00:00:00.000Z`) : new Date(Number.NaN);
  if (Number.isNaN(start.getTime()) || utcDayOf(start) !== day) {
    throw new RangeError(`not a valid UTC day (YYYY-MM-DD): ${day}`);
  }
  return start;
}

/** The workgroups of an account with `count` of them: capacity ones, then `adhoc` on demand. */
export function workgroupProfiles(count: number): readonly WorkgroupProfile[] {
  if (!Number.isInteger(count) || count < 2) {
    throw new RangeError(`at least 2 workgroups are needed, got ${count}`);
  }
  const capacity: WorkgroupProfile[] = [];
  for (let index = 0; index < count - 1; index++) {
    const known = CAPACITY_PROFILES[index];
    const last = CAPACITY_PROFILES.at(-1);
    if (known !== undefined) capacity.push(known);
    else if (last !== undefined) capacity.push({ ...last, name: `team-${index + 1}` });
  }
  return [...capacity, ADHOC_PROFILE];
}

function workgroupInit(profile: WorkgroupProfile): WorkGroupInit {
  const outputLocation = `s3://athena-results-${ACCOUNT_ID}-${REGION}/${profile.name}/`;
  const common = {
    Name: profile.name,
    State: 'ENABLED' as const,
    Description: profile.description,
  };
  const configuration = {
    ResultConfiguration: { OutputLocation: outputLocation },
    EnforceWorkGroupConfiguration: profile.enforcesConfiguration ?? true,
    PublishCloudWatchMetricsEnabled: true,
    EngineVersion: {
      SelectedEngineVersion: ENGINE_VERSION,
      EffectiveEngineVersion: ENGINE_VERSION,
    },
  };
  if (profile.kind === 'capacity') {
    return {
      ...common,
      Configuration: {
        ...configuration,
        EngineConfiguration: {
          Classifications: [
            {
              Name: ENGINE_PROPERTIES_CLASSIFICATION,
              Properties: {
                'max-dpu-count': String(profile.maxDpu ?? 124),
                'min-dpu-count': '4',
              },
            },
          ],
        },
      },
    };
  }
  return {
    ...common,
    Configuration: {
      ...configuration,
      ...(profile.bytesScannedCutoff === undefined
        ? {}
        : { BytesScannedCutoffPerQuery: profile.bytesScannedCutoff }),
    },
  };
}

/**
 * Generates the day: `queries` queries spread over `workgroups` workgroups following each one's
 * rhythm, in submission order. Pure and deterministic.
 */
export function generateSimulatedDay(options: SimulatedDayOptions): SimulatedDay {
  const { seed, day } = options;
  if (!Number.isInteger(options.queries) || options.queries < 0) {
    throw new RangeError(`queries must be a non-negative integer, got ${options.queries}`);
  }
  const start = dayStart(day);
  const end = new Date(start.getTime() + DAY_MS);
  const profiles = workgroupProfiles(options.workgroups);
  // Content (what the queries are) depends on the seed only; ids also on the day.
  const random = seededRandom(seed);
  const ids = seededRandom(hashSeed(`ids:${seed}:${day}`));
  const totalWeight = profiles.reduce((sum, profile) => sum + profile.weight, 0);

  const plans: QueryPlan[] = [];
  for (let index = 0; index < options.queries; index++) {
    let roll = random() * totalWeight;
    let profile = profiles[profiles.length - 1] ?? ADHOC_PROFILE;
    for (const candidate of profiles) {
      roll -= candidate.weight;
      if (roll < 0) {
        profile = candidate;
        break;
      }
    }
    plans.push(planQuery(profile, random, seededUuid(ids), start.getTime(), day));
  }
  plans.sort((a, b) => a.submittedAtMs - b.submittedAtMs || a.id.localeCompare(b.id));
  const workgroups = profiles.map((profile) => ({
    name: profile.name,
    kind: profile.kind,
    init: workgroupInit(profile),
  }));
  const dayEndMs = end.getTime();
  return {
    seed,
    day,
    start,
    end,
    workgroups,
    queries: plans.map((plan) =>
      materialize(applyLimits(plan, workgroupInit(profileOf(profiles, plan.workgroup)), dayEndMs)),
    ),
  };
}

function profileOf(profiles: readonly WorkgroupProfile[], name: string): WorkgroupProfile {
  const profile = profiles.find((candidate) => candidate.name === name);
  if (profile === undefined) throw new Error(`unknown workgroup ${name}`);
  return profile;
}

function planQuery(
  profile: WorkgroupProfile,
  random: () => number,
  id: string,
  dayStartMs: number,
  day: string,
): QueryPlan {
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  const hour = weightedIndex(profile.hourly, random);
  const submittedAtMs = dayStartMs + hour * 3_600_000 + Math.floor(random() * 3_600_000);
  const values: TemplateValues = { day, hour: String(hour).padStart(2, '0'), pick };

  const statementRoll = random();
  const statementType: StatementType =
    statementRoll < profile.ddlRate
      ? 'DDL'
      : statementRoll < profile.ddlRate + profile.utilityRate
        ? 'UTILITY'
        : 'DML';
  const template = pick(
    statementType === 'DDL' ? profile.ddl : statementType === 'UTILITY' ? utility : profile.dml,
  );

  // Engine time and bytes are correlated: big scans take long.
  const z1 = normal(random);
  const z2 = 0.7 * z1 + Math.sqrt(1 - 0.49) * normal(random);
  let engineMs: number;
  let bytes: number;
  let dpuCount: number | undefined;
  if (statementType === 'DML') {
    engineMs = clamp(
      Math.round(profile.engineMedianMs * Math.exp(profile.engineSigma * z1)),
      250,
      profile.engineCapMs,
    );
    bytes = clamp(
      Math.round(profile.bytesMedian * Math.exp(profile.bytesSigma * z2)),
      1_024,
      5 * TB,
    );
    dpuCount = profile.kind === 'capacity' ? sampleDpu(profile, random) : undefined;
  } else {
    // Metadata statements: seconds, nothing scanned, the minimum 4 DPUs on a reservation.
    engineMs = 300 + Math.floor(random() * 3_700);
    bytes = 0;
    dpuCount = profile.kind === 'capacity' ? 4 : undefined;
  }

  const queueMs = Math.round(clamp(150 * Math.exp(1.0 * normal(random)), 20, 120_000));
  const preProcessingMs = 20 + Math.floor(random() * 180);
  const planningMs = Math.min(engineMs, 80 + Math.floor(random() * 900));
  const serviceMs = 30 + Math.floor(random() * 250);

  const outcomeRoll = random();
  const detailRoll = random();
  let outcome: TerminalState = 'SUCCEEDED';
  let cancelledInQueue = false;
  let error: AthenaError | undefined;
  let stateChangeReason: string | undefined;
  if (outcomeRoll < profile.failureRate) {
    outcome = 'FAILED';
    error = pick(FAILURES);
    stateChangeReason = error.ErrorMessage;
    // Failed part-way: some engine time, a share of the scan.
    const share = 0.05 + 0.6 * detailRoll;
    engineMs = Math.max(1, Math.round(engineMs * share));
    bytes = Math.round(bytes * share);
  } else if (outcomeRoll < profile.failureRate + profile.cancelRate) {
    outcome = 'CANCELLED';
    stateChangeReason = 'Query cancelled by user';
    if (detailRoll < 0.3) {
      cancelledInQueue = true;
    } else {
      const share = 0.05 + 0.9 * random();
      engineMs = Math.max(1, Math.round(engineMs * share));
      bytes = Math.round(bytes * share);
    }
  }
  const unprocessedFetches = random() < 0.004 ? 2 : 0;

  return {
    id,
    workgroup: profile.name,
    kind: profile.kind,
    statementType,
    substatementType: template.substatementType,
    query: template.text(values),
    database: profile.database,
    submittedAtMs,
    queueMs,
    preProcessingMs,
    planningMs: cancelledInQueue ? 0 : planningMs,
    engineMs: cancelledInQueue ? 0 : engineMs,
    serviceMs: cancelledInQueue ? 0 : serviceMs,
    dpuCount: cancelledInQueue ? undefined : dpuCount,
    engineConfiguration: ownDpuSettings(profile, statementType, submittedAtMs - dayStartMs, bytes),
    bytes: cancelledInQueue ? 0 : bytes,
    outcome,
    cancelledInQueue,
    error,
    stateChangeReason,
    unprocessedFetches,
  };
}

/**
 * The DPU settings the workgroup's own-DPU client passes with a data query, if this query is one
 * of its. Picked by a hash of what the seed decided (not by drawing from the seeded stream, so
 * other queries stay as they were, nor by the id, which changes with the day).
 */
function ownDpuSettings(
  profile: WorkgroupProfile,
  statementType: StatementType,
  offsetInDayMs: number,
  bytes: number,
): EngineConfiguration | undefined {
  const client = profile.ownDpuClient;
  if (client === undefined || statementType !== 'DML') return undefined;
  if ((hashSeed(`own-dpu:${offsetInDayMs}:${bytes}`) % 1000) / 1000 >= client.share) {
    return undefined;
  }
  return {
    Classifications: [
      {
        Name: ENGINE_PROPERTIES_CLASSIFICATION,
        Properties: { 'max-dpu-count': String(client.maxDpu) },
      },
    ],
  };
}

function sampleDpu(profile: WorkgroupProfile, random: () => number): number {
  const tiers: readonly (readonly [number, number])[] = [
    [4, 8],
    [12, 24],
    [28, 64],
    [68, 124],
  ];
  const [low, high] = tiers[weightedIndex(profile.dpuTiers, random)] ?? [4, 8];
  const steps = (high - low) / 4 + 1;
  return low + 4 * Math.floor(random() * steps);
}

/** Total time from submission to completion. */
function durationOf(plan: QueryPlan): number {
  return plan.queueMs + plan.preProcessingMs + plan.engineMs + plan.serviceMs;
}

/**
 * Adapts a plan to its workgroup's configuration at submission time: a `max-dpu-count` below
 * the plan's DPUs caps them (the query then runs longer on fewer DPUs), the query's own
 * `max-dpu-count` winning unless the workgroup enforces its configuration, and an on-demand query
 * that would scan past `BytesScannedCutoffPerQuery` is cancelled at the cutoff, as Athena does.
 * Keeps the completion inside the day. Returns the plan unchanged when nothing applies.
 */
export function applyLimits(plan: QueryPlan, workGroup: WorkGroup, dayEndMs: number): QueryPlan {
  let next = plan;
  const maxDpu = effectiveMaxDpuCount(workGroup, plan.engineConfiguration);
  if (next.dpuCount !== undefined && maxDpu !== undefined && next.dpuCount > maxDpu) {
    // Fewer DPUs: longer, though not proportionally (some stages do not parallelise).
    const engineMs = Math.round(next.engineMs * Math.sqrt(next.dpuCount / maxDpu));
    next = { ...next, dpuCount: maxDpu, engineMs };
  }
  const cutoff = workGroup.Configuration?.BytesScannedCutoffPerQuery;
  if (next.kind === 'on-demand' && cutoff !== undefined && next.bytes > cutoff) {
    next = {
      ...next,
      outcome: 'CANCELLED',
      error: undefined,
      stateChangeReason: `Query cancelled: the data scanned exceeded the workgroup's limit of ${cutoff} bytes per query`,
      engineMs: Math.max(1, Math.round((next.engineMs * cutoff) / next.bytes)),
      bytes: cutoff,
    };
  }
  // Completion strictly inside the day: move the submission earlier, else shorten the run.
  const latestCompletion = dayEndMs - DAY_END_MARGIN_MS;
  if (next.submittedAtMs + durationOf(next) > latestCompletion) {
    const dayStartMs = dayEndMs - DAY_MS;
    const submittedAtMs = Math.max(dayStartMs, latestCompletion - durationOf(next));
    next = { ...next, submittedAtMs };
    const overshoot = next.submittedAtMs + durationOf(next) - latestCompletion;
    if (overshoot > 0) next = { ...next, engineMs: Math.max(0, next.engineMs - overshoot) };
  }
  return next;
}

/**
 * Re-plans a query as stopped (StopQueryExecution) at `atMs`: cancelled in the queue if it had
 * not started, else cancelled after the engine time and scan share it had reached.
 */
export function cancelPlanAt(plan: QueryPlan, atMs: number): QueryPlan {
  const reason = 'Query cancelled by user';
  const startMs = plan.submittedAtMs + plan.queueMs;
  if (atMs <= startMs + plan.preProcessingMs) {
    return {
      ...plan,
      outcome: 'CANCELLED',
      cancelledInQueue: true,
      queueMs: Math.max(0, atMs - plan.submittedAtMs),
      preProcessingMs: 0,
      planningMs: 0,
      engineMs: 0,
      serviceMs: 0,
      dpuCount: undefined,
      bytes: 0,
      error: undefined,
      stateChangeReason: reason,
    };
  }
  const engineMs = Math.min(plan.engineMs, atMs - startMs - plan.preProcessingMs);
  const share = plan.engineMs > 0 ? engineMs / plan.engineMs : 0;
  return {
    ...plan,
    outcome: 'CANCELLED',
    engineMs,
    planningMs: Math.min(plan.planningMs, engineMs),
    serviceMs: Math.max(0, atMs - startMs - plan.preProcessingMs - engineMs),
    bytes: Math.round(plan.bytes * share),
    error: undefined,
    stateChangeReason: reason,
  };
}

/** The `max-dpu-count` of a capacity workgroup, if it sets one. */
export function maxDpuOf(workGroup: WorkGroup): number | undefined {
  return maxDpuCountOf(workGroup.Configuration?.EngineConfiguration);
}

/** Builds the execution and the state changes of a plan. */
export function materialize(plan: QueryPlan): SimulatedQuery {
  const submittedAt = new Date(plan.submittedAtMs);
  const startedAt = plan.cancelledInQueue
    ? undefined
    : new Date(plan.submittedAtMs + plan.queueMs + plan.preProcessingMs);
  const totalMs = durationOf(plan);
  const completedAt = new Date(plan.submittedAtMs + totalMs);
  const changes: StateChange[] = [
    { state: 'QUEUED', previousState: undefined, at: submittedAt, sequenceNumber: 1 },
  ];
  if (startedAt !== undefined) {
    changes.push({ state: 'RUNNING', previousState: 'QUEUED', at: startedAt, sequenceNumber: 2 });
  }
  changes.push({
    state: plan.outcome,
    previousState: startedAt === undefined ? 'QUEUED' : 'RUNNING',
    at: completedAt,
    sequenceNumber: changes.length + 1,
  });
  const execution: QueryExecution = {
    QueryExecutionId: plan.id,
    Query: plan.query,
    StatementType: plan.statementType,
    SubstatementType: plan.substatementType,
    ResultConfiguration: {
      OutputLocation: `s3://athena-results-${ACCOUNT_ID}-${REGION}/${plan.workgroup}/${plan.id}.csv`,
    },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { Database: plan.database, Catalog: 'awsdatacatalog' },
    Status: {
      State: plan.outcome,
      SubmissionDateTime: submittedAt,
      CompletionDateTime: completedAt,
      ...(plan.stateChangeReason === undefined
        ? {}
        : { StateChangeReason: plan.stateChangeReason }),
      ...(plan.error === undefined ? {} : { AthenaError: plan.error }),
    },
    Statistics: {
      EngineExecutionTimeInMillis: plan.engineMs,
      DataScannedInBytes: plan.bytes,
      TotalExecutionTimeInMillis: totalMs,
      QueryQueueTimeInMillis: plan.queueMs,
      ServicePreProcessingTimeInMillis: plan.preProcessingMs,
      QueryPlanningTimeInMillis: plan.planningMs,
      ServiceProcessingTimeInMillis: plan.serviceMs,
      ResultReuseInformation: { ReusedPreviousResult: false },
      ...(plan.dpuCount === undefined ? {} : { DpuCount: plan.dpuCount }),
    },
    WorkGroup: plan.workgroup,
    EngineVersion: {
      SelectedEngineVersion: ENGINE_VERSION,
      EffectiveEngineVersion: ENGINE_VERSION,
    },
  };
  return {
    plan,
    id: plan.id,
    workgroup: plan.workgroup,
    submittedAt,
    startedAt,
    completedAt,
    state: plan.outcome,
    execution,
    changes,
  };
}

/** The execution as GetQueryExecution shows it while queued or running, at `atMs`. */
export function inFlightExecution(query: SimulatedQuery, atMs: number): QueryExecution {
  const running = query.startedAt !== undefined && atMs >= query.startedAt.getTime();
  const { execution } = query;
  return {
    ...execution,
    Status: { State: running ? 'RUNNING' : 'QUEUED', SubmissionDateTime: query.submittedAt },
    Statistics: {
      EngineExecutionTimeInMillis:
        running && query.startedAt !== undefined ? atMs - query.startedAt.getTime() : 0,
      DataScannedInBytes: 0,
      QueryQueueTimeInMillis: Math.min(query.plan.queueMs, atMs - query.submittedAt.getTime()),
    },
  };
}

/** Adds the day's workgroups to an Athena account (replacing same-named ones). */
export function addWorkgroupsTo(account: SimulatedAthenaAccount, day: SimulatedDay): void {
  for (const workgroup of day.workgroups) account.addWorkGroup(workgroup.init);
}

/**
 * The totals every workgroup must show for the day, computed from the executions that really
 * finished (rejected queries never ran), with the same pricing as the handler.
 */
export function groundTruthOf(
  executions: Iterable<QueryExecution>,
  workgroups: readonly string[],
  pricing: Pricing,
): Map<string, UsageTotals> {
  const usages = new Map<string, QueryUsage[]>();
  for (const name of workgroups) usages.set(name, []);
  for (const execution of executions) {
    const derived = deriveQueryUsage(execution, pricing);
    if (!derived.ok) throw new Error(`ground truth: ${derived.reason}`);
    const list = usages.get(derived.usage.workgroup) ?? [];
    list.push(derived.usage);
    usages.set(derived.usage.workgroup, list);
  }
  const totals = new Map<string, UsageTotals>();
  for (const [name, list] of usages) {
    totals.set(name, list.length === 0 ? ZERO_TOTALS : totalsOf(list));
  }
  return totals;
}

/**
 * The Athena account behind the stand-in in local mode: the stand-in's account plus queries that
 * BatchGetQueryExecution reports as unprocessed a set number of times before returning them,
 * which exercises the handler's retry and SQS redelivery paths deterministically.
 */
export class LocalAthenaAccount extends SimulatedAthenaAccount {
  private readonly flaky = new Map<string, number>();

  /** The next `times` BatchGetQueryExecution calls asking for `id` leave it unprocessed. */
  unprocessedTimes(id: string, times: number): void {
    if (times > 0) this.flaky.set(id, times);
    else this.flaky.delete(id);
  }

  override batchGetQueryExecution(
    input: BatchGetQueryExecutionInput,
  ): BatchGetQueryExecutionOutput {
    const requested = Array.isArray(input.QueryExecutionIds) ? input.QueryExecutionIds : [];
    const held = requested.filter((id) => (this.flaky.get(id) ?? 0) > 0);
    if (held.length === 0) return super.batchGetQueryExecution(input);
    // Validate the request as a whole first, so errors stay the stand-in's own.
    const output = super.batchGetQueryExecution(input);
    const heldSet = new Set(held);
    for (const id of held) {
      const remaining = (this.flaky.get(id) ?? 1) - 1;
      if (remaining > 0) this.flaky.set(id, remaining);
      else this.flaky.delete(id);
    }
    return {
      QueryExecutions: (output.QueryExecutions ?? []).filter(
        (execution) => !heldSet.has(execution.QueryExecutionId ?? ''),
      ),
      UnprocessedQueryExecutionIds: [
        ...(output.UnprocessedQueryExecutionIds ?? []),
        ...held.map((id) => ({
          QueryExecutionId: id,
          ErrorCode: 'INTERNAL_FAILURE',
          ErrorMessage: 'Internal error, please retry',
        })),
      ],
    };
  }
}

function weightedIndex(weights: readonly number[], random: () => number): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let roll = random() * total;
  for (let index = 0; index < weights.length; index++) {
    roll -= weights[index] ?? 0;
    if (roll < 0) return index;
  }
  return weights.length - 1;
}

/** Standard normal draw (Box-Muller) from a seeded stream. */
function normal(random: () => number): number {
  let u = random();
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
