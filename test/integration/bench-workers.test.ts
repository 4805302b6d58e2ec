import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureColdStart } from '../../bench/bundles.js';
import { startHandlerProcess } from '../../bench/handler-process.js';

/** The bench's worker scripts (bench/workers/), built and run in processes of their own. */

const BUNDLE = `
export const handler = async (event, context) => {
  if (event.fail) throw new Error('handler failed');
  return { event, functionName: context.functionName, secret: process.env.ONLY_THIS };
};
`;

let folder = '';
let bundlePath = '';

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'athena-cost-bench-workers-test-'));
  bundlePath = join(folder, 'bundle.mjs');
  await writeFile(bundlePath, BUNDLE);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('the bench workers', () => {
  it('runs a bundle in its own process with exactly the given environment, error by error', async () => {
    // Prepare
    const host = await startHandlerProcess(
      bundlePath,
      { ONLY_THIS: 'yes' },
      { functionName: 'bench-fn' },
    );

    // Act
    const ok = await host.invoke({ n: 1 });
    const failed = await host.invoke({ fail: true });
    await host.close();

    // Assess
    expect(ok.result).toEqual({ event: { n: 1 }, functionName: 'bench-fn', secret: 'yes' });
    expect(ok.error).toBeUndefined();
    expect(ok.cpuMicros).toBeGreaterThan(0);
    expect(failed.result).toBeUndefined();
    expect(failed.error).toMatch(/^Error: handler failed/);
  });

  it('measures the cold start of a bundle in fresh processes', async () => {
    // Act
    const coldStart = await measureColdStart(bundlePath, {}, 2);

    // Assess
    expect(coldStart.runsMs).toHaveLength(2);
    expect(coldStart.medianInitMs).toBeGreaterThan(0);
    expect(coldStart.medianProcessMs).toBeGreaterThan(coldStart.medianInitMs);
  });
});
