import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type RefinementCtx, type ZodType, z } from 'zod';
import {
  commandOptions,
  type OptionDeclaration,
  type OptionDeclarations,
  type OptionValues,
  optionsSchema,
  synopsisOf,
} from './options.js';

/** Where a command writes; `process.stdout`/`process.stderr` in the real CLI, buffers in tests. */
export interface Writer {
  write(text: string): unknown;
}

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'html', 'text', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Formats a command accepts when it does not say: the first is the default. */
export const DEFAULT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

/** A command-line option: a `node:util` parseArgs option plus what `--help` shows. */
export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Repeatable: the value is an array. */
  readonly multiple?: boolean;
  /** One line for `--help`; mention the default here. */
  readonly description: string;
  /** The placeholder `--help` shows for a string option, e.g. `YYYY-MM-DD`. */
  readonly valueName?: string;
}

/** A positional argument, for `--help`. */
export interface CommandArgument {
  readonly name: string;
  readonly description: string;
}

/** What every command gets to run with. */
export interface CliContext<Flags = unknown> {
  /** The full command name, e.g. `report` or `budget set`. */
  readonly command: string;
  /** The command's own options and positionals, as its `flags` schema returned them. */
  readonly flags: Flags;
  /** `--format`, checked against the command's `formats`. */
  readonly format: OutputFormat;
  /** `--table`, else `TABLE_NAME`; the CLI stops before `run` when neither is set. */
  readonly tableName: string;
  /** `--region`, else undefined: the SDK's own resolution (AWS_REGION, profile) applies. */
  readonly region: string | undefined;
  /** Where DynamoDB calls go, for messages: AWS_ENDPOINT_URL_DYNAMODB or the regional endpoint. */
  readonly endpoint: string;
  /** The document client, created on first call; no hard-coded endpoint. */
  documents(): DynamoDBDocumentClient;
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Writes `athena-cost: warning: <message>` to stderr. */
  warn(message: string): void;
  /** The directory relative paths (such as `--out`) resolve against. */
  readonly cwd: string;
  /** The environment the command reads settings from (the process's, or a test's). */
  readonly env: NodeJS.ProcessEnv;
  now(): Date;
}

/**
 * A CLI command as main and `--help` use it: the default export of `cli/commands/<name>.ts`
 * (`cli/commands/<group>/<name>.ts` for `athena-cost <group> <name>`), listed in the command map
 * (`cli/command-map.ts`). Write one with {@link defineCommand}, which derives `usage`, `options`
 * and `flags` from one declaration per option.
 */
export interface Command<Flags = unknown> {
  /** `report`, or `budget set` for `cli/commands/budget/set.ts`. */
  readonly name: string;
  /** One line for the program's `--help`. */
  readonly summary: string;
  /** The synopsis, e.g. `athena-cost report [--from YYYY-MM-DD] [options]`. */
  readonly usage: string;
  /** Paragraphs for the command's `--help`. */
  readonly description?: string;
  readonly examples?: readonly string[];
  /**
   * The command's own options (parseArgs config with help text). `--table`, `--region`,
   * `--format` and `--help` are common to all commands and must not be repeated.
   */
  readonly options: Readonly<Record<string, CommandOption>>;
  /** Positional arguments; a command without them rejects any. */
  readonly positionals?: readonly CommandArgument[];
  /** `--format` values accepted, the first being the default; {@link DEFAULT_FORMATS} if absent. */
  readonly formats?: readonly OutputFormat[];
  /** False for a command that never touches the table (no `--table` needed). Default true. */
  readonly usesTable?: boolean;
  /**
   * Validates the parsed options: it receives parseArgs' `values` (string options as strings,
   * booleans as booleans, absent options missing) plus `positionals: string[]`. An issue at
   * path `from` is reported as `--from <message>`, so write messages such as
   * `must be a date YYYY-MM-DD`.
   */
  readonly flags: ZodType<Flags>;
  /** Runs the command; resolves to the exit code (0 when undefined). Throw CliError to fail. */
  run(context: CliContext<Flags>): Promise<number | undefined>;
}

/** The flags a command reads: its options' values, and `positionals` when it takes arguments. */
export type FlagsOf<Declarations extends OptionDeclarations, Positionals> = [Positionals] extends [
  never,
]
  ? OptionValues<Declarations>
  : OptionValues<Declarations> & { readonly positionals: Positionals };

/**
 * A command as written: its options declared once each (cli/options.ts), from which
 * {@link defineCommand} derives what parseArgs reads, what `--help` and the synopsis show, and
 * the schema that checks the values, so the three cannot drift apart.
 */
export interface CommandDefinition<Declarations extends OptionDeclarations, Positionals = never>
  extends Omit<
    Command<FlagsOf<Declarations, Positionals>>,
    'usage' | 'options' | 'flags' | 'positionals'
  > {
  /**
   * The command's own options by flag name; the command reads `--dry-run` as
   * `context.flags.dryRun`. `--table`, `--stack`, `--region`, `--format` and `--help` are common
   * to all commands and must not be repeated.
   */
  readonly options: Declarations;
  /**
   * Positional arguments: `--help` and the synopsis list `arguments`, `schema` checks the words
   * given (issues are reported as `argument <message>`); the command reads them as
   * `context.flags.positionals`.
   */
  readonly positionals?: {
    readonly arguments: readonly CommandArgument[];
    readonly schema: ZodType<Positionals, string[]>;
  };
  /**
   * Checks that involve several options (one needs another, say); an issue's path names the
   * flag it is reported under.
   */
  readonly check?: (
    flags: OptionValues<Declarations>,
    context: RefinementCtx<OptionValues<Declarations>>,
  ) => void;
  /** The options the synopsis names; the others are summed up as `[options]`. Default: all. */
  readonly inSynopsis?: (declaration: Declarations[keyof Declarations]) => boolean;
  /**
   * The usage line(s) when one derived line cannot say it (a command on a workgroup or a
   * reservation): build it from the declarations with `synopsisOf`.
   */
  readonly synopsis?: string;
}

/** A command from its definition: usage, parseArgs options and flags schema derived. */
export function defineCommand<const Declarations extends OptionDeclarations, Positionals = never>(
  definition: CommandDefinition<Declarations, Positionals>,
): Command<FlagsOf<Declarations, Positionals>> {
  const { options, positionals, check, inSynopsis, synopsis, ...command } = definition;
  const checked =
    check === undefined ? optionsSchema(options) : optionsSchema(options).superRefine(check);
  const named = (declaration: OptionDeclaration) =>
    inSynopsis?.(declaration as Declarations[keyof Declarations]) ?? true;
  const formats = command.formats ?? DEFAULT_FORMATS;
  const rest = Object.values(options).every(named)
    ? `[--format ${formats.join('|')}]`
    : '[options]';
  const argumentNames = (positionals?.arguments ?? []).map((argument) => `<${argument.name}>`);
  return {
    ...command,
    usage:
      synopsis ??
      [`athena-cost ${command.name}`, ...argumentNames, synopsisOf(options, named), rest]
        .filter((part) => part !== '')
        .join(' '),
    options: commandOptions(options),
    ...(positionals === undefined
      ? { flags: checked as ZodType<FlagsOf<Declarations, Positionals>> }
      : {
          positionals: positionals.arguments,
          flags: z
            .intersection(z.object({ positionals: positionals.schema }), checked)
            .transform((flags) => flags as FlagsOf<Declarations, Positionals>),
        }),
  };
}
