import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type BuildOptions, build } from 'esbuild';

/**
 * Bundles a function the way `sls package` does (serverless-esbuild with serverless.yml's
 * `custom.esbuild`), so local mode runs exactly the code Lambda runs: one self-contained ESM
 * file with the AWS SDK and Powertools inside. Only the target differs: the Node running here.
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVERLESS_YML = join(REPO_ROOT, 'serverless.yml');

/** serverless-esbuild settings that are not esbuild options. */
const PLUGIN_ONLY_KEYS = new Set([
  'outputWorkFolder',
  'outputBuildFolder',
  'outputFileExtension',
  'packager',
  'packagerOptions',
  'packagePath',
  'exclude',
  'concurrency',
  'zipConcurrency',
  'installExtraArgs',
  'nodeExternals',
  'keepOutputDirectory',
  'watch',
  'plugins',
  'config',
  'disableIncremental',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
]);

type YamlValue = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;

/** serverless.yml's `custom.esbuild`, as esbuild options plus the output extension. */
export interface ServerlessEsbuildOptions {
  readonly esbuild: BuildOptions;
  readonly outputFileExtension: string;
  /** Packages serverless-esbuild leaves out of the bundle (`exclude`). */
  readonly exclude: readonly string[];
}

/**
 * Reads `custom.esbuild` from serverless.yml, so local mode cannot drift from what is deployed.
 * Understands the block's simple shape (scalars, lists, one level of maps); throws otherwise.
 */
export async function readServerlessEsbuildOptions(
  path: string = SERVERLESS_YML,
): Promise<ServerlessEsbuildOptions> {
  const block = parseEsbuildBlock(await readFile(path, 'utf8'), path);
  const esbuild: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(block)) {
    if (!PLUGIN_ONLY_KEYS.has(key)) esbuild[key] = value;
  }
  const extension = block.outputFileExtension;
  const exclude = block.exclude;
  return {
    esbuild: esbuild as BuildOptions,
    outputFileExtension: typeof extension === 'string' ? extension : '.js',
    exclude: Array.isArray(exclude) ? (exclude as readonly string[]) : [],
  };
}

/** The esbuild target for the Node running this process, e.g. `node20`. */
export const localNodeTarget = (): string => `node${process.versions.node.split('.')[0]}`;

/**
 * Bundles `entry` (a path from the repository root, or absolute) with serverless.yml's options
 * into a new temporary folder and returns the bundle's path. Remove it with
 * {@link removeBundle}.
 */
export async function bundleHandler(entry: string): Promise<string> {
  const options = await readServerlessEsbuildOptions();
  const entryPath = resolve(REPO_ROOT, entry);
  const folder = await mkdtemp(join(tmpdir(), 'athena-cost-bundle-'));
  const outfile = join(
    folder,
    `${basename(entryPath, extname(entryPath))}${options.outputFileExtension}`,
  );
  if (options.esbuild.format === 'esm' && options.outputFileExtension === '.js') {
    await writeFile(join(folder, 'package.json'), '{ "type": "module" }\n');
  }
  try {
    await build({
      ...options.esbuild,
      // serverless-esbuild marks `exclude` as external; the rest is esbuild's own.
      external: [...(options.esbuild.external ?? []), ...options.exclude],
      target: localNodeTarget(),
      entryPoints: [entryPath],
      outfile,
      absWorkingDir: REPO_ROOT,
      logLevel: 'silent',
      write: true,
    });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw new Error(`could not bundle ${entry}: ${(error as Error).message}`, { cause: error });
  }
  return outfile;
}

/** Deletes the temporary folder {@link bundleHandler} made. */
export async function removeBundle(bundlePath: string): Promise<void> {
  const folder = dirname(bundlePath);
  if (basename(folder).startsWith('athena-cost-bundle-')) {
    await rm(folder, { recursive: true, force: true });
  }
}

