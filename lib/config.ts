import { z } from 'zod';

const positiveNumber = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .positive({ error: `${name} must be positive` })
    .default(fallback);

const ConfigSchema = z.object({
  TABLE_NAME: z.string({ error: 'TABLE_NAME is required' }).min(1, 'TABLE_NAME is required'),
  METRICS_NAMESPACE: z
    .string()
    .min(1)
    .refine((value) => !value.startsWith('AWS/'), 'METRICS_NAMESPACE must not start with AWS/')
    .default('AthenaCostMonitor'),
  PRICE_PER_DPU_HOUR_USD: positiveNumber('PRICE_PER_DPU_HOUR_USD', 0.3),
  PRICE_PER_TB_SCANNED_USD: positiveNumber('PRICE_PER_TB_SCANNED_USD', 5),
  QUERY_RECORD_TTL_DAYS: z.coerce.number().int().positive().default(400),
  BUDGET_CACHE_SECONDS: z.coerce.number().int().nonnegative().default(30),
  ALERTS_TOPIC_ARN: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
});

/** Settings every function reads once at cold start. */
export interface Config {
  readonly tableName: string;
  readonly metricsNamespace: string;
  readonly pricing: Pricing;
  readonly queryRecordTtlDays: number;
  /** How long a Lambda instance reuses the budgets it read: edits take effect within this. */
  readonly budgetCacheSeconds: number;
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

/** Parses the environment once; fails fast with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  return {
    tableName: values.TABLE_NAME,
    metricsNamespace: values.METRICS_NAMESPACE,
    pricing: {
      pricePerDpuHourUsd: values.PRICE_PER_DPU_HOUR_USD,
      pricePerTbScannedUsd: values.PRICE_PER_TB_SCANNED_USD,
    },
    queryRecordTtlDays: values.QUERY_RECORD_TTL_DAYS,
    budgetCacheSeconds: values.BUDGET_CACHE_SECONDS,
    alertsTopicArn: values.ALERTS_TOPIC_ARN,
  };
}
