import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_SPEED, resolveLocalModeOptions, runLocalMode } from './mode/run-local-mode.js';

/** `npm start`: the whole product on this machine, no AWS account. See --help. */

const HELP = `Usage: npm start -- [options]

Runs athena-cost locally: DynamoDB Local, stand-ins for Athena, CloudWatch and SNS, and the
ingest function bundled exactly as it is deployed. A simulated day of an Athena account is
played through EventBridge → SQS → Lambda (with duplicate, late and redelivered messages), then
the usage counters in DynamoDB are checked against the ground truth.

Options:
  --queries N      queries in the simulated day (default 3000)
  --workgroups N   workgroups, at least 2: capacity-reservation ones plus "adhoc" on demand
                   (default 4)
  --seed N         same seed, same account and same totals (default 42)
  --speed N        simulated seconds per real second; only paces the run, never changes its
                   outcome (default ${DEFAULT_SPEED}: the day in about 12 s)
  --batch-size N   SQS batch size of the function's event source mapping (default 100)
  --data DIR       keep DynamoDB Local's database in DIR instead of in memory
  --day YYYY-MM-DD UTC day to simulate (default today)
  --log-level L    the function's log level: DEBUG, INFO, WARN, ERROR, SILENT (default ERROR)
  --no-budgets     skip the sample budgets (one workgroup throttled then disabled, one capped)
  --enforce-workgroup-config
                   the sample capacity budget's throttle also turns on the workgroup's
                   EnforceWorkGroupConfiguration: the client passing its own max-dpu-count
                   no longer bypasses it
  --throttle RATE  share (0-1) of Athena and CloudWatch calls answered with throttling
  --latency MS     latency added to every Athena and CloudWatch call
  -h, --help       show this help

Exit code: 0 when every counter matches, 1 when not, 2 on bad options, 130 when interrupted.
Needs Java 17 for DynamoDB Local.`;

function parseCommandLine(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      queries: { type: 'string' },
      workgroups: { type: 'string' },
      seed: { type: 'string' },
      speed: { type: 'string' },
      'batch-size': { type: 'string' },
      data: { type: 'string' },
      day: { type: 'string' },
      'log-level': { type: 'string' },
      'no-budgets': { type: 'boolean' },
      'enforce-workgroup-config': { type: 'boolean' },
      throttle: { type: 'string' },
      latency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument ${positionals[0]}`);
  }
  return values;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let values: ReturnType<typeof parseCommandLine>;
  try {
    values = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const options = {
    queries: values.queries,
    workgroups: values.workgroups,
    seed: values.seed,
    speed: values.speed,
    batchSize: values['batch-size'],
    dataDirectory: values.data,
    day: values.day,
    logLevel: values['log-level'],
    sampleBudgets: !values['no-budgets'],
    enforceWorkgroupConfig: values['enforce-workgroup-config'] === true,
    throttleRate: values.throttle,
    latencyMs: values.latency,
  };
  let resolved: ReturnType<typeof resolveLocalModeOptions>;
  try {
    resolved = resolveLocalModeOptions(options);
  } catch (error) {
    if (error instanceof z.ZodError) {
      for (const issue of error.issues) process.stderr.write(`error: ${issue.message}\n`);
      process.stderr.write('Run `npm start -- --help` for the options.\n');
      return 2;
    }
    throw error;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\nforced exit\n');
      process.exit(130);
    }
    process.stderr.write(`\n${name}: shutting down (again to force)…\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const summary = await runLocalMode({ ...resolved, signal: controller.signal });
    return summary.matches ? 0 : 1;
  } catch (error) {
    if (controller.signal.aborted) {
      process.stderr.write('interrupted; everything was shut down\n');
      return 130;
    }
    process.stderr.write(
      `\nerror: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

const code = await main();
process.exitCode = code;
// Anything left open (keep-alive sockets of the function's clients) must not hold the exit.
setTimeout(() => process.exit(code), 2_000).unref();
