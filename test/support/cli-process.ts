import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CliRun } from './in-memory-cli.js';

const BIN = fileURLToPath(new URL('../../bin/athena-cost.js', import.meta.url));
const execFileAsync = promisify(execFile);

/**
 * Runs the real CLI entry point in a child process, in the region us-east-1 with local
 * credentials: the surrounding environment without the variables named in `dropped`, then `env`.
 */
export async function runCliProcess(
  args: readonly string[],
  env: Record<string, string | undefined>,
  dropped: readonly string[] = [],
): Promise<CliRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !dropped.includes(name)),
  );
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
      env: {
        ...inherited,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}
