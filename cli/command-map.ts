import type { Command } from './command.js';

/** Imports one command module; a command's AWS SDK clients load only when it runs. */
export type CommandLoader = () => Promise<{ readonly default: Command<unknown> }>;

/** Commands by full name: `report`, or `budget set` for `athena-cost budget set`. */
export type CommandMap = Readonly<Record<string, CommandLoader>>;

/**
 * Every command of the CLI. To add one, write `cli/commands/<name>.ts` (or
 * `cli/commands/<group>/<name>.ts`) exporting a `defineCommand({...})` as default, and add a line here;
 * the words before a space make a group (`athena-cost budget` lists the `budget ...` commands).
 */
export const COMMANDS: CommandMap = {
  backfill: () => import('./commands/backfill.js'),
  'budget list': () => import('./commands/budget/list.js'),
  'budget pause': () => import('./commands/budget/pause.js'),
  'budget resume': () => import('./commands/budget/resume.js'),
  'budget rm': () => import('./commands/budget/rm.js'),
  'budget set': () => import('./commands/budget/set.js'),
  digest: () => import('./commands/digest.js'),
  'dlq peek': () => import('./commands/dlq/peek.js'),
  'dlq redrive': () => import('./commands/dlq/redrive.js'),
  report: () => import('./commands/report.js'),
  reservations: () => import('./commands/reservations.js'),
  restore: () => import('./commands/restore.js'),
  'session ui': () => import('./commands/session/ui.js'),
  sessions: () => import('./commands/sessions.js'),
  status: () => import('./commands/status.js'),
};

export type Resolution =
  | { readonly kind: 'command'; readonly command: Command<unknown>; readonly consumed: number }
  | {
      readonly kind: 'group';
      readonly group: string;
      readonly subcommands: readonly Command<unknown>[];
      /** The word after the group that names no subcommand, if any. */
      readonly unknown: string | undefined;
    }
  | { readonly kind: 'unknown'; readonly name: string };

/** Finds the command the leading words name, loading only its module. */
export async function resolveCommand(
  words: readonly string[],
  commands: CommandMap = COMMANDS,
): Promise<Resolution> {
  const [first, second] = words;
  if (first === undefined) return { kind: 'unknown', name: '' };
  if (second !== undefined) {
    const name = `${first} ${second}`;
    if (Object.hasOwn(commands, name)) {
      return { kind: 'command', command: await loadCommand(commands, name), consumed: 2 };
    }
  }
  if (Object.hasOwn(commands, first)) {
    return { kind: 'command', command: await loadCommand(commands, first), consumed: 1 };
  }
  const members = Object.keys(commands).filter((name) => name.startsWith(`${first} `));
  if (members.length > 0) {
    return {
      kind: 'group',
      group: first,
      subcommands: await loadCommands(commands, members),
      unknown: second !== undefined && !second.startsWith('-') ? second : undefined,
    };
  }
  return { kind: 'unknown', name: first };
}

/** Every command, sorted by name (loads every command module: for the program's `--help`). */
export function listCommands(commands: CommandMap = COMMANDS): Promise<Command<unknown>[]> {
  return loadCommands(commands, Object.keys(commands));
}

async function loadCommands(commands: CommandMap, names: readonly string[]) {
  return Promise.all([...names].sort().map((name) => loadCommand(commands, name)));
}

async function loadCommand(commands: CommandMap, name: string): Promise<Command<unknown>> {
  const loader = commands[name];
  if (loader === undefined) throw new Error(`no command '${name}' in the command map`);
  const command = (await loader()).default;
  if (command.name !== name) {
    throw new Error(
      `the command map's '${name}' loads a module whose command is '${command.name}'`,
    );
  }
  return command;
}
