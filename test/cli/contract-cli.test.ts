import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { lines, REPO, sib, useDataDir } from '../support/cli.ts';

/**
 * `sib contract validate` run as a process: a spec file checked offline, no
 * stack and no API (contracts are registered by sib ministry register).
 */
const data = useDataDir({ withStack: false });
const run = (args: string[]) => sib(data.path, args);

/** A shipped spec as raw JSON. */
async function shipped(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(REPO, 'contracts', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

// Independent processes: run together.
describe.concurrent('sib contract validate', () => {
  it('lists every problem of a bad spec with the dotted path of the field, exit 1', async ({ expect }) => {
    const bad = await shipped('second-chance-kamchatka');
    bad.currency = 'rub';
    (bad.parties as { investors: { share: string }[] }).investors[0] = { share: '1' } as never;
    const file = join(data.path, 'bad-spec.json');
    await writeFile(file, JSON.stringify(bad));

    const result = await run(['contract', 'validate', file]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const out = lines(result.stderr);
    expect(out[0]).toBe('contract spec second-chance-kamchatka is invalid');
    expect(out[2]).toMatch(/^field\s+problem$/);
    expect(result.stderr).toMatch(/^currency\s+must be an ISO 4217 currency code/m);
    expect(result.stderr).toMatch(/^parties\.investors\.0\.id\s+\S/m);
    expect(result.stderr).toMatch(/^parties\.investors\.0\.name\s+\S/m);
  });

  it('accepts a valid spec with OK, exit 0', async ({ expect }) => {
    const result = await run(['contract', 'validate', join(REPO, 'contracts', 'second-chance-kamchatka.json')]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK: second-chance-kamchatka version 1 \(\d+ metrics, \d+ payment rules\)\n$/);
  });

  it('a file that is not JSON: exit 1 with one line', async ({ expect }) => {
    const file = join(data.path, 'not-json.json');
    await writeFile(file, '{"id": ');

    const result = await run(['contract', 'validate', file]);

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^error: .*not-json\.json is not JSON/)]);
  });
});
