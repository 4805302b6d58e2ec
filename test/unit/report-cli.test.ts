import { readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand } from '../../cli/command.js';
import { COMMANDS, type CommandMap, listCommands } from '../../cli/command-map.js';
import { runCliInMemory as cli } from '../support/in-memory-cli.js';

describe('athena-cost CLI', () => {
  it('prints the program help with its commands', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: athena-cost <command> \[options\]$/m);
    expect(stdout).toMatch(/^ {2}report +Usage and cost/m);
  });

  it('prints a command help, also through `help <command>`', async () => {
    const direct = await cli(['report', '--help']);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain('--top N');
    expect(direct.stdout).toContain('table (default), json, csv, html');
    expect((await cli(['help', 'report'])).stdout).toBe(direct.stdout);
  });

  it.each([
    [['nope'], "athena-cost: unknown command 'nope'", "Run 'athena-cost --help'"],
    [
      ['report', '--frm', 'x'],
      "athena-cost: unknown option '--frm'",
      "Run 'athena-cost report --help'",
    ],
    [['report', '--table', 't', '--from'], 'athena-cost: --from needs a value', 'report --help'],
    [
      ['report', '--table', 't', '--from', '2026-11-31'],
      'athena-cost: --from 2026-11-31 does not exist: November 2026 has 30 days',
      'report --help',
    ],
    [
      ['report', '--table', 't', '--from', '2026-11-26', '--to', '2026-11-25'],
      'athena-cost: --from 2026-11-26 is after --to 2026-11-25',
      'report --help',
    ],
    [
      ['report', '--table', 't', '--by', 'year'],
      "athena-cost: --by must be one of day, week, month, workgroup, reservation, principal, dbt-model, tag:<key>, got 'year'",
      'report --help',
    ],
    [
      ['report', '--table', 't', '--top', '0'],
      'athena-cost: --top must be between 1 and 100',
      'report --help',
    ],
    [
      ['report', '--table', 't', '--format', 'xml'],
      "--format must be one of table, json, csv, html, got 'xml'",
      '',
    ],
    [['report', '--table', 't', 'extra'], "athena-cost: unexpected argument 'extra'", ''],
    [
      ['report'],
      'athena-cost: no table name: pass --table NAME, set TABLE_NAME, or name the stack with --stack NAME',
      '',
    ],
    [['--table', 't', 'report'], "expected a command before options, got '--table'", ''],
  ])('rejects %j with a clear message', async (args, message, hint) => {
    const { code, stdout, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toContain(message);
    expect(stderr).toContain(hint);
  });

  it('exits 2 and prints the help to stderr without a command', async () => {
    const { code, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: athena-cost <command>');
  });
});

describe('command map', () => {
  const budgetSet = defineCommand({
    name: 'budget set',
    summary: 'Sets a budget',
    options: {
      workgroup: {
        type: 'string',
        valueName: 'WG',
        description: 'The workgroup',
        required: true,
        schema: z.string(),
      },
    },
    usesTable: false,
    async run(context) {
      context.stdout.write(`${context.flags.workgroup} ${context.format}\n`);
      return 3;
    },
  });
  const budgetList = defineCommand({
    name: 'budget list',
    summary: 'Lists budgets',
    options: {},
    run: async () => 0,
  });
  const commands: CommandMap = {
    'budget set': async () => ({ default: budgetSet }),
    'budget list': async () => ({ default: budgetList }),
  };

  it('runs the command the words name, with its exit code', async () => {
    const { code, stdout } = await cli(['budget', 'set', '--workgroup', 'analytics'], {
      commands,
    });
    expect(stdout).toBe('analytics table\n');
    expect(code).toBe(3);
  });

  it('reports flag problems from the command schema', async () => {
    const { code, stderr } = await cli(['budget', 'set'], { commands });
    expect(code).toBe(2);
    expect(stderr).toContain('athena-cost: --workgroup is required');
    expect(stderr).toContain("Run 'athena-cost budget set --help'");
  });

  it('lists a group and names its commands when one is missing', async () => {
    const help = await cli(['budget', '--help'], { commands });
    expect(help.stdout).toMatch(/budget list +Lists budgets\n {2}budget set +Sets a budget/);
    const missing = await cli(['budget'], { commands });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("'budget' needs a command: list, set");
    const unknown = await cli(['budget', 'drop'], { commands });
    expect(unknown.stderr).toContain("unknown command 'budget drop'");
    const inherited = await cli(['constructor'], { commands });
    expect(inherited.stderr).toContain("unknown command 'constructor'");
  });

  it('lists every command in the program help', async () => {
    const { stdout } = await cli(['--help'], { commands });
    expect(stdout).toMatch(/budget list +Lists budgets/);
    expect(stdout).toMatch(/budget set +Sets a budget/);
  });

  it('holds every module of cli/commands under the name its path gives', async () => {
    const root = fileURLToPath(new URL('../../cli/commands/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.slice(0, -'.ts'.length).split(sep).join(' '))
      .sort();
    expect(Object.keys(COMMANDS).sort()).toEqual(files);
    // Loading checks that each module's command carries the name it is listed under.
    expect((await listCommands()).map((command) => command.name)).toEqual(files);
  });
});
