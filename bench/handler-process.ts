import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PendingReplies } from '../local/environment/pending-replies.js';
import { buildWorker } from './workers/build-worker.js';
import type { HostReply, HostRequest, InvocationReply } from './workers/handler-host.js';

/**
 * Runs a bundled handler in its own Node process, like one Lambda execution environment, so
 * `process.cpuUsage()` around an invocation measures the handler alone: the stand-ins, the
 * proxy and the benchmark itself run in the parent process.
 */

/** What one invocation took, measured inside the handler's process. */
export type InvocationResult = Omit<InvocationReply, 'id'>;

export interface HandlerProcess {
  /** Milliseconds the bundle's import took (module init). */
  readonly initMs: number;
  invoke(event: unknown): Promise<InvocationResult>;
  /** Bytes the handler wrote to stdout and stderr so far (its CloudWatch Logs volume). */
  readonly logBytes: () => number;
  close(): Promise<void>;
}

/** Starts a process that imports `bundlePath` with exactly `env` and serves invocations. */
export async function startHandlerProcess(
  bundlePath: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly exportName?: string; readonly functionName?: string } = {},
): Promise<HandlerProcess> {
  const folder = await mkdtemp(join(tmpdir(), 'athena-cost-bench-host-'));
  const script = await buildWorker('handler-host', folder);
  const child: ChildProcess = fork(
    script,
    [
      pathToFileURL(bundlePath).href,
      options.exportName ?? 'handler',
      options.functionName ?? 'athena-cost-bench',
    ],
    {
      // BENCH_CPU_PROF=<folder> writes a V8 CPU profile of the handler's process there.
      execArgv: process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [],
      env: { ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    },
  );
  let logBytes = 0;
  let stderrTail = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    logBytes += chunk.length;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    logBytes += chunk.length;
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });

  const pending = new PendingReplies<InvocationResult>();
  const initMs = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: HostReply) => {
      if (message.ready) {
        resolve(message.initMs);
        return;
      }
      const { id, ...result } = message;
      pending.resolve(id, result);
    });
    child.on('exit', (code) => {
      const exited = new Error(`handler process exited with code ${code}: ${stderrTail}`);
      reject(exited);
      pending.failAll(exited);
    });
  });

  return {
    initMs,
    logBytes: () => logBytes,
    invoke: (event) => pending.call((id) => child.send({ id, event } satisfies HostRequest)),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          // A normal exit, so that --cpu-prof can write its profile.
          child.send({ exit: true } satisfies HostRequest);
          setTimeout(() => child.kill('SIGTERM'), 5_000).unref();
        });
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}
