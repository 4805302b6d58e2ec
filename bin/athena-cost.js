#!/usr/bin/env node
// Runs the CLI from its TypeScript sources: tsx's ESM hooks compile them on the fly (and cache
// the result), so `npx athena-cost` works right after `npm ci`, without a build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project supports Node 20 (package.json engines); keep the SDK's Node 22 notice off the
// CLI's stderr unless the user asks for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { runCli } = await import('../cli/main.ts');
process.stdout.on('error', (error) => {
  // `athena-cost report | head`: the reader has gone; stop quietly.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await runCli(process.argv.slice(2));
