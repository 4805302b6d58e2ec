import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering rules of docs/architecture.md, checked on the import statements of lib/.
const LIB = path.resolve(import.meta.dirname, '../../lib');
const FUNCTIONS = path.resolve(import.meta.dirname, '../../functions');

/** Adapters are named by the service they speak; wiring and the SDK clients compose them. */
const isAdapter = (file: string): boolean =>
  /^(athena|cloudwatch|dynamodb|sns|sqs)-/.test(path.basename(file));
const isComposition = (file: string): boolean =>
  file.startsWith('wiring/') || file.startsWith('aws/') || file === 'logger.ts';

function libFiles(dir = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return libFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(LIB, full)] : [];
  });
}

/** The module specifiers a file imports or re-exports, statically or dynamically. */
function importsOf(file: string, root = LIB): string[] {
  const source = readFileSync(path.join(root, file), 'utf8');
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm;
  return [...source.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** `lib/`-relative path of a relative import, without its extension's difference. */
const resolved = (file: string, specifier: string): string =>
  path.join(path.dirname(file), specifier).replace(/\.js$/, '.ts');

function violations(): string[] {
  const found: string[] = [];
  for (const file of libFiles()) {
    if (isAdapter(file) || isComposition(file)) continue;
    for (const specifier of importsOf(file)) {
      if (/^@aws-sdk\/|^@aws-lambda-powertools\//.test(specifier)) {
        found.push(`${file} imports ${specifier}`);
      } else if (specifier.startsWith('.')) {
        const target = resolved(file, specifier);
        if (isAdapter(target) || isComposition(target)) found.push(`${file} imports ${target}`);
      }
    }
  }
  return found;
}

describe('the layering of lib/', () => {
  it('finds the adapters it guards against', () => {
    // A renamed folder or naming scheme must not make the next test pass vacuously.
    const adapters = libFiles().filter(isAdapter);
    expect(adapters).toContain('store/dynamodb-query-record-store.ts');
    expect(adapters).toContain('athena/athena-workgroup-gateway.ts');
    expect(importsOf('wiring/wire-recording.ts')).toContain(
      '../athena/athena-workgroup-gateway.js',
    );
  });

  it('keeps domain, use cases and ports free of the SDK, Powertools and adapter modules', () => {
    expect(violations()).toEqual([]);
  });
});

describe('the handlers in functions/', () => {
  it('leave the SDK and the adapters to lib/wiring/', () => {
    // Prepare
    const handlers = readdirSync(FUNCTIONS).filter((name) => name.endsWith('.ts'));
    // Act
    const found = handlers.flatMap((handler) =>
      importsOf(handler, FUNCTIONS)
        .filter((specifier) => specifier.startsWith('@aws-sdk/') || isAdapter(specifier))
        .map((specifier) => `functions/${handler} imports ${specifier}`),
    );
    // Assess
    expect(handlers).toContain('ingest.ts');
    expect(found).toEqual([]);
  });
});
