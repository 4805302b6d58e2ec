import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PendingReplies } from './pending-replies.js';

/**
 * Runs a bundled function in a worker thread, as a Lambda execution environment runs it: its own
 * module state, its own environment, and a clock that follows the simulation.
 */

/**
 * The worker: plain JavaScript loaded by Node itself, so no test runner or TS loader touches the
 * bundle it imports.
 */
const WORKER_FILE = new URL('./handler-sandbox-worker.mjs', import.meta.url);

/** The invocation context as plain data; the sandbox rebuilds the Lambda `Context` from it. */
export interface InvocationContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch ms after which `getRemainingTimeInMillis()` reads 0. */
  readonly deadlineMs: number;
  /**
   * The simulated time of the invocation: the function's clock (`Date`) reads it, moving on in
   * real time from there, so budgets evaluate the simulated day's period.
   */
  readonly clockMs?: number;
}

/** A loaded bundle, running in its own thread like a Lambda execution environment. */
export interface HandlerSandbox {
  /** Calls the exported handler; rejects with the error it threw. */
  invoke(event: unknown, context: InvocationContext): Promise<unknown>;
  close(): Promise<void>;
}

type SandboxMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'load-error'; readonly error: string }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: string };

/**
 * Loads a bundle in a worker thread with exactly `env` as its environment (the function reads
 * its configuration when loaded) and no inherited Node flags or loaders: the code runs as Lambda
 * runs it, untransformed, and every sandbox gets a fresh copy of its module state.
 */
export async function loadHandlerSandbox(
  bundlePath: string,
  env: Readonly<Record<string, string | undefined>>,
  exportName = 'handler',
  onOutput?: (text: string) => void,
): Promise<HandlerSandbox> {
  const worker = new Worker(WORKER_FILE, {
    execArgv: [],
    env: { ...env },
    workerData: { url: pathToFileURL(bundlePath).href, exportName },
    // What the function logs goes to `onOutput` (local mode keeps it off its progress line);
    // without one, to this process's own stdout and stderr.
    stdout: onOutput !== undefined,
    stderr: onOutput !== undefined,
  });
  if (onOutput !== undefined) {
    worker.stdout.setEncoding('utf8').on('data', onOutput);
    worker.stderr.setEncoding('utf8').on('data', onOutput);
  }
  const pending = new PendingReplies<unknown>();

  await new Promise<void>((resolveReady, rejectReady) => {
    worker.on('message', (message: SandboxMessage) => {
      switch (message.type) {
        case 'ready':
          resolveReady();
          return;
        case 'load-error':
          rejectReady(new Error(`could not load ${bundlePath}: ${message.error}`));
          return;
        case 'result':
          pending.resolve(message.id, message.result);
          return;
        case 'error':
          pending.reject(message.id, new Error(message.error));
          return;
      }
    });
    worker.on('error', (error) => {
      rejectReady(error);
      pending.failAll(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the handler's worker exited with code ${code}`);
      rejectReady(error);
      pending.failAll(error);
    });
  });

  return {
    invoke: (event, context) => pending.call((id) => worker.postMessage({ id, event, context })),
    close: async () => {
      await worker.terminate();
    },
  };
}
