import type { AthenaError, WorkGroup } from '@aws-sdk/client-athena';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../environment/local-account.js';
import {
  ENGINE_PROPERTIES_CLASSIFICATION,
  maxDpuCountOf,
  type WorkGroupInit,
} from '../stand-ins/athena-stand-in.js';
import type { AttributionProfile } from './simulated-attribution.js';

/**
 * The workgroups of the simulated account: a few on a capacity reservation (queries carry a peak
 * `DpuCount`) and one on demand (billed by bytes scanned), each with its daily rhythm, size
 * distributions, statements and mishaps, and the configuration the Athena stand-in serves.
 */

export const ENGINE_VERSION = 'Athena engine version 3';
export const TB = 1_000_000_000_000;
const GB = 1_000_000_000;

export type WorkgroupKind = 'capacity' | 'on-demand';

/** How queries of a workgroup look: volume, rhythm over the day, sizes and mishaps. */
export interface WorkgroupProfile {
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
  /** dbt runs and `-- athena-cost:` tags among the data queries; none when absent. */
  readonly attribution?: AttributionProfile;
}

interface QueryTemplate {
  readonly substatementType: string;
  readonly text: (values: TemplateValues) => string;
}

export interface TemplateValues {
  readonly day: string;
  readonly hour: string;
  readonly pick: <T>(items: readonly T[]) => T;
}

const BUSINESS_HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 6, 4, 3, 2, 1, 1];
const NIGHTLY = [6, 10, 10, 10, 9, 7, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3];
const LONG_DAY = [1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 7, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1, 1];

const LOCAL_REGIONS = ['emea', 'amer', 'apac'] as const;
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

export const UTILITY_TEMPLATES: readonly QueryTemplate[] = [
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
    // Every data query is a dbt-athena model run.
    attribution: {
      dbt: {
        share: 1,
        profileName: 'lake',
        target: 'prod',
        models: [
          ...TABLES.map((table) => `model.lake.${table}_daily`),
          'model.lake.revenue_by_region',
        ],
      },
    },
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
    // Dashboards tag their queries with the team and dashboard they serve.
    attribution: {
      tags: {
        share: 0.6,
        values: {
          team: ['bi', 'finance', 'growth'],
          dashboard: ['revenue', 'retention', 'operations'],
        },
      },
    },
    dml: [
      {
        substatementType: 'SELECT',
        text: (v) =>
          `SELECT region, sum(revenue) AS revenue FROM sales.orders WHERE order_date = DATE '${v.day}' AND region = '${v.pick(LOCAL_REGIONS)}' GROUP BY region`,
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
    // Some feature tables are dbt models (a dev target); notebooks tag their jobs.
    attribution: {
      dbt: {
        share: 0.35,
        profileName: 'ml',
        target: 'dev',
        models: ['model.ml.features_daily', 'model.ml.session_percentiles'],
      },
      tags: { share: 0.5, values: { team: ['ml'], job: ['churn-features', 'ltv-model'] } },
    },
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

export const ADHOC_PROFILE: WorkgroupProfile = {
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
  // A few console users follow the tag convention.
  attribution: { tags: { share: 0.25, values: { team: ['security', 'finance', 'growth'] } } },
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
export const FAILURES: readonly AthenaError[] = [
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

export function workgroupInit(profile: WorkgroupProfile): WorkGroupInit {
  const outputLocation = `s3://athena-results-${LOCAL_ACCOUNT_ID}-${LOCAL_REGION}/${profile.name}/`;
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

/** The `max-dpu-count` of a capacity workgroup, if it sets one. */
export function maxDpuOf(workGroup: WorkGroup): number | undefined {
  return maxDpuCountOf(workGroup.Configuration?.EngineConfiguration);
}
