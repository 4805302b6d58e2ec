// zod/mini: the full zod build would triple the bundle of every function.
import * as z from 'zod/mini';
import { MAX_REDACTED_SQL_CHARS } from './usage/redact-sql.js';

const positiveNumber = (name: string, fallback: number) =>
  z._default(
    z.coerce
      .number({ error: `${name} must be a number` })
      .check(z.positive({ error: `${name} must be positive` })),
    fallback,
  );
const wholeNumber = (name: string, fallback: number, minimum: number) =>
  z._default(
    z.coerce
      .number({ error: `${name} must be a number` })
      .check(
        z.int({ error: `${name} must be a whole number` }),
        z.gte(minimum, { error: `${name} must be at least ${minimum}` }),
      ),
    fallback,
  );

const ConfigSchema = z.object({
  TABLE_NAME: z
    .string({ error: 'TABLE_NAME is required' })
    .check(z.minLength(1, 'TABLE_NAME is required')),
  METRICS_NAMESPACE: z._default(
    z.string().check(
      z.minLength(1, 'METRICS_NAMESPACE must not be empty'),
      z.refine((value) => !value.startsWith('AWS/'), 'METRICS_NAMESPACE must not start with AWS/'),
    ),
    'AthenaCostMonitor',
  ),
  PRICE_PER_DPU_HOUR_USD: positiveNumber('PRICE_PER_DPU_HOUR_USD', 0.3),
  PRICE_PER_TB_SCANNED_USD: positiveNumber('PRICE_PER_TB_SCANNED_USD', 5),
  QUERY_RECORD_TTL_DAYS: wholeNumber('QUERY_RECORD_TTL_DAYS', 400, 1),
  BUDGET_CACHE_SECONDS: wholeNumber('BUDGET_CACHE_SECONDS', 30, 0),
  ATTRIBUTION_VALUES_PER_DAY: wholeNumber('ATTRIBUTION_VALUES_PER_DAY', 100, 1),
  ATTRIBUTE_PRINCIPALS: z._default(
    z.enum(['true', 'false'], { error: 'ATTRIBUTE_PRINCIPALS must be true or false' }),
    'false',
  ),
  REDACTED_SQL_CHARS: z._default(
    z.coerce.number({ error: 'REDACTED_SQL_CHARS must be a number' }).check(
      z.int({ error: 'REDACTED_SQL_CHARS must be a whole number' }),
      z.gte(0, { error: 'REDACTED_SQL_CHARS must be at least 0' }),
      z.lte(MAX_REDACTED_SQL_CHARS, {
        error: `REDACTED_SQL_CHARS must be at most ${MAX_REDACTED_SQL_CHARS}`,
      }),
    ),
    0,
  ),
  ALERTS_TOPIC_ARN: z.optional(z.string()),
});

/** Settings every function reads once at cold start. */
export interface Config {
  readonly tableName: string;
  readonly metricsNamespace: string;
  readonly pricing: Pricing;
  readonly queryRecordTtlDays: number;
  /** How long a Lambda instance reuses the budgets it read: edits take effect within this. */
  readonly budgetCacheSeconds: number;
  /** Distinct values per attribution key (dbt model, tag), workgroup and day; more: `(other)`. */
  readonly attributionValuesPerDay?: number;
  /**
   * Count usage per IAM principal from CloudTrail StartQueryExecution records (the deploy
   * parameter `attributePrincipals`, which also routes those records to the queue).
   */
  readonly attributePrincipals?: boolean;
  /** Keep a redacted SQL copy this long on each query record; 0 (the default): never. */
  readonly redactedSqlChars?: number;
  /** Unset in local runs, where actions are logged only. */
  readonly alertsTopicArn: string | undefined;
}

/** List prices used to estimate what a query cost. */
export interface Pricing {
  readonly pricePerDpuHourUsd: number;
  readonly pricePerTbScannedUsd: number;
}

/** Thrown at cold start when the environment is incomplete, naming every bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates environment variables against a schema, or throws naming every bad one. */
export function parseEnvironment<Schema extends z.ZodMiniType>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
): z.output<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Parses the environment once; fails fast with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values = parseEnvironment(ConfigSchema, env);
  return {
    tableName: values.TABLE_NAME,
    metricsNamespace: values.METRICS_NAMESPACE,
    pricing: {
      pricePerDpuHourUsd: values.PRICE_PER_DPU_HOUR_USD,
      pricePerTbScannedUsd: values.PRICE_PER_TB_SCANNED_USD,
    },
    queryRecordTtlDays: values.QUERY_RECORD_TTL_DAYS,
    budgetCacheSeconds: values.BUDGET_CACHE_SECONDS,
    attributionValuesPerDay: values.ATTRIBUTION_VALUES_PER_DAY,
    attributePrincipals: values.ATTRIBUTE_PRINCIPALS === 'true',
    redactedSqlChars: values.REDACTED_SQL_CHARS,
    alertsTopicArn: values.ALERTS_TOPIC_ARN === '' ? undefined : values.ALERTS_TOPIC_ARN,
  };
}
