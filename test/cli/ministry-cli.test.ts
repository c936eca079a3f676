/**
 * The payment workflow and audit reports through the HTTP API, as
 * processes: a Second Chance copy with a per-outcome rule added (a price for
 * each participant employed), so that y1 pays. calc-evaluator evaluates y1
 * (payment = entry 2), field-evaluator attests, ministry-head approves (the
 * report is issued), ministry-treasury records the payment; then y2 is
 * evaluated, rejected and recalculated. The refusals, their exit statuses
 * and the report commands on the way. Steps run in order.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lines } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { useRoleCli } from '../support/gateway.ts';

const cli = useRoleCli();
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
let contract = '';
let fieldEvaluator = '';
let treasury = '';
const logSize = () => cli.logSize(contract);

const pay = (role: string, command: string, payment: string | number, ...rest: string[]) =>
  cli.run([role, command, '--contract', contract, '--payment', String(payment), ...rest]);
const attest = (payment: string | number, ...rest: string[]) => pay('evaluator', 'attest', payment, ...rest);
const ministry = (command: string, payment: string | number, ...rest: string[]) =>
  pay('ministry', command, payment, ...rest);

/** The report issued on approval: its id (SHA-256). */
let sha = '';
const short = () => sha.slice(0, 12);
const base = (size: number, id = sha) => `reports/${contract}/y1/p2-s${size}-${id}`;
const outDir = () => join(cli.path, 'downloads');

beforeAll(async () => {
  contract = cli.freshContract('ministry');
  const file = join(cli.contractsDir, `${contract}.json`);
  const spec = JSON.parse(await readFile(file, 'utf8')) as { payments: unknown[] };
  const perOutcome = { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: '5000000' };
  await writeFile(file, JSON.stringify({ ...spec, payments: [...spec.payments, perOutcome] }));
  await cli.login('ministry', 'ministry-head', [contract]);
  await cli.login('operator', 'operator-1', [contract]);
  await cli.login('evaluator', 'calc-evaluator', [contract]);
  await cli.login('investor', 'investor-1', [contract]);
  fieldEvaluator = await cli.token('evaluator', 'field-evaluator', [contract]);
  treasury = await cli.token('ministry', 'ministry-treasury', [contract]);
  const batch = join(cli.path, 'batch.json');
  await writeFile(
    batch,
    JSON.stringify({
      batchId: 'b-1',
      records: [
        { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'released' },
        job('j1', 'OP-1', '2024-02-01'),
        { ...enrol('e2', 'OP-2', '2024-01-10'), category: 'released' },
        job('j2', 'OP-2', '2024-03-01'),
        enrol('e3', 'OP-3', '2024-02-01'),
      ],
    }),
  );
  for (const args of [
    ['ministry', 'register', '--contract', contract],
    ['operator', 'submit', '--contract', contract, batch],
    ['evaluator', 'evaluate', '--contract', contract, '--period', 'y1'],
  ]) {
    const result = await cli.run(args);
    expect(result.code, result.stderr).toBe(0);
  }
  expect(await logSize()).toBe(3);
});

