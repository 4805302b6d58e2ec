// @ts-check
/**
 * The esbuild options of every function, in one place: serverless.yml's `custom.esbuild.config`
 * points serverless-esbuild here for `sls package`, and local mode, the tests and the benchmark
 * bundle with the same options (local/environment/bundle-handler.ts), so none can drift from
 * what is deployed. CommonJS because serverless-esbuild `require`s it and calls the export.
 */

/** @type {import('esbuild').BuildOptions} */
const esbuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  // Prefer the ESM builds of dependencies (AWS SDK v3, Powertools) so they tree-shake.
  mainFields: ['module', 'main'],
  // CommonJS code inside an ESM bundle may still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __athenaCostCreateRequire } from 'node:module'; const require = __athenaCostCreateRequire(import.meta.url);",
  },
  // The AWS SDK v3 is bundled (pinned and tree-shaken), never taken from the runtime.
};

/** serverless-esbuild's own settings, which are not esbuild options. */
const pluginOptions = {
  outputFileExtension: '.mjs',
  // Set ESBUILD_WORK_FOLDER (relative, e.g. .esbuild/run-1) so parallel packages don't collide.
  outputWorkFolder: process.env.ESBUILD_WORK_FOLDER || '.esbuild',
};

/** What serverless-esbuild calls (with the Serverless instance, unused here). */
module.exports = () => ({ ...esbuildOptions, ...pluginOptions });
module.exports.esbuildOptions = esbuildOptions;
module.exports.pluginOptions = pluginOptions;
