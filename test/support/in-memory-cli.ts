import { type CliIo, runCli } from '../../cli/main.js';

/** The fixed clock of in-memory CLI runs, unless a test passes its own `now`. */
export const CLI_NOW = new Date('2026-11-25T12:00:00Z');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in this process with its output captured: no child process, and with the default
 * empty environment no table, endpoint or credentials, so a command line that fails before any
 * AWS call (help, usage errors) is all it can exercise unless a test passes `env`.
 */
export async function runCliInMemory(
  args: readonly string[],
  overrides: Partial<CliIo> = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: process.cwd(),
    now: () => CLI_NOW,
    ...overrides,
  });
  return { code, stdout, stderr };
}
