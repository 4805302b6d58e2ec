import { z } from 'zod';
import { dayKeyProblem } from '../../lib/reports/report-range.js';
import { DAY_MS } from '../../lib/usage/period-keys.js';
import { INGEST_QUEUE } from '../environment/ingest-queue.js';
import { utcDayOf } from '../simulation/simulated-day.js';

/** The options of local mode (`npm start`), parsed once; error messages name the CLI flags. */

export const DEFAULT_TABLE_NAME = 'athena-cost-local';
/** One simulated hour per half second: the day in 12 s if the machine keeps up. */
export const DEFAULT_SPEED = 7_200;
/** As deployed (resources/ingest-queue.json). */
export const DEFAULT_BATCH_SIZE = INGEST_QUEUE.batchSize;
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

const integer = (flag: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .int({ error: `${flag} must be a whole number` })
    .min(min, { error: `${flag} must be at least ${min}` })
    .max(max, { error: `${flag} must be at most ${max}` })
    .default(fallback);

export const LocalModeOptionsSchema = z.object({
  /** Queries in the simulated day. */
  queries: integer('--queries', 1, 1_000_000, 3_000),
  /** Workgroups, at least 2: all but one on a capacity reservation, plus `adhoc`. */
  workgroups: integer('--workgroups', 2, 50, 4),
  /** Same seed, same account, same queries, same totals. */
  seed: integer('--seed', 0, 4_294_967_295, 42),
  /** Simulated seconds per real second, for pacing only. */
  speed: z.coerce
    .number({ error: '--speed must be a number' })
    .positive({ error: '--speed must be greater than 0' })
    .default(DEFAULT_SPEED),
  /** SQS batch size of the event source mapping. */
  batchSize: integer('--batch-size', 1, 10_000, DEFAULT_BATCH_SIZE),
  /** The UTC day to simulate, `YYYY-MM-DD` (default: yesterday, a complete day in the past). */
  day: z
    .string()
    .superRefine((day, context) => {
      const problem = dayKeyProblem(day);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: `--day ${problem}` });
    })
    .optional(),
  /** Keep DynamoDB Local's database in this folder instead of in memory. */
  dataDirectory: z.string().min(1, { error: '--data needs a directory' }).optional(),
  /** POWERTOOLS_LOG_LEVEL of the function (default: the environment's, else ERROR). */
  logLevel: z
    .string()
    .transform((level) => level.toUpperCase())
    .pipe(z.enum(LOG_LEVELS, { error: `--log-level must be one of ${LOG_LEVELS.join(', ')}` }))
    .optional(),
  /** Table to use, created when missing. */
  tableName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{3,255}$/, { error: 'table name must be 3-255 of [a-zA-Z0-9_.-]' })
    .default(DEFAULT_TABLE_NAME),
  /** Use this DynamoDB (e.g. the tests' DynamoDB Local) instead of starting one. */
  dynamoDbEndpoint: z.url({ error: 'dynamoDbEndpoint must be a URL' }).optional(),
  /** Store the sample budgets of local/mode/hooks.ts before the day starts. */
  sampleBudgets: z.boolean().default(true),
  /** The sample capacity budget's throttle also turns on EnforceWorkGroupConfiguration. */
  enforceWorkgroupConfig: z.boolean().default(false),
  /** Share of Athena and CloudWatch calls the stand-ins answer with throttling. */
  throttleRate: z.coerce
    .number({ error: '--throttle must be a number' })
    .min(0, { error: '--throttle must be between 0 and 1' })
    .max(1, { error: '--throttle must be between 0 and 1' })
    .default(0),
  /** Latency the Athena and CloudWatch stand-ins add to every call, in ms. */
  latencyMs: integer('--latency', 0, 10_000, 0),
});

/** Options as a program passes them: typed values, each optional (the schema's defaults apply). */
export type LocalModeSettings = Partial<z.output<typeof LocalModeOptionsSchema>>;

export type ResolvedLocalModeOptions = z.output<typeof LocalModeOptionsSchema> & {
  readonly day: string;
};

/**
 * Parses and completes options (flag strings or typed values); throws a ZodError naming the bad
 * flags. Keys the schema does not know are ignored.
 */
export function resolveLocalModeOptions(
  options: Partial<Record<keyof LocalModeSettings, unknown>> = {},
): ResolvedLocalModeOptions {
  const known = Object.fromEntries(
    Object.keys(LocalModeOptionsSchema.shape).map((key) => [
      key,
      options[key as keyof LocalModeSettings],
    ]),
  );
  const parsed = LocalModeOptionsSchema.parse(known);
  // Yesterday: a whole day that has happened, so nothing the run shows lies in the future.
  return { ...parsed, day: parsed.day ?? utcDayOf(new Date(Date.now() - DAY_MS)) };
}