function parseEsbuildBlock(text: string, path: string): Record<string, YamlValue> {
  const lines = text.split(/\r?\n/);
  const customAt = lines.findIndex((line) => /^custom:\s*(#.*)?$/.test(line));
  const fail = (why: string): never => {
    throw new Error(`${path}: cannot read custom.esbuild: ${why}`);
  };
  if (customAt === -1) fail('no top-level `custom:`');
  let start = -1;
  for (let index = customAt + 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (/^\S/.test(line)) break;
    if (/^ {2}esbuild:\s*(#.*)?$/.test(line)) {
      start = index + 1;
      break;
    }
  }
  if (start === -1) fail('no `esbuild:` under `custom:`');

  const result: Record<string, YamlValue> = {};
  let currentKey: string | undefined;
  for (let index = start; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (indent <= 2) break;
    const content = line.trim();
    if (indent === 4) {
      const match = /^([A-Za-z][\w-]*):(?:\s+(.*))?$/.exec(content);
      if (!match?.[1]) fail(`unexpected line ${index + 1}: ${content}`);
      const key = match?.[1] ?? '';
      const raw = stripComment(match?.[2] ?? '');
      currentKey = raw === '' ? key : undefined;
      if (raw !== '') result[key] = scalar(raw);
      continue;
    }
    if (currentKey === undefined) fail(`unexpected nesting at line ${index + 1}`);
    const key = currentKey ?? '';
    const item = /^-\s+(.*)$/.exec(content);
    if (item) {
      const existing = result[key];
      const list = Array.isArray(existing) ? [...(existing as string[])] : [];
      list.push(String(scalar(stripComment(item[1] ?? ''))));
      result[key] = list;
      continue;
    }
    const entry = /^([A-Za-z][\w-]*):\s+(.*)$/.exec(content);
    if (!entry?.[1]) fail(`unexpected line ${index + 1}: ${content}`);
    const existing = result[key];
    const map =
      typeof existing === 'object' && !Array.isArray(existing)
        ? { ...(existing as Record<string, string>) }
        : {};
    map[entry?.[1] ?? ''] = String(scalar(stripComment(entry?.[2] ?? '')));
    result[key] = map;
  }
  return result;
}

/** Drops a trailing ` # comment` outside quotes. */
function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index];
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (index === 0 || raw[index - 1] === ' ')) {
      return raw.slice(0, index).trim();
    }
  }
  return raw.trim();
}

function scalar(raw: string): string | number | boolean {
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replaceAll("''", "'");
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

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

/**
 * The worker's code (CommonJS, evaluated): imports the bundle with Node's own loader, then runs
 * one invocation per message. Kept as a string so no test runner or TS loader touches it.
 */
const SANDBOX_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const noop = () => undefined;
// The function's clock follows the simulation: each invocation sets how far it is from real time.
const RealDate = Date;
let clockOffsetMs = 0;
globalThis.Date = class SimulatedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + clockOffsetMs);
    else super(...args);
  }
  static now() {
    return RealDate.now() + clockOffsetMs;
  }
};
import(workerData.url).then(
  (module) => {
    const handler = module[workerData.exportName];
    if (typeof handler !== 'function') {
      parentPort.postMessage({ type: 'load-error', error: workerData.url + ' does not export a function ' + workerData.exportName });
      return;
    }
    parentPort.on('message', async ({ id, event, context }) => {
      const lambdaContext = {
        ...context,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, context.deadlineMs - RealDate.now()),
        done: noop,
        fail: noop,
        succeed: noop,
      };
      delete lambdaContext.deadlineMs;
      delete lambdaContext.clockMs;
      clockOffsetMs = context.clockMs === undefined ? 0 : context.clockMs - RealDate.now();
      try {
        const result = await handler(event, lambdaContext);
        parentPort.postMessage({ type: 'result', id, result });
      } catch (error) {
        parentPort.postMessage({ type: 'error', id, error: error instanceof Error ? (error.stack || error.message) : String(error) });
      }
    });
    parentPort.postMessage({ type: 'ready' });
  },
  (error) => parentPort.postMessage({ type: 'load-error', error: String((error && error.stack) || error) }),
);
`;

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
): Promise<HandlerSandbox> {
  const worker = new Worker(SANDBOX_SOURCE, {
    eval: true,
    execArgv: [],
    env: { ...env },
    workerData: { url: pathToFileURL(bundlePath).href, exportName },
  });
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

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
        case 'error': {
          const waiter = pending.get(message.id);
          pending.delete(message.id);
          if (message.type === 'result') waiter?.resolve(message.result);
          else waiter?.reject(new Error(message.error));
          return;
        }
      }
    });
    worker.on('error', (error) => {
      rejectReady(error);
      failAll(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the handler's worker exited with code ${code}`);
      rejectReady(error);
      failAll(error);
    });
  });

  return {
    invoke: (event, context) => {
      if (failure !== undefined) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolveResult, rejectResult) => {
        pending.set(id, { resolve: resolveResult, reject: rejectResult });
        worker.postMessage({ id, event, context });
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
