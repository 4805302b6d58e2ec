import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

/**
 * Bundles a function the way `sls package` does (serverless-esbuild with esbuild.config.cjs), so
 * local mode runs exactly the code Lambda runs: one self-contained ESM file with the AWS SDK and
 * Powertools inside. Only the target differs: the Node running here.
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** esbuild.config.cjs, which serverless.yml's `custom.esbuild.config` names. */
export const ESBUILD_CONFIG = join(REPO_ROOT, 'esbuild.config.cjs');

/** The esbuild options of the deployed functions, plus serverless-esbuild's output extension. */
export interface ServerlessEsbuildOptions {
  readonly esbuild: BuildOptions;
  readonly outputFileExtension: string;
}

interface EsbuildConfigModule {
  readonly esbuildOptions: BuildOptions;
  readonly pluginOptions: { readonly outputFileExtension: string };
}

/**
 * Reads esbuild.config.cjs, the file `sls package` bundles with, so local mode, the tests and
 * the bench cannot drift from what is deployed.
 */
export function readServerlessEsbuildOptions(
  path: string = ESBUILD_CONFIG,
): ServerlessEsbuildOptions {
  const config = createRequire(import.meta.url)(path) as EsbuildConfigModule;
  return {
    esbuild: config.esbuildOptions,
    outputFileExtension: config.pluginOptions.outputFileExtension,
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
  const options = readServerlessEsbuildOptions();
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
