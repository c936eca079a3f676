/**
 * Architecture rules that must not rot: domain/ is the pure core. It depends
 * on nothing outside itself but node:crypto and two small packages, and it
 * reads no environment, clock or randomness (those come in through ports).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DOMAIN = join(ROOT, 'domain');

const ALLOWED_BUILTINS = new Set(['node:crypto']);
const ALLOWED_PACKAGES = new Set(['zod', 'canonicalize', 'decimal.js']);
const FORBIDDEN_MENTIONS = ['process.env', 'Date.now(', 'new Date()', 'Math.random('];
const MERKLE_API = [
  'leafHash',
  'rootFromLeaves',
  'inclusionProof',
  'verifyInclusion',
  'consistencyProof',
  'verifyConsistency',
] as const;

/** Every .ts file under domain/ (recursively), as absolute paths. */
function domainFiles(): string[] {
  return readdirSync(DOMAIN, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(DOMAIN, name))
    .sort();
}

/** Module specifiers of `… from '…'`, `import '…'` and `import('…')` in a source text. */
function importSpecifiers(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
    /^\s*import\s*(['"])([^'"\n]+)\1/gm,
    /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[2] as string));
}

/** `zod/v4` -> `zod`, `@scope/pkg/sub` -> `@scope/pkg`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Why an import in `file` breaks the domain's dependency rule, or undefined if it is allowed. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    return target.startsWith(`${DOMAIN}${sep}`) ? undefined : `reaches outside domain/ (${relative(ROOT, target)})`;
  }
  if (specifier.startsWith('#')) return undefined;
  if (specifier.startsWith('node:')) {
    return ALLOWED_BUILTINS.has(specifier) ? undefined : 'a Node builtin outside the allow-list';
  }
  return ALLOWED_PACKAGES.has(packageName(specifier)) ? undefined : 'a package outside the allow-list';
}

function violations(file: string, source: string): string[] {
  return importSpecifiers(source).flatMap((specifier) => {
    const why = violation(file, specifier);
    return why === undefined ? [] : [`${relative(ROOT, file)}: import '${specifier}' ${why}`];
  });
}

describe('the import checker itself', () => {
  it('finds static, type-only, re-export, side-effect and dynamic imports', () => {
    // Prepare
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export * from './c.ts';",
      "import {\n  d,\n  e,\n} from 'd-package';",
      "import 'side-effect';",
      "const f = await import('./f.ts');",
    ].join('\n');

    // Act
    const found = importSpecifiers(source);

    // Assess
    expect(found.sort()).toEqual(['../b.ts', './a.ts', './c.ts', './f.ts', 'd-package', 'side-effect']);
  });

  it('rejects an adapter import, foreign builtins and packages; allows the domain and the allow-lists', () => {
    // Prepare
    const file = join(DOMAIN, 'ledger', 'log.ts');
    const source = [
      "import x from '../../functions/adapters/dynamo-ledger.ts';",
      "import { readFile } from 'node:fs/promises';",
      "import { createHash } from 'crypto';",
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { ok } from './bytes.ts';",
      "import { createHash as h } from 'node:crypto';",
      "import { z } from 'zod';",
      "import canonicalize from 'canonicalize';",
    ].join('\n');

    // Act
    const found = violations(file, source);

    // Assess
    expect(found).toEqual([
      "domain/ledger/log.ts: import '../../functions/adapters/dynamo-ledger.ts' reaches outside domain/ (functions/adapters/dynamo-ledger.ts)",
      "domain/ledger/log.ts: import 'node:fs/promises' a Node builtin outside the allow-list",
      "domain/ledger/log.ts: import 'crypto' a package outside the allow-list",
      "domain/ledger/log.ts: import '@aws-sdk/client-dynamodb' a package outside the allow-list",
    ]);
  });
});

describe('domain/ is the pure core', () => {
  const files = domainFiles();

  it('has files to check (the scan cannot silently match nothing)', () => {
    // Assess
    expect(files.map((f) => relative(DOMAIN, f))).toEqual(
      expect.arrayContaining(['index.ts', 'ledger/merkle.ts', 'ledger/log.ts', 'ledger/entry.ts']),
    );
  });

  it('imports only domain/ itself, node:crypto, zod and canonicalize', () => {
    // Act
    const found = files.flatMap((file) => violations(file, readFileSync(file, 'utf8')));

    // Assess
    expect(found).toEqual([]);
  });

  it('never reads the environment, the clock or randomness directly', () => {
    // Act
    const found = files.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      return FORBIDDEN_MENTIONS.filter((m) => source.includes(m)).map((m) => `${relative(ROOT, file)}: ${m}`);
    });

    // Assess
    expect(found).toEqual([]);
  });

  it('exports the six Merkle functions from domain/index.ts under their names', async () => {
    // Act
    const api = (await import('../domain/index.ts')) as Record<string, unknown>;

    // Assess
    for (const name of MERKLE_API) expect(typeof api[name], name).toBe('function');
  });
});
