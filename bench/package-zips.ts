import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../local/environment/bundle-handler.js';

const execFileAsync = promisify(execFile);

/** `sls package` bundles every function with esbuild: minutes on a loaded machine at worst. */
const PACKAGE_TIMEOUT_MS = 300_000;

export interface PackagedZips {
  /** The size of each function's zip, by function name (`ingest`, `restore`, ...). */
  readonly bytes: ReadonlyMap<string, number>;
  /** Why packaging failed, when it did. */
  readonly failure?: string | undefined;
}

/**
 * Runs what `npm run package` runs (`sls package`, offline, no credentials) into a folder of its
 * own and measures the zips it writes: the deployed artifact, source map included, not an
 * estimate of it.
 */
export async function measurePackagedZips(): Promise<PackagedZips> {
  const workDir = await mkdtemp(join(tmpdir(), 'athena-cost-bench-package-'));
  const packageDir = join(workDir, 'package');
  try {
    await execFileAsync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'),
        'package',
        '--package',
        packageDir,
      ],
      {
        cwd: REPO_ROOT,
        env: offlineEnv(workDir),
        timeout: PACKAGE_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const bytes = new Map<string, number>();
    for (const file of await readdir(packageDir)) {
      if (file.endsWith('.zip')) {
        bytes.set(file.slice(0, -'.zip'.length), (await stat(join(packageDir, file))).size);
      }
    }
    return { bytes };
  } catch (error) {
    return { bytes: new Map(), failure: (error as Error).message.split('\n')[0] ?? 'failed' };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** No AWS profile, credentials or metadata service can be read; esbuild works in its own folder. */
function offlineEnv(workDir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')),
  );
  const home = join(workDir, 'home');
  return {
    ...env,
    HOME: home,
    AWS_SDK_LOAD_CONFIG: '0',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // serverless-esbuild joins this to the service folder, so it must be relative.
    ESBUILD_WORK_FOLDER: relative(REPO_ROOT, join(workDir, 'esbuild')),
    CI: 'true',
  };
}
