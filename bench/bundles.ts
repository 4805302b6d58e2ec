import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  localNodeTarget,
  REPO_ROOT,
  readServerlessEsbuildOptions,
} from '../local/environment/bundle-handler.js';
import { median } from './figures.js';
import { buildWorker } from './workers/build-worker.js';
import type { ColdStartOutput } from './workers/cold-start.js';
import { zipArchive } from './zip.js';

/** A function bundled with serverless.yml's esbuild options. */
export interface BundledFunction {
  readonly name: string;
  readonly entry: string;
  /** Bundle as deployed (serverless.yml's target), for its size. */
  readonly deployedPath: string;
  /** Same options, but targeting the Node running here, to be run by the benchmark. */
  readonly runnablePath: string;
  readonly mjsBytes: number;
  readonly mapBytes: number;
  /** The .mjs alone zipped (deflate level 6, as `sls package`); the deployed zip is measured on `sls package`'s own output (package-zips.ts). */
  readonly zippedMjsBytes: number;
}

export interface Bundles {
  readonly folder: string;
  readonly functions: readonly BundledFunction[];
  /** Entries that did not bundle, with why (another change in progress, say). */
  readonly failures: readonly { readonly entry: string; readonly reason: string }[];
  close(): Promise<void>;
}

/** Bundles each entry twice (deployed target, local target) and measures the deployed one. */
export async function bundleFunctions(entries: readonly string[]): Promise<Bundles> {
  const options = readServerlessEsbuildOptions();
  const folder = await mkdtemp(join(tmpdir(), 'athena-cost-bench-bundles-'));
  const functions: BundledFunction[] = [];
  const failures: { entry: string; reason: string }[] = [];
  for (const entry of entries) {
    const name = basename(entry, extname(entry));
    const outfile = (kind: string) =>
      join(folder, kind, name, `${name}${options.outputFileExtension}`);
    const common = {
      ...options.esbuild,
      entryPoints: [resolve(REPO_ROOT, entry)],
      absWorkingDir: REPO_ROOT,
      logLevel: 'silent' as const,
      write: true,
    };
    try {
      await build({ ...common, outfile: outfile('deployed') });
      await build({ ...common, target: localNodeTarget(), outfile: outfile('runnable') });
    } catch (error) {
      failures.push({ entry, reason: (error as Error).message.split('\n')[0] ?? 'build failed' });
      continue;
    }
    const deployedPath = outfile('deployed');
    const mjs = await readFile(deployedPath);
    const map = await readFile(`${deployedPath}.map`).catch(() => Buffer.alloc(0));
    const mjsName = basename(deployedPath);
    functions.push({
      name,
      entry,
      deployedPath,
      runnablePath: outfile('runnable'),
      mjsBytes: mjs.length,
      mapBytes: map.length,
      zippedMjsBytes: zipArchive([{ name: mjsName, data: mjs }]).length,
    });
  }
  return {
    folder,
    functions,
    failures,
    close: () => rm(folder, { recursive: true, force: true }),
  };
}

/** Module init of a bundle in fresh Node processes. */
export interface ColdStart {
  /** Median over the runs of the time `import()` of the bundle took, in ms. */
  readonly medianInitMs: number;
  readonly runsMs: readonly number[];
  /** Median time from spawning `node` to its exit, for scale (Node's own start included). */
  readonly medianProcessMs: number;
}

/**
 * Imports the bundle in `runs` fresh `node` processes with `env` (which should carry Lambda's
 * NODE_OPTIONS from serverless.yml) and returns the median module init time.
 */
export async function measureColdStart(
  bundlePath: string,
  env: Readonly<Record<string, string | undefined>>,
  runs: number,
): Promise<ColdStart> {
  const inits: number[] = [];
  const processes: number[] = [];
  const folder = await mkdtemp(join(tmpdir(), 'athena-cost-bench-cold-start-'));
  try {
    const script = await buildWorker('cold-start', folder);
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const output = await runNode([script, pathToFileURL(bundlePath).href], env);
      processes.push(performance.now() - started);
      inits.push((JSON.parse(output) as ColdStartOutput).initMs);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return {
    medianInitMs: median(inits),
    runsMs: inits,
    medianProcessMs: median(processes),
  };
}

function runNode(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`node exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}
