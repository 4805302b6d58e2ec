#!/usr/bin/env node
// Runs the CLI from its TypeScript sources: tsx's ESM hooks compile them on the fly (and cache
// the result), so `npx athena-cost` works right after `npm ci`, without a build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project supports Node 20 (package.json engines); keep the SDK's Node 22 notice off the
// CLI's stderr unless the user asks for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
process.stdout.on('error', (error) => {
  // `athena-cost report | head`: the reader has gone; stop quietly.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const args = process.argv.slice(2);
if (args[0] === '--local' || args[0]?.startsWith('--local=')) {
  // `--local DIR`: the account `npm start -- --data DIR` left, served by local stand-ins for as
  // long as the command runs. local/ may import cli/, never the other way round.
  const { localArgs, runCliOnSavedAccount } = await import('../local/mode/cli-on-saved-account.ts');
  const { dir, rest } = localArgs(args);
  const code = await runCliOnSavedAccount(dir, rest);
  process.exitCode = code;
  // A keep-alive socket of a stopped stand-in must not hold the exit.
  setTimeout(() => process.exit(code), 2_000).unref();
} else {
  const { runCli } = await import('../cli/main.ts');
  process.exitCode = await runCli(args);
}