describe('the payment workflow', () => {
  it('payments: each evaluation is a payment, calculated, with who calculated it and when', async () => {
    const result = await cli.run(['ministry', 'payments', '--contract', contract]);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^payment\s+period\s+total\s+state\s+last step\s+by\s+when$/);
    expect(out[2]).toMatch(
      new RegExp(
        `^${contract}/2\\s+y1\\s+100,000\\.00 RUB\\s+calculated\\s+calculated \\(entry 2\\)\\s+calc-evaluator \\(evaluator\\)\\s+\\d{4}-\\d{2}-\\d{2}T`,
      ),
    );
    expect(out).toHaveLength(3);
  });

  it('attest by the subject who calculated the payment: not allowed in one line, exit 3, nothing written', async () => {
    const result = await attest(2);

    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `error: calc-evaluator may not attest payment ${contract}/2: calc-evaluator calculated it (separation of duties: each step of a payment is taken by another subject)`,
    ]);
    expect(await logSize()).toBe(3);
  });

  it('approve before the attestation: refused, exit 1', async () => {
    const result = await ministry('approve', 2);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot approve payment .*\/2: it is calculated; the evaluator attests it first/,
    );
    expect(await logSize()).toBe(3);
  });

  it('payment-order before the approval: refused in words, exit 1', async () => {
    const result = await ministry('payment-order', 2);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /is calculated, not approved: a payment order is drawn only for a payment the ministry has approved/,
    );
    expect(result.stdout).toBe('');
  });

  it('attest, then the same again: Attested, then Already attested (one entry)', async () => {
    const first = await attest(2, '--token', fieldEvaluator);
    const again = await attest(`${contract}/2`, '--token', fieldEvaluator);

    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)).toEqual([
      `Attested: payment ${contract}/2 (period y1, 100,000.00 RUB)`,
      expect.stringMatching(/^ {2}by field-evaluator \(evaluator\), entry seq 3 \([0-9a-f]{64}\) at \d{4}-/),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Already attested: payment ${contract}/2 `));
    expect(lines(again.stdout)[1]).toBe(lines(first.stdout)[1]);
    expect(await logSize()).toBe(4);
  });

  it('a payment id of another contract, or --lang de: usage errors (exit 2), nothing approved', async () => {
    const other = await ministry('approve', 'some-other-contract/2');
    const lang = await ministry('approve', 2, '--lang', 'de');

    expect(other.code).toBe(2);
    expect(lines(other.stderr)).toEqual([
      `error: --payment some-other-contract/2 is a payment of contract some-other-contract, not of ${contract} (see sib ministry approve --help)`,
    ]);
    expect(lang.code).toBe(2);
    expect(lang.stdout).toBe('');
    expect(lang.stderr).toMatch(/^error: option '--lang <lang>' argument 'de' is invalid\. must be ru or en\./);
    expect(await logSize()).toBe(4);
  });

  it('approve prints the receipt, then "Report issued: <sha>" and where the JSON and the PDF are', async () => {
    const result = await ministry('approve', 2);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const out = lines(result.stdout);
    expect(out[0]).toBe(`Approved: payment ${contract}/2 (period y1, 100,000.00 RUB)`);
    expect(out[1]).toMatch(/^ {2}by ministry-head \(ministry\), entry seq 4 /);
    sha = /^Report issued: ([0-9a-f]{64})$/.exec(out[2] ?? '')?.[1] ?? '';
    expect(sha, result.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect(out.slice(3)).toEqual([
      '  payment 2 (y1), state approved, checkpoint 5',
      `  JSON ${base(5)}.json`,
      `  PDF (ru) ${base(5)}.ru.pdf`,
      `  download: sib investor download --contract ${contract} --report ${short()}`,
    ]);
    expect(await logSize()).toBe(5);
  });
});

describe('the audit reports', () => {
  it('investor reports: id, period, payment, checkpoint and PDF languages; --json lists where they are', async () => {
    const result = await cli.run(['investor', 'reports', '--contract', contract]);
    const listed = await cli.run(['investor', 'reports', '--contract', contract, '--json']);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^report\s+period\s+payment\s+checkpoint\s+PDF$/);
    expect(out.slice(2)).toEqual([expect.stringMatching(new RegExp(`^${short()}\\s+y1\\s+2\\s+5\\s+ru$`))]);
    expect(json(listed.stdout)).toEqual({
      contract,
      reports: [
        {
          contract,
          period: 'y1',
          payment: 2,
          size: 5,
          sha256: sha,
          jsonKey: `${base(5)}.json`,
          pdfKeys: { ru: `${base(5)}.ru.pdf` },
          issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
        },
      ],
    });
  });

  it('investor download writes the JSON (hashing to the id, no pseudonyms) and the PDF; verify with the log key', async () => {
    const result = await cli.run(['investor', 'download', '--contract', contract, '--report', short(), '-o', outDir()]);
    const file = join(outDir(), `report-${contract}-y1-${short()}.json`);
    const logKey = (await cli.run(['keys', 'show', '--contract', contract])).stdout.trim();
    const verified = await cli.run(['report', 'verify', file, '--key', logKey]);
    const byDefault = await cli.run(['investor', 'verify', file]);

    expect(result.code, result.stderr).toBe(0);
    expect(sha256Hex(await readFile(file))).toBe(sha);
    expect((await readFile(file, 'utf8')).match(/p-[0-9a-f]{32}/)).toBeNull();
    const pdf = join(outDir(), `report-${contract}-y1-${short()}.ru.pdf`);
    expect((await readFile(pdf)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(verified.code, verified.stderr).toBe(0);
    expect(lines(verified.stdout)[0]).toMatch(
      new RegExp(`^OK: the report of ${contract} period y1 verifies: all \\d+ checks hold$`),
    );
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout).toBe(verified.stdout);
  });

  it('issue-report --lang en at the same checkpoint adds the English PDF to the same report', async () => {
    const result = await ministry('issue-report', 2, '--lang', 'en');
    const list = await cli.run(['investor', 'reports', '--contract', contract]);
    const download = await cli.run(['investor', 'download', '--contract', contract, '--report', sha, '-o', outDir()]);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(`Report already issued: ${sha}`);
    expect(out).toContain(`  PDF (en) ${base(5)}.en.pdf`);
    expect(out).toContain(`  PDF (ru) ${base(5)}.ru.pdf`);
    expect(lines(list.stdout).slice(2)).toEqual([
      expect.stringMatching(new RegExp(`^${short()}\\s+y1\\s+2\\s+5\\s+(en, ru|ru, en)$`)),
    ]);
    expect(download.code, download.stderr).toBe(0);
    const en = join(outDir(), `report-${contract}-y1-${short()}.en.pdf`);
    expect(download.stdout).toContain(`wrote ${en}\n`);
    expect((await readFile(en)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await logSize()).toBe(5);
  });

  it('refusals: an unknown report (exit 1, nothing written), an entry that is no payment (exit 1), --lang de (exit 2)', async () => {
    const unknown = (sha.startsWith('f') ? '0' : 'f').repeat(12);
    const before = await readdir(outDir());

    const download = await cli.run([
      'investor',
      'download',
      '--contract',
      contract,
      '--report',
      unknown,
      '-o',
      outDir(),
    ]);
    const notPayment = await ministry('issue-report', 1);
    const lang = await ministry('issue-report', 2, '--lang', 'de');

    expect(download.code).toBe(1);
    expect(download.stdout).toBe('');
    expect(lines(download.stderr)).toEqual([expect.stringContaining(`no report ${unknown}`)]);
    expect(await readdir(outDir())).toEqual(before);
    expect(notPayment.code).toBe(1);
    expect(lines(notPayment.stderr)).toEqual([expect.stringContaining(`entry 1 of ${contract} is not a`)]);
    expect(lang.code).toBe(2);
    expect(lang.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the payment recorded as paid, then a period rejected and recalculated', () => {
  it('mark-paid: a bad date is a problem table by option (exit 1); then Recorded as paid', async () => {
    const badDate = await ministry('mark-paid', 2, '--order', '000123', '--date', '2024-02-30', '--token', treasury);
    const paid = await ministry(
      'mark-paid',
      2,
      '--order',
      '000123',
      '--date',
      '2024-09-30',
      '--token',
      treasury,
      '--json',
    );

    expect(badDate.code).toBe(1);
    expect(lines(badDate.stderr)[0]).toBe('error: invalid body');
    expect(badDate.stderr).toMatch(/^field\s+problem\n-+\s+-+\n--date\s+\S/m);
    expect(paid.code, paid.stderr).toBe(0);
    expect(json(paid.stdout)).toMatchObject({ contract, payment: 2, step: 'paid', seq: 5, replayed: false });
    expect(await logSize()).toBe(6);
  });

  it('payment-order: the JSON on stdout; the workbook written with -o, its orders named', async () => {
    const printed = await ministry('payment-order', 2);
    const file = join(cli.path, 'order.xlsx');
    const written = await ministry('payment-order', 2, '--format', 'xlsx', '--lang', 'en', '-o', file);
    const bad = await ministry('payment-order', 2, '--format', 'pdf');

    expect(printed.code, printed.stderr).toBe(0);
    const order = json<{ state: string; total: string; totalText: string; lines: { payee: { id: string } }[] }>(
      printed.stdout,
    );
    expect(order).toMatchObject({ state: 'paid', paid: { paymentOrder: '000123', paidOn: '2024-09-30' } });
    expect(order.lines.map((l) => l.payee.id)).toEqual(['veb-dv']);
    expect(order.totalText).toMatch(/^[\d,]+\.\d\d RUB$/);
    expect(written.code, written.stderr).toBe(0);
    expect(lines(written.stdout)[0]).toBe(
      `Wrote ${file}: the payment-order data of ${contract}/2 (period y1), 1 order(s), ${order.totalText} in all.`,
    );
    expect(written.stdout).toMatch(/^ {2}to VEB\.DV: [\d,]+\.\d\d RUB \(.+ roubles? and \d\d kopecks?\)$/m);
    expect((await readFile(file)).subarray(0, 2).toString()).toBe('PK');
    expect(bad.code).toBe(2);
  });

  it('after mark-paid, issue-report --json issues a new report at the new checkpoint', async () => {
    const result = await ministry('issue-report', `${contract}/2`, '--json');

    expect(result.code, result.stderr).toBe(0);
    const issued = json<{ sha256: string; size: number; reused: boolean; jsonKey: string }>(result.stdout);
    expect(issued).toMatchObject({ contract, period: 'y1', payment: 2, size: 6, reused: false });
    expect(issued.sha256).not.toBe(sha);
    expect(issued.jsonKey).toBe(`${base(6, issued.sha256)}.json`);
    const list = await cli.run(['investor', 'reports', '--contract', contract, '--json']);
    expect(
      json<{ reports: { size: number }[] }>(list.stdout)
        .reports.map((r) => r.size)
        .sort(),
    ).toEqual([5, 6]);
  });

  it('reject: personal data in the reason is a problem table; a plain reason is recorded', async () => {
    const evaluate = await cli.run(['evaluator', 'evaluate', '--contract', contract, '--period', 'y2']);
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect((await attest(6, '--token', fieldEvaluator)).code).toBe(0);

    const named = await ministry('reject', 6, '--reason', 'ask Иванов Иван');
    const rejected = await ministry('reject', 6, '--reason', 'the employment records for March are missing');

    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/^--reason\s+looks like it contains a personal name/m);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(new RegExp(`^Rejected: payment ${contract}/6 \\(period y2, `));
    expect(await logSize()).toBe(9);
  });

  it('payments --payment: the history of a payment, with the reason of its rejection', async () => {
    const result = await cli.run(['ministry', 'payments', '--contract', contract, '--payment', '6']);
    const asJson = await cli.run([
      'ministry',
      'payments',
      '--contract',
      contract,
      '--payment',
      `${contract}/6`,
      '--json',
    ]);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(new RegExp(`^Payment ${contract}/6: period y2, \\S+ RUB, rejected$`));
    expect(out[1]).toMatch(/^ {2}result [0-9a-f]{64} \(contract version 1, checkpoint 6\)$/);
    expect(out[3]).toMatch(/^step\s+entry\s+by\s+role\s+when\s+detail$/);
    expect(out[5]).toMatch(/^calculated\s+6\s+calc-evaluator\s+evaluator\s+\S+$/);
    expect(out[6]).toMatch(/^attested\s+7\s+field-evaluator\s+evaluator\s+\S+$/);
    expect(out[7]).toMatch(
      /^rejected\s+8\s+ministry-head\s+ministry\s+\S+\s+reason: the employment records for March are missing$/,
    );
    expect(json(asJson.stdout)).toMatchObject({
      payment: 6,
      period: 'y2',
      state: 'rejected',
      calculatedBy: { sub: 'calc-evaluator', role: 'evaluator' },
      steps: [
        { step: 'attested', seq: 7 },
        { step: 'rejected', seq: 8 },
      ],
    });
  });

  it('a rejected period is recalculated: the list shows the old payment superseded', async () => {
    const evaluate = await cli.run(['evaluator', 'evaluate', '--contract', contract, '--period', 'y2']);
    const list = await cli.run(['ministry', 'payments', '--contract', contract]);
    const asJson = await cli.run(['ministry', 'payments', '--contract', contract, '--json']);

    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(list.code, list.stderr).toBe(0);
    expect(
      lines(list.stdout)
        .slice(2)
        .map((l) => l.split(/\s{2,}/).slice(0, 5)),
    ).toEqual([
      [`${contract}/2`, 'y1', '100,000.00 RUB', 'paid', 'paid (entry 5)'],
      [`${contract}/6`, 'y2', expect.stringMatching(/ RUB$/), 'rejected, superseded by 9', 'rejected (entry 8)'],
      [`${contract}/9`, 'y2', expect.stringMatching(/ RUB$/), 'calculated', 'calculated (entry 9)'],
    ]);
    expect(json<{ payments: { state: string }[] }>(asJson.stdout).payments.map((p) => p.state)).toEqual([
      'paid',
      'rejected',
      'calculated',
    ]);
  });

  it('--help of a step shows an example, separation of duties and the exit statuses', async () => {
    const help = await cli.run(['ministry', 'mark-paid', '--help']);

    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^ {2}\$ sib ministry mark-paid --contract \S+ --payment 13 --order \S+ --date 2025-03-31/m,
    );
    expect(help.stdout).toContain('Separation of duties');
    expect(help.stdout).toMatch(/^Exit status:\n {2}0 {2}success\n/m);
  });
});
