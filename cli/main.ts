import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Command, CommandOption, OutputFormat, Writer } from './command.js';
import { DEFAULT_FORMATS } from './command.js';
import { type CommandMap, listCommands, resolveCommand } from './command-map.js';
import {
  CliError,
  describeAwsError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type TableLocation,
  UsageError,
} from './errors.js';
import { COMMON_OPTIONS, commandHelp, groupHelp, PROGRAM, programHelp } from './help.js';

/** What the CLI reads and writes besides its arguments; the process's own by default. */
export interface CliIo {
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now: () => Date;
  /** The commands the CLI knows; all of them (`COMMANDS` in command-map.ts) by default. */
  readonly commands?: CommandMap;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
});

const HELP_FLAGS = new Set(['-h', '--help']);
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** Runs one command line and resolves to the process exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const state: DispatchState = { helpCommand: PROGRAM, location: undefined };
  try {
    return await dispatch(argv, io, state);
  } catch (error) {
    return reportFailure(error, io, state);
  }
}

interface DispatchState {
  /** The command whose `--help` a usage error points to. */
  helpCommand: string;
  /** Set once the table is known, so AWS errors can name it. */
  location: TableLocation | undefined;
}

async function dispatch(argv: readonly string[], io: CliIo, state: DispatchState): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    io.stderr.write(programHelp(await listCommands(io.commands)));
    return EXIT_USAGE;
  }
  if (HELP_FLAGS.has(first) || (first === 'help' && argv.length === 1)) {
    io.stdout.write(programHelp(await listCommands(io.commands)));
    return EXIT_OK;
  }
  if (first === '--version') {
    io.stdout.write(`${readVersion()}\n`);
    return EXIT_OK;
  }
  const helpRequested = first === 'help';
  const args = helpRequested ? argv.slice(1) : argv;
  if (args[0]?.startsWith('-')) {
    throw new UsageError(`expected a command before options, got '${args[0]}'`);
  }
  const words = args.slice(0, 2).filter((word) => !word.startsWith('-'));
  const resolution = await resolveCommand(words, io.commands);
  if (resolution.kind === 'unknown') {
    throw new UsageError(`unknown command '${resolution.name}'`);
  }
  if (resolution.kind === 'group') {
    const rest = args.slice(1);
    if (resolution.unknown !== undefined) {
      state.helpCommand = `${PROGRAM} ${resolution.group}`;
      throw new UsageError(`unknown command '${resolution.group} ${resolution.unknown}'`);
    }
    if (helpRequested || rest.some((arg) => HELP_FLAGS.has(arg))) {
      io.stdout.write(groupHelp(resolution.group, resolution.subcommands));
      return EXIT_OK;
    }
    state.helpCommand = `${PROGRAM} ${resolution.group}`;
    const names = resolution.subcommands.map((command) => command.name.split(' ')[1]);
    throw new UsageError(`'${resolution.group}' needs a command: ${names.join(', ')}`);
  }
  const { command } = resolution;
  state.helpCommand = `${PROGRAM} ${command.name}`;
  const rest = args.slice(resolution.consumed);
  if (helpRequested || beforeTerminator(rest).some((arg) => HELP_FLAGS.has(arg))) {
    io.stdout.write(commandHelp(command));
    return EXIT_OK;
  }
  return runCommand(command, rest, io, state);
}

