import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from './command.js';

/** `.ts` when run from source (tsx), `.js` once compiled: commands sit beside this module. */
const EXTENSION = extname(fileURLToPath(import.meta.url));
export const COMMANDS_DIR = fileURLToPath(new URL('./commands/', import.meta.url));
/** Command words are lowercase, so a word can never point outside the commands folder. */
const WORD = /^[a-z][a-z0-9-]*$/;

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

/**
 * Finds the command the leading words name, loading only its module: `report` is
 * `commands/report.ts`, `budget set` is `commands/budget/set.ts`.
 */
export async function resolveCommand(
  words: readonly string[],
  commandsDir: string = COMMANDS_DIR,
): Promise<Resolution> {
  const [first, second] = words;
  if (first === undefined || !WORD.test(first)) return { kind: 'unknown', name: first ?? '' };
  const groupDir = join(commandsDir, first);
  const isGroup = existsSync(groupDir) && statSync(groupDir).isDirectory();
  if (isGroup && second !== undefined && WORD.test(second)) {
    const file = join(groupDir, second + EXTENSION);
    if (existsSync(file)) {
      return {
        kind: 'command',
        command: await loadCommand(file, `${first} ${second}`),
        consumed: 2,
      };
    }
  }
  const file = join(commandsDir, first + EXTENSION);
  if (existsSync(file)) {
    return { kind: 'command', command: await loadCommand(file, first), consumed: 1 };
  }
  if (isGroup) {
    return {
      kind: 'group',
      group: first,
      subcommands: await loadFolder(groupDir, `${first} `),
      unknown: second !== undefined && !second.startsWith('-') ? second : undefined,
    };
  }
  return { kind: 'unknown', name: first };
}

/** Every command, sorted by name (loads every command module: for the program's `--help`). */
export async function listCommands(
  commandsDir: string = COMMANDS_DIR,
): Promise<Command<unknown>[]> {
  const commands = await loadFolder(commandsDir, '');
  const entries = await readdir(commandsDir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.isDirectory() && WORD.test(entry.name)) {
      commands.push(...(await loadFolder(join(commandsDir, entry.name), `${entry.name} `)));
    }
  }
  return commands.sort(byName);
}

const byName = (a: Command<unknown>, b: Command<unknown>): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

async function loadFolder(dir: string, prefix: string): Promise<Command<unknown>[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter(
    (entry) =>
      entry.isFile() &&
      entry.name.endsWith(EXTENSION) &&
      !entry.name.endsWith(`.d${EXTENSION}`) &&
      WORD.test(entry.name.slice(0, -EXTENSION.length)),
  );
  const commands = await Promise.all(
    files.map((entry) =>
      loadCommand(join(dir, entry.name), prefix + entry.name.slice(0, -EXTENSION.length)),
    ),
  );
  return commands.sort(byName);
}

async function loadCommand(file: string, expectedName: string): Promise<Command<unknown>> {
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  const command = module.default as Partial<Command<unknown>> | undefined;
  if (
    typeof command !== 'object' ||
    command === null ||
    typeof command.run !== 'function' ||
    typeof command.name !== 'string'
  ) {
    throw new Error(`${file} must export a Command as its default export`);
  }
  if (command.name !== expectedName) {
    throw new Error(
      `${file} exports command '${command.name}': its path names it '${expectedName}'`,
    );
  }
  return command as Command<unknown>;
}
