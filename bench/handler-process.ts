import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs a bundled handler in its own Node process, like one Lambda execution environment, so
 * `process.cpuUsage()` around an invocation measures the handler alone: the stand-ins, the
 * proxy and the benchmark itself run in the parent process.
 */

/** What one invocation took, measured inside the handler's process. */
export interface InvocationResult {
  readonly result: unknown;
  /** The error's stack when the handler threw. */
  readonly error?: string;
  /** User + system CPU time of the process during the invocation. */
  readonly cpuMicros: number;
  readonly wallMs: number;
  /** Epoch ms at which the handler was called. */
  readonly startedAtMs: number;
}

export interface HandlerProcess {
  /** Milliseconds the bundle's import took (module init). */
  readonly initMs: number;
  invoke(event: unknown): Promise<InvocationResult>;
  /** Bytes the handler wrote to stdout and stderr so far (its CloudWatch Logs volume). */
  readonly logBytes: () => number;
  close(): Promise<void>;
}

const CHILD_SOURCE = `
const [bundleUrl, exportName, functionName] = process.argv.slice(2);
const started = performance.now();
const module = await import(bundleUrl);
const initMs = performance.now() - started;
const handler = module[exportName];
if (typeof handler !== 'function') throw new Error(bundleUrl + ' exports no function ' + exportName);
let sequence = 0;
process.on('message', async ({ id, event, exit }) => {
  if (exit) process.exit(0);
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:' + functionName,
    memoryLimitInMB: '512',
    awsRequestId: 'bench-' + process.pid + '-' + sequence++,
    logGroupName: '/aws/lambda/' + functionName,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60000,
    done() {}, fail() {}, succeed() {},
  };
  const startedAtMs = Date.now();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  let result;
  let error;
  try {
    result = await handler(event, context);
  } catch (thrown) {
    error = String((thrown && thrown.stack) || thrown);
  }
  const wallMs = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  process.send({ id, result, error, cpuMicros: used.user + used.system, wallMs, startedAtMs });
});
process.send({ ready: true, initMs });
`;

/** Starts a process that imports `bundlePath` with exactly `env` and serves invocations. */
export async function startHandlerProcess(
  bundlePath: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly exportName?: string; readonly functionName?: string } = {},
): Promise<HandlerProcess> {
  const folder = await mkdtemp(join(tmpdir(), 'athena-cost-bench-host-'));
  const script = join(folder, 'host.mjs');
  await writeFile(script, CHILD_SOURCE);
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

  const pending = new Map<
    number,
    { resolve: (result: InvocationResult) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  let exited: Error | undefined;
  const initMs = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; initMs?: number; id?: number }) => {
      if (message.ready === true) {
        resolve(message.initMs ?? 0);
        return;
      }
      const waiter = pending.get(message.id ?? -1);
      pending.delete(message.id ?? -1);
      waiter?.resolve(message as unknown as InvocationResult);
    });
    child.on('exit', (code) => {
      exited = new Error(`handler process exited with code ${code}: ${stderrTail}`);
      reject(exited);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
    });
  });

  return {
    initMs,
    logBytes: () => logBytes,
    invoke(event) {
      if (exited !== undefined) return Promise.reject(exited);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, event });
      });
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          // A normal exit, so that --cpu-prof can write its profile.
          child.send({ exit: true });
          setTimeout(() => child.kill('SIGTERM'), 5_000).unref();
        });
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}
