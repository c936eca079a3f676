import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import type { ReportVerification } from '#reports';
import { encodeReport } from '#reports';
import { copyOf, type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { lines, sib, useDataDir } from '../support/cli.ts';

/**
 * `sib report verify` as a user runs it, on report files written by the test
 * (test/support/audit-report.ts): offline, the keys given with --key, no stack.
 */
const data = useDataDir({ withStack: false });
let f: ReportFixture;
const file = (name: string) => join(data.path, name);

beforeAll(async () => {
  f = await secondChanceReport();
  await writeFile(file('report.json'), f.bytes);
  const changed = copyOf(f.report);
  (changed.payments.lines[0] as { amount: string }).amount = '3500000001';
  await writeFile(file('changed.json'), encodeReport(changed).bytes);
  await writeFile(file('truncated.json'), f.bytes.subarray(0, 1000));
});

describe.concurrent('sib report verify', () => {
  it('accepts the report as issued: OK, exit 0', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('report.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^OK: the report of second-chance-kamchatka period y2 verifies: all 28 checks hold$/);
    expect(run.stdout).toContain('  checkpoint witnesses: cosigned by test.witness\n');
    expect(run.stdout).toContain('  total: 35,000,000.00 RUB; to date 65,000,000.00 RUB\n');
  });

  it('prints every amount in currency units, never minor units labelled as roubles (issue 17)', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('report.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
      '--verbose',
    ]);

    expect(run.code).toBe(0);
    // The demo's final payment: 35,000,000.00 roubles, 65,000,000.00 to date.
    expect(run.stdout).toMatch(/^total\s+ok\s+35,000,000\.00 RUB; to date 65,000,000\.00 RUB$/m);
    expect(run.stdout).toMatch(/^allocation\s+ok\s+veb-dv: 35,000,000\.00 RUB$/m);
    expect(run.stdout).not.toMatch(/\b\d{7,} RUB\b/);
    expect(run.stdout).not.toContain('3500000000');
  });

  it('with --verbose prints a table of every check', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('report.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
      '--verbose',
    ]);

    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^check\s+result\s+detail$/);
    expect(run.stdout).toMatch(/^payment lines\s+ok\s+1 line\(s\) recomputed from the contract terms$/m);
    expect(run.stdout).toMatch(/^checkpoint witnesses\s+ok\s+cosigned by test\.witness$/m);
  });

  it('names each failed check with the figures, exit 1', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('changed.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
    ]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      'FAILED: 4 of 28 check(s) of the report of second-chance-kamchatka period y2 do not hold',
      '  report signature: the signature by test.log/second-chance-kamchatka+' +
        f.report.signature.keyId +
        ' does not verify: the report was changed after it was signed',
      expect.stringMatching(
        /^ {2}public summary: the report's figures hash to [0-9a-f]{64}, but the evaluation entry commits to [0-9a-f]{64}: a figure was changed after the evaluation was recorded$/,
      ),
      '  payment lines: payment line subsidy-y2: amount 35,000,000.01 RUB but the contract gives 35,000,000.00 RUB (every indicator met); payment line subsidy-y2: 35,000,000.01 RUB of 35,000,000.00 RUB due is paid, but no cap is named that cut it',
      '  total: the total is 35,000,000.00 RUB but the lines sum to 35,000,000.01 RUB',
    ]);
  });

  it('with --json prints the result', async ({ expect }) => {
    const good = await sib(data.path, [
      'report',
      'verify',
      file('report.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
      '--json',
    ]);
    const bad = await sib(data.path, [
      'report',
      'verify',
      file('changed.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
      '--json',
    ]);

    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, contract: 'second-chance-kamchatka', period: 'y2' });
    expect(bad.code).toBe(1);
    const result = JSON.parse(bad.stdout) as ReportVerification;
    expect(result.ok).toBe(false);
    expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'report signature',
      'public summary',
      'payment lines',
      'total',
    ]);
  });

  it('a truncated file: the format check fails, exit 1', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('truncated.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
    ]);

    expect(run.code).toBe(1);
    expect(lines(run.stderr)[0]).toBe('FAILED: 1 of 1 check(s) of the report do not hold');
    expect(lines(run.stderr)[1]).toMatch(/^ {2}format: the file is not JSON \(.*\): a truncated or damaged file\?$/);
  });

  it('a wrong key: the signatures fail, exit 1', async ({ expect }) => {
    const run = await sib(data.path, ['report', 'verify', file('report.json'), '--key', f.witnessKey]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^ {2}report signature: the report is signed by test\.log\/second-chance-kamchatka\+[0-9a-f]{8}, which is not among/m,
    );
    expect(run.stderr).toMatch(/^ {2}checkpoint signature: the checkpoint is not signed by the log's key test\.log/m);
  });

  it('no file: a clear error, exit 1; no key and no local log key: a usage error, exit 2', async ({ expect }) => {
    const missing = await sib(data.path, [
      'report',
      'verify',
      file('nothing.json'),
      '--key',
      f.logKey,
      '--key',
      f.witnessKey,
    ]);
    const keyless = await sib(data.path, ['report', 'verify', file('report.json')]);

    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: cannot read ${file('nothing.json')}: no such file\n`);
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(/^error: no verifier key: give --key/);
  });
});
