// zod/mini, as lib/config.ts: the full zod build would triple the function's bundle.
import * as z from 'zod/mini';
import { parseEnvironment } from '../config.js';

/**
 * Athena for Apache Spark is billed per DPU-hour of session time. The default, 0.35 USD, is the
 * us-east-1 figure third-party sources quote; AWS's pricing page could not be read to confirm
 * it, so set PRICE_PER_SPARK_DPU_HOUR_USD (serverless param pricePerSparkDpuHourUsd) to your
 * region's price.
 */
export const DEFAULT_PRICE_PER_SPARK_DPU_HOUR_USD = 0.35;

const SparkConfigSchema = z.object({
  PRICE_PER_SPARK_DPU_HOUR_USD: z._default(
    z.coerce
      .number({ error: 'PRICE_PER_SPARK_DPU_HOUR_USD must be a number' })
      .check(z.positive({ error: 'PRICE_PER_SPARK_DPU_HOUR_USD must be positive' })),
    DEFAULT_PRICE_PER_SPARK_DPU_HOUR_USD,
  ),
});

export interface SparkConfig {
  readonly pricePerSparkDpuHourUsd: number;
}

/** The Spark settings from the environment, with defaults; fails naming every bad one. */
export function loadSparkConfig(env: NodeJS.ProcessEnv = process.env): SparkConfig {
  const values = parseEnvironment(SparkConfigSchema, env);
  return { pricePerSparkDpuHourUsd: values.PRICE_PER_SPARK_DPU_HOUR_USD };
}
