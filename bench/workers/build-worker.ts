import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { localNodeTarget } from '../../local/environment/bundle-handler.js';

/** The scripts of bench/workers/ that the bench runs in processes of their own. */
export type WorkerName = 'handler-host' | 'cold-start';

/**
 * Builds `bench/workers/<name>.ts` to `<folder>/<name>.mjs` for plain `node` to run: the worker
 * is a real TypeScript file (type-checked and linted with the rest), and the process that runs
 * it has no TS loader and no flags besides the bench's own.
 */
export async function buildWorker(name: WorkerName, folder: string): Promise<string> {
  const outfile = join(folder, `${name}.mjs`);
  await build({
    entryPoints: [fileURLToPath(new URL(`./${name}.ts`, import.meta.url))],
    outfile,
    format: 'esm',
    platform: 'node',
    target: localNodeTarget(),
    logLevel: 'silent',
  });
  return outfile;
}
