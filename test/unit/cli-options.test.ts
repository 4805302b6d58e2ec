import { describe, expect, it } from 'vitest';
import { type ZodType, z } from 'zod';
import { COMMANDS, resolveCommand } from '../../cli/command-map.js';
import { COMMON_OPTIONS } from '../../cli/help.js';
import { commandOptions, optionsSchema, synopsisOf } from '../../cli/options.js';
import { runCliInMemory as cli } from '../support/in-memory-cli.js';

// A command's options, declared once each: parseArgs, --help, parsing and synopsis derive.
const DECLARATIONS = {
  'max-items': {
    type: 'string',
    valueName: 'N',
    description: 'How many',
    required: true,
    schema: z.string().regex(/^\d+$/, { error: 'must be a whole number' }).transform(Number),
  },
  'on-error': {
    type: 'string',
    valueName: 'stop|skip',
    description: 'What to do on an error',
    schema: z.enum(['stop', 'skip'], { error: 'must be stop or skip' }),
  },
  'dry-run': { type: 'boolean', description: 'Change nothing' },
} as const;

describe('option declarations', () => {
  const schema = optionsSchema(DECLARATIONS);

  it('parse the values into camelCase names, switches defaulting to false', () => {
    const parsed = schema.parse({ 'max-items': '5' });
    expect(parsed).toEqual({ maxItems: 5, onError: undefined, dryRun: false });
    // The value types follow the declarations.
    const typed: { maxItems: number; onError: 'stop' | 'skip' | undefined; dryRun: boolean } =
      schema.parse({ 'max-items': '1', 'on-error': 'skip', 'dry-run': true });
    expect(typed).toEqual({ maxItems: 1, onError: 'skip', dryRun: true });
  });

  it('report problems under the flag, a required option that is absent as required', () => {
    const result = schema.safeParse({ 'on-error': 'retry' });
    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([
      [['max-items'], 'is required'],
      [['on-error'], 'must be stop or skip'],
    ]);
  });

  it('give parseArgs its options and --help its lines', () => {
    expect(commandOptions(DECLARATIONS)).toEqual({
      'max-items': { type: 'string', valueName: 'N', description: 'How many (required)' },
      'on-error': { type: 'string', valueName: 'stop|skip', description: 'What to do on an error' },
      'dry-run': { type: 'boolean', description: 'Change nothing' },
    });
  });

  it('make the synopsis, required options bare', () => {
    expect(synopsisOf(DECLARATIONS)).toBe('--max-items N [--on-error stop|skip] [--dry-run]');
    expect(synopsisOf(DECLARATIONS, (declaration) => declaration.type === 'string')).toBe(
      '--max-items N [--on-error stop|skip]',
    );
  });
});

/** The keys a flags schema reads from parseArgs' values: the options it parses (and arguments). */
function keysParsed(schema: ZodType): string[] {
  const read = new Set<string>();
  const values = new Proxy(
    {},
    {
      get(_, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    },
  );
  schema.safeParse(values);
  return [...read].sort();
}

/** The `--flag`s a help section lists, e.g. `Options` or `Common options`. */
function listedIn(help: string, section: string): string[] {
  const lines = help.split(`\n\n${section}:\n`)[1]?.split('\n\n')[0] ?? '';
  return [...lines.matchAll(/^ {2}(?:-\w, )?--([a-z0-9-]+)/gm)]
    .map(([, flag]) => flag ?? '')
    .sort();
}

describe.each(Object.keys(COMMANDS))('athena-cost %s', (name) => {
  const words = name.split(' ');

  it('lists in --help exactly the options it parses, and names no other in its synopsis', async () => {
    // Prepare
    const resolution = await resolveCommand(words);
    if (resolution.kind !== 'command') throw new Error(`${name} is not a command`);
    const { command } = resolution;

    // Act
    const { code, stdout } = await cli([...words, '--help']);

    // Assess
    expect(code).toBe(0);
    const listed = listedIn(stdout, 'Options');
    expect(listed).toEqual(keysParsed(command.flags).filter((key) => key !== 'positionals'));
    expect(listed).toEqual(Object.keys(command.options).sort());
    const inSynopsis = [...command.usage.matchAll(/--([a-z0-9-]+)/g)].map(([, flag]) => flag);
    const common = Object.keys(COMMON_OPTIONS);
    expect(
      inSynopsis.filter((flag) => !listed.includes(flag ?? '') && !common.includes(flag ?? '')),
    ).toEqual([]);
  });
});
