import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commandOptions, optionsSchema, synopsisOf } from '../../cli/options.js';

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
