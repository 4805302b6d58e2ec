/**
 * One cold start, for `measureColdStart` in bench/bundles.ts: imports the bundle named by the
 * first argument and prints how long the import (the function's module init) took, as JSON.
 * Built to plain JavaScript before it runs (see `buildWorker`).
 */

/** What the script prints. */
export interface ColdStartOutput {
  readonly initMs: number;
}

const [bundleUrl = ''] = process.argv.slice(2);
const started = performance.now();
await import(bundleUrl);
const output: ColdStartOutput = { initMs: performance.now() - started };
process.stdout.write(JSON.stringify(output));
process.exit(0);
