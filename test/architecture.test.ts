/**
 * The architecture's rules, checked on the source text of every module
 * (docs/architecture.md draws what they protect):
 * - domain/ is the pure core: no AWS, Powertools or middy, no environment,
 *   clock or randomness, and no Node module but node:crypto, in one file;
 * - each bounded context of domain/ is reached only through its index.ts
 *   (the package.json "imports" aliases), and contexts depend on each other
 *   only along the layering below;
 * - functions/ never imports infra/ (the Lambda bundles carry no local stack);
 * - no import cycle anywhere;
 * - no source file over 500 lines (tests and locale tables aside);
 * - verifying a report loads no intake, parsing or use-case code;
 * - the console reaches the domain through the aliases too, but for its
 *   browser kernel (console/src/crypto/), built from the kernel's modules.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { imports: Record<string, string> };
const MAX_LINES = 500;

/** Which contexts each context may import (through their aliases). */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  kernel: [],
  ledger: ['kernel'],
  contracts: ['kernel', 'ledger'],
  evidence: ['kernel', 'ledger', 'contracts'],
  intake: ['kernel', 'ledger', 'contracts', 'evidence'],
  evaluation: ['kernel', 'ledger', 'contracts', 'evidence'],
  payments: ['kernel', 'ledger', 'contracts', 'evidence', 'evaluation'],
  reports: ['kernel', 'ledger', 'contracts', 'evidence', 'evaluation', 'payments'],
  services: ['kernel', 'ledger', 'contracts', 'evidence', 'intake', 'evaluation', 'payments', 'reports'],
};
const CONTEXTS = Object.keys(LAYERS);
/** The one domain module allowed to use a Node builtin. */
const CRYPTO_MODULE = 'domain/kernel/crypto.ts';
const DOMAIN_PACKAGES = new Set(['zod', 'canonicalize', 'decimal.js', 'n2words']);
const FORBIDDEN_MENTIONS = ['process.env', 'Date.now(', 'new Date()', 'Math.random('];
const MERKLE_API = [
  'leafHash',
  'rootFromLeaves',
  'inclusionProof',
  'verifyInclusion',
  'consistencyProof',
  'verifyConsistency',
] as const;

/** Every tracked or new source file (repository-relative, posix). */
function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)))
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

/** The repository file a specifier names, or undefined for a package or builtin. */
function resolveSpecifier(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('#')) {
    const target = PKG.imports[specifier];
    return typeof target === 'string' ? posix.normalize(target) : undefined;
  }
  if (specifier.startsWith('.')) return posix.normalize(posix.join(posix.dirname(file), specifier));
  return undefined;
}

const contextOf = (file: string) => /^domain\/([^/]+)\//.exec(file)?.[1];
const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Why an import breaks a rule of the layout, or undefined if it is allowed. */
function violation(file: string, specifier: string): string | undefined {
  const from = contextOf(file);
  const target = resolveSpecifier(file, specifier);
  if (target === undefined) {
    if (!file.startsWith('domain/')) return undefined;
    if (specifier.startsWith('node:')) {
      return file === CRYPTO_MODULE ? undefined : `a Node builtin outside ${CRYPTO_MODULE}`;
    }
    if (specifier.startsWith('#')) return 'an alias that package.json does not declare';
    return DOMAIN_PACKAGES.has(packageName(specifier)) ? undefined : 'a package the domain may not use';
  }
  if (file.startsWith('functions/') && target.startsWith('infra/')) return 'functions/ reaches into infra/';
  if (file.startsWith('domain/') && !target.startsWith('domain/')) return 'reaches outside domain/';
  const to = contextOf(target);
  if (to === undefined || to === from) return undefined;
  // The browser's half of the kernel (console/src/crypto/) stands in for domain/kernel/crypto.ts, so it is
  // built from the kernel's modules, and its test compares it with that module.
  const browserKernel = file.startsWith('console/src/crypto/') || file === 'test/console/kernel.test.ts';
  if (!specifier.startsWith('#') && !(to === 'kernel' && browserKernel)) {
    return `a deep import into the ${to} context (use '#${to}')`;
  }
  if (from !== undefined && !(LAYERS[from] ?? []).includes(to)) return `the ${from} context may not use ${to}`;
  return undefined;
}

function violations(file: string, source: string): string[] {
  return importSpecifiers(source).flatMap((specifier) => {
    const why = violation(file, specifier);
    return why === undefined ? [] : [`${file}: import '${specifier}': ${why}`];
  });
}

/** The import graph of the repository's modules (repository files only). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      const targets = importSpecifiers(source)
        .map((s) => resolveSpecifier(file, s))
        .filter((t): t is string => t !== undefined && known.has(t));
      return [file, [...new Set(targets)]];
    }),
  );
}

/** Each import cycle once, as the list of its files. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** The modules loaded, transitively, when `entry` is imported. */
function closure(graph: ReadonlyMap<string, readonly string[]>, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of graph.get(file) ?? []) visit(next);
  };
  visit(entry);
  return seen;
}

const isTest = (f: string) => f.startsWith('test/') || f.endsWith('.test.ts');
const isLocale = (f: string) => /\/locales?\//.test(f);

