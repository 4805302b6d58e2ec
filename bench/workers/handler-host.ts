/**
 * The handler's process of bench/handler-process.ts: imports a bundled function with Node's own
 * loader and runs one invocation per message from the parent, measuring each from inside, as a
 * Lambda execution environment would run it. Built to plain JavaScript before it runs (see
 * `buildWorker`), so no TS loader touches the bundle or the measurements.
 */
import type { Context } from 'aws-lambda';

/** What the parent sends: an invocation, or the request to exit (so --cpu-prof can write). */
export type HostRequest =
  | { readonly id: number; readonly event: unknown; readonly exit?: undefined }
  | { readonly exit: true };

/** What one invocation took, measured inside the handler's process. */
export interface InvocationReply {
  readonly id: number;
  readonly result: unknown;
  /** The error's stack when the handler threw. */
  readonly error: string | undefined;
  /** User + system CPU time of the process during the invocation. */
  readonly cpuMicros: number;
  readonly wallMs: number;
  /** Epoch ms at which the handler was called. */
  readonly startedAtMs: number;
}

/** What the host sends back: ready once the bundle is imported, then one reply per invocation. */
export type HostReply =
  | { readonly ready: true; readonly initMs: number; readonly id?: undefined }
  | (InvocationReply & { readonly ready?: undefined });

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const reply = (message: HostReply) => process.send?.(message);

const [bundleUrl = '', exportName = 'handler', functionName = 'athena-cost-bench'] =
  process.argv.slice(2);
const started = performance.now();
const module = (await import(bundleUrl)) as Record<string, unknown>;
const initMs = performance.now() - started;
const handler = module[exportName];
if (typeof handler !== 'function')
  throw new Error(`${bundleUrl} exports no function ${exportName}`);

const noop = () => undefined;
let sequence = 0;

process.on('message', async (request: HostRequest) => {
  if (request.exit) process.exit(0);
  const context: Context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `bench-${process.pid}-${sequence++}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: noop,
    fail: noop,
    succeed: noop,
  };
  const startedAtMs = Date.now();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  let result: unknown;
  let error: string | undefined;
  try {
    result = await (handler as Handler)(request.event, context);
  } catch (thrown) {
    error = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
  }
  const wallMs = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  reply({
    id: request.id,
    result,
    error,
    cpuMicros: used.user + used.system,
    wallMs,
    startedAtMs,
  });
});
reply({ ready: true, initMs });
