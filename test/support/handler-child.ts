import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A bundled handler running in a Node process of its own, which a test can kill mid-invocation. */
export interface HandlerChild {
  /** Invokes the handler; rejects if the process dies first. */
  invoke(event: unknown): Promise<unknown>;
  /** SIGKILL, as Lambda ends an environment at a timeout or out of memory. */
  kill(): void;
  close(): Promise<void>;
}

const CHILD_SOURCE = `
const module = await import(process.argv[2]);
process.on('message', async ({ event }) => {
  const context = { functionName: 'child', awsRequestId: 'child-' + Date.now(), getRemainingTimeInMillis: () => 60000 };
  try {
    process.send({ result: await module.handler(event, context) });
  } catch (error) {
    process.send({ error: String(error && error.stack || error) });
  }
});
process.send({ ready: true });
`;

/** Starts `bundlePath` (see bundleHandler) in a child process with `env` added to this one's. */
export async function startHandlerChild(
  bundlePath: string,
  env: Record<string, string>,
): Promise<HandlerChild> {
  const folder = await mkdtemp(join(tmpdir(), 'athena-cost-child-'));
  const script = join(folder, 'child.mjs');
  await writeFile(script, CHILD_SOURCE);
  const child: ChildProcess = fork(script, [pathToFileURL(bundlePath).href], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`handler child exited with ${code}`)));
  });
  return {
    invoke: (event) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null, signal: string | null) =>
          reject(new Error(`handler child died (${signal ?? code})`));
        child.once('exit', onExit);
        child.once('message', (message: { result?: unknown; error?: string }) => {
          child.off('exit', onExit);
          if (message.error !== undefined) reject(new Error(message.error));
          else resolve(message.result);
        });
        child.send({ event });
      }),
    kill: () => child.kill('SIGKILL'),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await rm(folder, { recursive: true, force: true });
    },
  };
}