async function runCommand(
  command: Command<unknown>,
  args: readonly string[],
  io: CliIo,
  state: DispatchState,
): Promise<number> {
  const { values, positionals } = parseCommandLine(command, args);
  const common = values as { table?: string; region?: string; format?: string; stack?: string };
  const formats = command.formats ?? DEFAULT_FORMATS;
  const format = (common.format ?? formats[0] ?? 'table') as OutputFormat;
  if (!formats.includes(format)) {
    throw new UsageError(`--format must be one of ${formats.join(', ')}, got '${common.format}'`);
  }
  if (common.region !== undefined && !REGION.test(common.region)) {
    throw new UsageError(
      `--region must be an AWS region such as us-east-1, got '${common.region}'`,
    );
  }
  const stackName = (common.stack ?? io.env.ATHENA_COST_STACK)?.trim() || undefined;
  if (stackName !== undefined && !STACK_NAME.test(stackName)) {
    throw new UsageError(
      `${common.stack === undefined ? 'ATHENA_COST_STACK' : '--stack'} must be a CloudFormation stack name such as athena-cost-prod, got '${stackName}'`,
    );
  }
  const requireTable = (tableName: string) => {
    if (command.usesTable !== false && tableName.trim() === '') {
      throw new UsageError(
        stackName === undefined
          ? 'no table name: pass --table NAME, set TABLE_NAME, or name the stack with --stack NAME'
          : `stack ${stackName} has no output UsageTableName: pass --table NAME`,
      );
    }
  };
  if (stackName === undefined) requireTable(common.table ?? io.env.TABLE_NAME ?? '');
  const commandValues = Object.fromEntries(
    Object.entries(values).filter(([name]) => !(name in COMMON_OPTIONS)),
  );
  const flags = command.flags.safeParse({ ...commandValues, positionals });
  if (!flags.success) {
    throw new UsageError(flags.error.issues.map(describeIssue).join('; '));
  }
  // Loaded only now: `--help` and usage errors never pay for the AWS SDK.
  let env = io.env;
  if (stackName !== undefined) {
    // One DescribeStacks: the stack's outputs stand in for TABLE_NAME, DLQ_URL and the rest.
    const { stackEnvironment } = await import('./stack-outputs.js');
    env = { ...io.env, ...(await stackEnvironment(stackName, common.region)) };
  }
  const tableName = common.table ?? env.TABLE_NAME ?? '';
  requireTable(tableName);
  const { createCliContext, describeEndpoint } = await import('./context.js');
  state.location = { tableName, endpoint: describeEndpoint(env, common.region) };
  const owned = createCliContext({
    command: command.name,
    flags: flags.data,
    format,
    tableName,
    region: common.region,
    env,
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: io.cwd,
    now: io.now,
  });
  try {
    return (await command.run(owned.context)) ?? EXIT_OK;
  } finally {
    owned.close();
  }
}

function parseCommandLine(command: Command<unknown>, args: readonly string[]) {
  for (const name of Object.keys(command.options)) {
    if (name in COMMON_OPTIONS) {
      throw new Error(`command '${command.name}' redefines the common option --${name}`);
    }
  }
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, option] of Object.entries({ ...COMMON_OPTIONS, ...command.options })) {
    options[name] = parseArgsOption(option);
  }
  try {
    return parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: (command.positionals?.length ?? 0) > 0,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function parseArgsOption(option: CommandOption) {
  return {
    type: option.type,
    ...(option.short === undefined ? {} : { short: option.short }),
    ...(option.multiple === undefined ? {} : { multiple: option.multiple }),
  };
}

/** parseArgs' message, trimmed to its first sentence and worded like the CLI's own. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /^Option '(-[^' ]+)' argument is ambiguous/.exec(message);
  if (ambiguous)
    return `${ambiguous[1]} needs a value (write ${ambiguous[1]}=-VALUE for one starting with '-')`;
  const [sentence = message] = message.split(/\.\s/);
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

function describeIssue(issue: { path: readonly PropertyKey[]; message: string }): string {
  const [field] = issue.path;
  if (field === undefined || issue.message.startsWith('--')) return issue.message;
  if (field === 'positionals') return `argument ${issue.message}`;
  return `--${String(field)} ${issue.message}`;
}

const beforeTerminator = (args: readonly string[]): readonly string[] => {
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
};

function readVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return manifest.version ?? 'unknown';
}

function reportFailure(error: unknown, io: CliIo, state: DispatchState): number {
  const known =
    error instanceof CliError
      ? error
      : state.location === undefined
        ? undefined
        : describeAwsError(error, state.location);
  const failure = known ?? new CliError(error instanceof Error ? error.message : String(error));
  const hint =
    failure.hint ??
    (failure instanceof UsageError ? `Run '${state.helpCommand} --help' for usage.` : undefined);
  io.stderr.write(`${PROGRAM}: ${failure.message}\n${hint === undefined ? '' : `${hint}\n`}`);
  if (known === undefined && io.env.ATHENA_COST_DEBUG && error instanceof Error && error.stack) {
    io.stderr.write(`${error.stack}\n`);
  }
  return failure.exitCode === EXIT_OK ? EXIT_FAILURE : failure.exitCode;
}