describe('the checkers themselves', () => {
  it('find static, type-only, re-export, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export * from './c.ts';",
      "import {\n  d,\n  e,\n} from 'd-package';",
      "import 'side-effect';",
      "const f = await import('./f.ts');",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual([
      '../b.ts',
      './a.ts',
      './c.ts',
      './f.ts',
      'd-package',
      'side-effect',
    ]);
  });

  it('refuse AWS, foreign builtins, deep imports, layering breaks and functions -> infra', () => {
    const source = [
      "import x from '../../functions/adapters/dynamo-ledger.ts';",
      "import { readFile } from 'node:fs/promises';",
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { Logger } from '@aws-lambda-powertools/logger';",
      "import middy from '@middy/core';",
      "import { specHash } from '../contracts/spec.ts';",
      "import { buildReport } from '#reports';",
      "import { ok } from './entry.ts';",
      "import { sha256 } from '#kernel';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(violations('domain/ledger/log.ts', source)).toEqual([
      "domain/ledger/log.ts: import '../../functions/adapters/dynamo-ledger.ts': reaches outside domain/",
      "domain/ledger/log.ts: import 'node:fs/promises': a Node builtin outside domain/kernel/crypto.ts",
      "domain/ledger/log.ts: import '@aws-sdk/client-dynamodb': a package the domain may not use",
      "domain/ledger/log.ts: import '@aws-lambda-powertools/logger': a package the domain may not use",
      "domain/ledger/log.ts: import '@middy/core': a package the domain may not use",
      "domain/ledger/log.ts: import '../contracts/spec.ts': a deep import into the contracts context (use '#contracts')",
      "domain/ledger/log.ts: import '#reports': the ledger context may not use reports",
    ]);
    expect(violations('functions/api/ledger.ts', "import { x } from '../../infra/local/stack.ts';")).toEqual([
      "functions/api/ledger.ts: import '../../infra/local/stack.ts': functions/ reaches into infra/",
    ]);
    expect(
      violations('cli/commands/report.ts', "import { verifyReport } from '../../domain/reports/verify.ts';"),
    ).toEqual([
      "cli/commands/report.ts: import '../../domain/reports/verify.ts': a deep import into the reports context (use '#reports')",
    ]);
  });

  it('find a cycle', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});

describe('the layout', () => {
  const files = sourceFiles();
  const graph = importGraph(files);

  it('has the contexts, each with its index.ts, and no loose module at the top of domain/', () => {
    for (const context of CONTEXTS) expect(files, context).toContain(`domain/${context}/index.ts`);
    expect(files.filter((f) => /^domain\/[^/]+\.ts$/.test(f))).toEqual(['domain/index.ts']);
    for (const context of CONTEXTS) expect(PKG.imports[`#${context}`]).toBe(`./domain/${context}/index.ts`);
  });

  it('keeps every import within the rules', () => {
    const found = files.flatMap((f) => violations(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('keeps domain/ free of the environment, the clock and randomness', () => {
    const found = files
      .filter((f) => f.startsWith('domain/'))
      .flatMap((f) => {
        const source = readFileSync(join(ROOT, f), 'utf8');
        return FORBIDDEN_MENTIONS.filter((m) => source.includes(m)).map((m) => `${f}: ${m}`);
      });
    expect(found).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no source file over 500 lines (tests and locale tables aside)', () => {
    const long = files
      .filter((f) => !isTest(f) && !isLocale(f))
      .map((f) => ({ f, lines: readFileSync(join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f} (${lines})`);
    expect(long).toEqual([]);
  });

  it('opens each context index with a comment saying what the context owns', () => {
    for (const context of CONTEXTS) {
      const source = readFileSync(join(ROOT, 'domain', context, 'index.ts'), 'utf8');
      expect(source.trimStart().startsWith('/**'), context).toBe(true);
    }
  });
});

describe('the public API for third-party verifiers (domain/index.ts)', () => {
  const files = sourceFiles();
  const graph = importGraph(files);

  it('exports the six Merkle functions, verifyReport and export verification', async () => {
    const api = (await import('../domain/index.ts')) as Record<string, unknown>;
    for (const name of [...MERKLE_API, 'verifyReport', 'verifyExportBytes']) {
      expect(typeof api[name], name).toBe('function');
    }
  });

  it('loads no intake, parsing, evaluation-running or use-case code', () => {
    const loaded = [...closure(graph, 'domain/index.ts')];
    expect(loaded.filter((f) => /^domain\/(intake|services)\//.test(f))).toEqual([]);
    expect(loaded.every((f) => f.startsWith('domain/'))).toBe(true);
  });
});

describe('a Lambda bundle carries no local-stack code', () => {
  it('functions/ reaches no module of infra/, however indirectly', () => {
    const files = sourceFiles();
    const graph = importGraph(files);
    const reached = files
      .filter((f) => f.startsWith('functions/'))
      .flatMap((f) => [...closure(graph, f)])
      .filter((f) => f.startsWith('infra/'));
    expect([...new Set(reached)]).toEqual([]);
  });
});
