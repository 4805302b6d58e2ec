import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliContext } from '../command.js';
import { CliError } from '../errors.js';

/** Writes output to stdout, or with `--out FILE` to the file, printing its absolute path. */
export async function writeOutput(
  context: CliContext<unknown>,
  text: string,
  out: string | undefined,
): Promise<void> {
  if (out === undefined) {
    context.stdout.write(text);
    return;
  }
  const path = resolve(context.cwd, out);
  try {
    await writeFile(path, text, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`cannot write ${path}: ${describeWriteError(reason)}`);
  }
  context.stdout.write(`${path}\n`);
}

function describeWriteError(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'its folder does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return code;
  }
}
