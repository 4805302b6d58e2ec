import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of local/'s rooms (docs/architecture.md): each room imports only the rooms
 * below it, and nothing outside local/ but the bench and the tests imports local/.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What each room of local/ may import from local/, besides its own files. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'stand-ins': ['local/simulation/seeded-random.ts'],
  simulation: ['local/stand-ins/', 'local/environment/local-account.ts'],
  environment: ['local/stand-ins/'],
  mode: ['local/'],
  'start.ts': ['local/mode/'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs|cjs)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The repository paths a file imports with relative specifiers, `.js` read as `.ts`. */
function localImports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(([, specifier]) =>
    relative(root, resolve(dirname(join(root, file)), specifier ?? '')).replace(/\.js$/, '.ts'),
  );
}

describe('local/ rooms', () => {
  it.each(sourceFiles('local'))('%s imports only what its room may', (file) => {
    const room = file.split('/')[1] ?? '';
    const allowed = [`local/${room}${room.endsWith('.ts') ? '' : '/'}`, ...(ALLOWED[room] ?? [])];
    const forbidden = localImports(file).filter(
      (target) =>
        target.startsWith('local/') && !allowed.some((prefix) => target.startsWith(prefix)),
    );
    expect(forbidden).toEqual([]);
  });

  it.each(['lib', 'functions', 'cli'])('nothing in %s/ imports local/', (folder) => {
    const offenders = sourceFiles(folder).filter((file) =>
      localImports(file).some((target) => target.startsWith('local/')),
    );
    expect(offenders).toEqual([]);
  });
});
