import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_SPEED,
  type LocalModeSettings,
  resolveLocalModeOptions,
} from './mode/options.js';
import { runLocalMode } from './mode/run-local-mode.js';

/** `npm start`: the whole product on this machine, no AWS account. See --help. */

const PROGRAM = 'npm start';
const EXIT_USAGE = 2;
const HELP_COLUMN = 18;

/** One declaration per flag: parsing, the option it sets and its help line derive from it. */
interface Flag {
  readonly name: string;
  /** The option of local mode it sets. */
  readonly option: keyof LocalModeSettings;
  /** The placeholder of its value; a flag without one is a switch. */
  readonly value?: string;
  /** A switch that turns its option off instead of on. */
  readonly turnsOff?: true;
  readonly help: readonly string[];
}

const FLAGS: readonly Flag[] = [
  {
    name: 'queries',
    option: 'queries',
    value: 'N',
    help: ['queries in the simulated day (default 3000)'],
  },
  {
    name: 'workgroups',
    option: 'workgroups',
    value: 'N',
    help: [
      'workgroups, at least 2: capacity-reservation ones plus "adhoc" on demand',
      '(default 4)',
    ],
  },
  {
    name: 'seed',
    option: 'seed',
    value: 'N',
    help: ['same seed, same account and same totals (default 42)'],
  },
  {
    name: 'speed',
    option: 'speed',
    value: 'N',
    help: [
      'simulated seconds per real second; only paces the run, never changes its',
      `outcome (default ${DEFAULT_SPEED}: the day in about 12 s)`,
    ],
  },
  {
    name: 'batch-size',
    option: 'batchSize',
    value: 'N',
    help: [`SQS batch size of the function's event source mapping (default ${DEFAULT_BATCH_SIZE})`],
  },
  {
    name: 'data',
    option: 'dataDirectory',
    value: 'DIR',
    help: [
      'keep the account in DIR instead of in memory (a second run on DIR starts',
      "clean); then 'npx athena-cost --local DIR <command>' runs the CLI on it",
    ],
  },
  {
    name: 'day',
    option: 'day',
    value: 'YYYY-MM-DD',
    help: ['UTC day to simulate (default yesterday, a complete day)'],
  },
  {
    name: 'log-level',
    option: 'logLevel',
    value: 'L',
    help: ["the function's log level: DEBUG, INFO, WARN, ERROR, SILENT (default ERROR)"],
  },
  {
    name: 'no-budgets',
    option: 'sampleBudgets',
    turnsOff: true,
    help: ['skip the sample budgets (one workgroup throttled then disabled, one capped)'],
  },
  {
    name: 'enforce-workgroup-config',
    option: 'enforceWorkgroupConfig',
    help: [
      "the sample capacity budget's throttle also turns on the workgroup's",
      'EnforceWorkGroupConfiguration: the client passing its own max-dpu-count',
      'no longer bypasses it',
    ],
  },
  {
    name: 'throttle',
    option: 'throttleRate',
    value: 'RATE',
    help: ['share (0-1) of Athena and CloudWatch calls answered with throttling'],
  },
  {
    name: 'latency',
    option: 'latencyMs',
    value: 'MS',
    help: ['latency added to every Athena and CloudWatch call'],
  },
];

const HELP = `Usage: npm start -- [options]

Runs athena-cost locally: DynamoDB Local, stand-ins for Athena, CloudWatch and SNS, and the
ingest function bundled exactly as it is deployed. A simulated day of an Athena account is
played through EventBridge → SQS → Lambda (with duplicate, late and redelivered messages), then
the usage counters in DynamoDB are checked against the ground truth.

Options:
${FLAGS.map(helpLines).join('\n')}
  -h, --help       show this help

Exit code: 0 when every counter matches, 1 when not, 2 on bad options, 130 when interrupted.
Needs Java 17 for DynamoDB Local.`;

/** The flag, then its help in a column; a flag too long for its column gets a line of its own. */
function helpLines(flag: Flag): string {
  const head = `  --${flag.name}${flag.value === undefined ? '' : ` ${flag.value}`}`;
  const lines = flag.help.map((line) => `${''.padEnd(HELP_COLUMN)} ${line}`);
  if (head.length > HELP_COLUMN) return [head, ...lines].join('\n');
  return [`${head.padEnd(HELP_COLUMN)} ${flag.help[0] ?? ''}`, ...lines.slice(1)].join('\n');
}

/** A bad command line, reported on one line with exit code 2. */
class UsageError extends Error {}

/** The flags as local mode's options (still strings: the schema parses them), or help. */
function parseCommandLine(argv: readonly string[]): Record<string, unknown> | 'help' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(
          FLAGS.map((flag) => [
            flag.name,
            { type: flag.value === undefined ? ('boolean' as const) : ('string' as const) },
          ]),
        ),
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values } = parsed;
  if (values.help === true) return 'help';
  const options: Record<string, unknown> = {};
  for (const flag of FLAGS) {
    const value = values[flag.name];
    if (flag.value === undefined)
      options[flag.option] = (value === true) !== (flag.turnsOff === true);
    else if (value !== undefined) options[flag.option] = value;
  }
  return options;
}

/** parseArgs' error in the CLI's words: the flag and what is wrong with it. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^' ]+)/.exec(message)?.[1] ?? '';
  switch ((error as { code?: unknown }).code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('does not take an argument')
        ? `${quoted} takes no value`
        : `${quoted} needs a value`;
    default:
      return message.split(/\.\s/)[0] ?? message;
  }
}

async function main(): Promise<number> {
  let resolved: ReturnType<typeof resolveLocalModeOptions>;
  try {
    const options = parseCommandLine(process.argv.slice(2));
    if (options === 'help') {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    resolved = resolveLocalModeOptions(options);
  } catch (error) {
    const reason =
      error instanceof UsageError
        ? error.message
        : error instanceof z.ZodError
          ? error.issues.map((issue) => issue.message).join('; ')
          : undefined;
    if (reason === undefined) throw error;
    process.stderr.write(`${PROGRAM}: ${reason} (see npm start -- --help)\n`);
    return EXIT_USAGE;
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
