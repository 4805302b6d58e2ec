import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { REPO_ROOT } from '../local/environment/bundle-handler.js';

/**
 * serverless.yml as the Serverless Framework resolves it (`sls print`: parameters, defaults and
 * variables filled in), so the benchmark runs the functions with the environment and the event
 * source settings that are deployed, not with copies that drift.
 */

const Environment = z.record(z.string(), z.unknown());

const ResolvedServerlessSchema = z.object({
  provider: z.object({
    memorySize: z.number(),
    environment: Environment.default({}),
  }),
  functions: z.record(
    z.string(),
    z.object({
      environment: Environment.default({}),
      events: z
        .array(
          z.object({
            sqs: z
              .object({
                batchSize: z.number(),
                maximumBatchingWindow: z.number(),
                maximumConcurrency: z.number(),
              })
              .optional(),
          }),
        )
        .default([]),
    }),
  ),
});

export type ResolvedServerless = z.infer<typeof ResolvedServerlessSchema>;

/** The ingest function's SQS event source mapping and the functions' memory. */
export interface ServerlessSettings {
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly memoryMb: number;
  readonly maxConcurrency: number;
}

const execFileAsync = promisify(execFile);

/** Runs `sls print --format json` (offline: printing resolves no AWS variable). */
export async function readServerlessConfig(): Promise<ResolvedServerless> {
  const env: NodeJS.ProcessEnv = {};
  // No credentials or profile of the shell reach the framework: printing needs none.
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_')) env[key] = value;
  }
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'), 'print', '--format', 'json'],
    { cwd: REPO_ROOT, env: { ...env, CI: 'true' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return ResolvedServerlessSchema.parse(JSON.parse(stdout));
}

/** The ingest function's event source mapping, and the memory every function gets. */
export function serverlessSettings(config: ResolvedServerless): ServerlessSettings {
  const sqs = config.functions.ingest?.events.find((event) => event.sqs !== undefined)?.sqs;
  if (sqs === undefined) throw new Error('serverless.yml: the ingest function has no sqs event');
  return {
    batchSize: sqs.batchSize,
    batchingWindowMs: sqs.maximumBatchingWindow * 1000,
    memoryMb: config.provider.memorySize,
    maxConcurrency: sqs.maximumConcurrency,
  };
}

/**
 * The environment serverless.yml gives `functionName` (the provider's, then the function's own),
 * with CloudFormation references (`Ref`, `Fn::GetAtt`) replaced by `resources`. A function
 * serverless.yml does not declare (the naive baseline) gets the provider's environment.
 */
export function functionEnvironment(
  config: ResolvedServerless,
  functionName: string,
  resources: Readonly<Record<string, string>>,
): Record<string, string> {
  const declared = {
    ...config.provider.environment,
    ...config.functions[functionName]?.environment,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) {
    const resolved =
      typeof value === 'string' || typeof value === 'number' ? String(value) : resources[name];
    if (resolved === undefined) {
      throw new Error(`serverless.yml sets ${name} to ${JSON.stringify(value)}: pass its value`);
    }
    env[name] = resolved;
  }
  return env;
}
