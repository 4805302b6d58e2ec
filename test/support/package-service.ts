import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const slsBin = join(repoRoot, 'node_modules', 'osls', 'bin', 'serverless.js');
export const PACKAGE_TIMEOUT_MS = 180_000;

/** What `sls package` wrote: the template and the functions' zips in `packageDir`. */
export interface PackagedService {
  readonly packageDir: string;
  readonly template: unknown;
  remove(): Promise<void>;
}

/** The environment minus every AWS_* variable, plus settings that keep any profile unread. */
function credentialFreeEnv(home: string, esbuildWorkFolder: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    USERPROFILE: home,
    AWS_SDK_LOAD_CONFIG: '0',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // esbuild.config.cjs reads this, so this run's esbuild work folder is its own.
    ESBUILD_WORK_FOLDER: esbuildWorkFolder,
    CI: 'true',
  };
}

/**
 * Packages the service with osls exactly as CI and a deploy would (esbuild bundles included),
 * with no AWS credentials or profile in reach.
 */
export async function packageService(stage: string): Promise<PackagedService> {
  const workDir = await mkdtemp(join(tmpdir(), 'athena-cost-sls-'));
  const packageDir = join(workDir, 'package');
  const home = join(workDir, 'home');
  // serverless-esbuild joins this folder to the service directory, so it must be relative.
  const esbuildWorkFolder = relative(repoRoot, join(workDir, 'esbuild'));
  const remove = () => rm(workDir, { recursive: true, force: true });
  try {
    await execFileAsync(
      process.execPath,
      [slsBin, 'package', '--stage', stage, '--package', packageDir],
      {
        cwd: repoRoot,
        env: credentialFreeEnv(home, esbuildWorkFolder),
        timeout: PACKAGE_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    await remove();
    const failure = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `sls package failed: ${failure.message}\n--- stdout\n${failure.stdout ?? ''}\n--- stderr\n${failure.stderr ?? ''}`,
    );
  }
  const template: unknown = JSON.parse(
    await readFile(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  return { packageDir, template, remove };
}
