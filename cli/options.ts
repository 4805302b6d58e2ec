import { type ZodType, z } from 'zod';
import { WORKGROUP_NAME } from '../lib/budgets/budget.js';
import { dayKeyProblem } from '../lib/reports/report-range.js';
import type { CommandOption } from './command.js';

/**
 * One command-line option, declared once: what parseArgs reads, what `--help` shows and how the
 * value is checked. A command derives its `options`, its `flags` schema and its synopsis from a
 * record of these keyed by flag name ({@link commandOptions}, {@link optionsSchema},
 * {@link synopsisOf}), so adding an option is adding one entry.
 */
export type OptionDeclaration = StringOptionDeclaration | BooleanOptionDeclaration;

export interface StringOptionDeclaration {
  readonly type: 'string';
  /** The placeholder `--help` shows, e.g. `YYYY-MM-DD`. */
  readonly valueName: string;
  /** One line for `--help`; ` (required)` is added for a required option. */
  readonly description: string;
  /** Absent: `--flag is required`. */
  readonly required?: boolean;
  /** The value, as typed, that an absent option has. */
  readonly default?: string;
  /**
   * Checks and converts the value as typed. Messages follow the flag name:
   * `--limit-usd must be a number greater than 0, e.g. 25, got '-1'`.
   */
  readonly schema: ZodType<unknown, string>;
}

/** A switch: true when given, false when not. */
export interface BooleanOptionDeclaration {
  readonly type: 'boolean';
  readonly description: string;
}

export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>;

/** `limit-dpu-hours` → `limitDpuHours`. */
type CamelCase<Flag extends string> = Flag extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : Flag;

type ValueOf<Declaration> = Declaration extends { readonly type: 'boolean' }
  ? boolean
  : Declaration extends { readonly schema: ZodType<infer Value, string> }
    ? Declaration extends { readonly required: true } | { readonly default: string }
      ? Value
      : Value | undefined
    : never;

/** The options' values as a command reads them: `--dry-run` is `dryRun`. */
export type OptionValues<Declarations extends OptionDeclarations> = {
  readonly [Flag in keyof Declarations & string as CamelCase<Flag>]: ValueOf<Declarations[Flag]>;
};

export const camelCase = (flag: string): string =>
  flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** The options as parseArgs and `--help` take them. */
export function commandOptions(
  declarations: OptionDeclarations,
): Readonly<Record<string, CommandOption>> {
  return Object.fromEntries(
    Object.entries(declarations).map(([flag, declaration]): [string, CommandOption] => [
      flag,
      declaration.type === 'boolean'
        ? { type: 'boolean', description: declaration.description }
        : {
            type: 'string',
            valueName: declaration.valueName,
            description: declaration.required
              ? `${declaration.description} (required)`
              : declaration.description,
          },
    ]),
  );
}

/**
 * The schema of the options: from parseArgs' values (keyed by flag, absent options missing) to
 * {@link OptionValues}. Issues carry the flag as their path, so the CLI names the option.
 */
export function optionsSchema<const Declarations extends OptionDeclarations>(
  declarations: Declarations,
): ZodType<OptionValues<Declarations>> {
  const shape = Object.fromEntries(
    Object.entries(declarations).map(([flag, declaration]) => [
      flag,
      declaration.type === 'boolean'
        ? z.boolean().default(false)
        : declaration.required
          ? z.string({ error: 'is required' }).pipe(declaration.schema)
          : declaration.default !== undefined
            ? z.string().default(declaration.default).pipe(declaration.schema)
            : declaration.schema.optional(),
    ]),
  );
  return z.object(shape).transform(
    (values) =>
      // The shape above gives each flag the type ValueOf names; TypeScript cannot follow it
      // through Object.fromEntries.
      Object.fromEntries(
        Object.keys(declarations).map((flag) => [camelCase(flag), values[flag]]),
      ) as OptionValues<Declarations>,
  );
}

/**
 * `--workgroup WG [--limit-usd N] [--dry-run]`: the options `include` selects, required ones
 * bare, in declaration order.
 */
export function synopsisOf<Declarations extends OptionDeclarations>(
  declarations: Declarations,
  include: (declaration: Declarations[keyof Declarations]) => boolean = () => true,
): string {
  return Object.entries(declarations)
    .filter(([, declaration]) => include(declaration as Declarations[keyof Declarations]))
    .map(([flag, declaration]) => {
      if (declaration.type === 'boolean') return `[--${flag}]`;
      const text = `--${flag} ${declaration.valueName}`;
      return declaration.required ? text : `[${text}]`;
    })
    .join(' ');
}

/** `, got 'value'`: how a message about a value ends. */
export const got = (issue: { readonly input: unknown }): string => `, got '${String(issue.input)}'`;

/** A UTC day, `YYYY-MM-DD`, that exists. */
export const dayOption = z.string().superRefine((value, context) => {
  const problem = dayKeyProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

/** A whole number from `min` to `max`, as typed. */
export const wholeNumberOption = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: (issue) => `must be a whole number${got(issue)}` })
    .transform(Number)
    .refine((value) => value >= min && value <= max, {
      error: `must be between ${min} and ${max}`,
    });

/** An SQS queue URL. */
export const queueUrlOption = z.url({ error: (issue) => `must be a queue URL${got(issue)}` });

/** A workgroup name, checked against Athena's naming rules. */
export const workgroupName = z.string().regex(WORKGROUP_NAME, {
  error: (issue) =>
    `must be an Athena workgroup name (1 to 128 of a-z, A-Z, 0-9, '.', '_', '-')${got(issue)}`,
});

/** `--workgroup WG`: the workgroup a command acts on. */
export const WORKGROUP_OPTION = {
  type: 'string',
  valueName: 'WG',
  description: 'Athena workgroup',
  required: true,
  schema: workgroupName,
} as const satisfies StringOptionDeclaration;

/** `--workgroup WG` that narrows a command to one workgroup; `otherwise` is what it does without. */
export const workgroupFilterOption = (otherwise: string) =>
  ({
    type: 'string',
    valueName: 'WG',
    description: `Only this workgroup (default: ${otherwise})`,
    schema: workgroupName,
  }) as const satisfies StringOptionDeclaration;
