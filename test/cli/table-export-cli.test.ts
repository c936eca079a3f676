/**
 * --format xlsx|csv on the role commands that print a table, as processes
 * against the test stack: a Second Chance copy with a per-outcome rule (so
 * y1 pays) is registered, one batch submitted, y1 evaluated (payment 3),
 * attested, approved and recorded as paid; then each command's workbook is
 * read back with exceljs (typed cells), its CSV checked, and the usage
 * errors (xlsx without -o, --json with --format) refused with exit 2.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lines } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { useRoleCli } from '../support/gateway.ts';

const cli = useRoleCli();
let contract = '';

async function workbook(file: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load((await readFile(file)) as unknown as ArrayBuffer);
  return book;
}

/** A sheet's header labels and its rows, each cell as exceljs reads it. */
function rowsOf(sheet: ExcelJS.Worksheet | undefined): { header: unknown[]; rows: Record<string, unknown>[] } {
  if (sheet === undefined) throw new Error('no such sheet');
  const header = (sheet.getRow(1).values as unknown[]).slice(1);
  const rows: Record<string, unknown>[] = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    rows.push(Object.fromEntries(header.map((h, i) => [String(h), sheet.getCell(r, i + 1).value])));
  }
  return { header, rows };
}

const out = (name: string) => join(cli.path, name);

beforeAll(async () => {
  contract = cli.freshContract('exports');
  const file = join(cli.contractsDir, `${contract}.json`);
  const spec = JSON.parse(await readFile(file, 'utf8')) as { payments: unknown[] };
  const perOutcome = { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: '5000000' };
  await writeFile(file, JSON.stringify({ ...spec, payments: [...spec.payments, perOutcome] }));
  await cli.login('ministry', 'ministry-head', [contract]);
  await cli.login('operator', 'operator-1', [contract]);
  await cli.login('evaluator', 'calc-evaluator', [contract]);
  await cli.login('investor', 'investor-1', [contract]);
  const fieldEvaluator = await cli.token('evaluator', 'field-evaluator', [contract]);
  const treasury = await cli.token('ministry', 'ministry-treasury', [contract]);
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
  const second = join(cli.path, 'batch-2.json');
  await writeFile(second, JSON.stringify({ batchId: 'b-2', records: [enrol('e4', 'OP-4', '2024-02-02')] }));
  const pay = ['--contract', contract, '--payment', '3'];
  for (const args of [
    ['ministry', 'register', '--contract', contract],
    ['operator', 'submit', '--contract', contract, batch],
    ['operator', 'submit', '--contract', contract, second],
    ['evaluator', 'evaluate', '--contract', contract, '--period', 'y1'],
    ['evaluator', 'attest', ...pay, '--token', fieldEvaluator],
    ['ministry', 'approve', ...pay],
    ['ministry', 'mark-paid', ...pay, '--order', 'PP-000003', '--date', '2024-12-20', '--token', treasury],
  ]) {
    const result = await cli.run(args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  }
});

describe('payments', () => {
  it('sib ministry payments --format xlsx: a row per payment, money in roubles with the currency format, dates as dates', async () => {
    const result = await cli.run([
      'ministry',
      'payments',
      '--contract',
      contract,
      '--format',
      'xlsx',
      '-o',
      out('p.xlsx'),
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([`Wrote ${out('p.xlsx')}: Payments (1 row)`]);
    const book = await workbook(out('p.xlsx'));
    const sheet = book.getWorksheet('Payments');
    const { rows } = rowsOf(sheet);
    expect(rows).toHaveLength(1);
    const [p] = rows;
    expect(p).toMatchObject({
      payment: 3,
      period: 'y1',
      total: 100000,
      state: 'paid',
      'calculated by': 'calc-evaluator',
      'paid on': new Date('2024-12-20T00:00:00Z'),
      'payment order': 'PP-000003',
      'contract version': 1,
    });
    for (const at of ['calculated at', 'attested at', 'approved at', 'recorded paid at']) {
      expect(p?.[at], at).toBeInstanceOf(Date);
    }
    expect(sheet?.getCell('C2').numFmt).toBe('#,##0.00 "RUB"');
    expect(sheet?.getCell('M2').numFmt).toBe('yyyy-mm-dd');
  });

  it('sib investor payments: the table, then --format csv on standard output and into a file (with the BOM)', async () => {
    const shown = await cli.run(['investor', 'payments', '--contract', contract]);
    const piped = await cli.run(['investor', 'payments', '--contract', contract, '--format', 'csv']);
    const filed = await cli.run([
      'investor',
      'payments',
      '--contract',
      contract,
      '--format',
      'csv',
      '-o',
      out('p.csv'),
    ]);

    expect(shown.code, shown.stderr).toBe(0);
    expect(lines(shown.stdout)[2]).toMatch(new RegExp(`^${contract}/3\\s+y1\\s+100,000\\.00 RUB\\s+paid\\s+paid`));
    expect(piped.code, piped.stderr).toBe(0);
    const csv = piped.stdout.split('\r\n');
    expect(csv[0]).toBe(
      'payment,period,total (RUB),state,superseded,calculated at,calculated by,attested at,approved at,rejected at,rejection reason,recorded paid at,paid on,payment order,contract version,checkpoint',
    );
    expect(csv[1]).toMatch(
      /^3,y1,100000\.00,paid,,\d{4}-\d\d-\d\dT[^,]+Z,calc-evaluator,.*,2024-12-20,PP-000003,1,\d+$/,
    );
    expect(csv[2]).toBe('');
    expect(filed.code, filed.stderr).toBe(0);
    expect(await readFile(out('p.csv'), 'utf8')).toBe(`\uFEFF${piped.stdout}`);
  });

  it('--format xlsx without -o, --json with --format, --format pdf: usage errors (exit 2), nothing written', async () => {
    const noFile = await cli.run(['ministry', 'payments', '--contract', contract, '--format', 'xlsx']);
    const both = await cli.run(['investor', 'payments', '--contract', contract, '--format', 'csv', '--json']);
    const pdf = await cli.run(['investor', 'payments', '--contract', contract, '--format', 'pdf']);

    expect(noFile.code).toBe(2);
    expect(noFile.stdout).toBe('');
    expect(noFile.stderr).toMatch(
      /^error: --format xlsx writes a binary workbook, never to the terminal: give -o FILE\.xlsx/,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --json and --format csv exclude each other/);
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toMatch(
      /^error: option '--format <format>' argument 'pdf' is invalid\. must be table, xlsx or csv\./,
    );
  });
});

describe('an evaluation', () => {
  it('sib evaluator evaluation --format xlsx: a sheet per table, outcomes and payment lines typed', async () => {
    const result = await cli.run([
      'evaluator',
      'evaluation',
      '--contract',
      contract,
      '--seq',
      '3',
      '--format',
      'xlsx',
      '-o',
      out('e.xlsx'),
    ]);

    expect(result.code, result.stderr).toBe(0);
    const book = await workbook(out('e.xlsx'));
    expect(book.worksheets.map((s) => s.name)).toEqual([
      'Outcomes',
      'Groups',
      'Comparisons',
      'Triggers',
      'Indicators',
      'Payment lines',
      'Caps',
      'Allocation',
    ]);
    const outcomes = rowsOf(book.getWorksheet('Outcomes')).rows;
    const employed = outcomes.find((r) => r.metric === 'employed');
    expect(employed).toMatchObject({ unit: 'rate', value: 0.5, numerator: 2, denominator: 4 });
    const outcomesSheet = book.getWorksheet('Outcomes');
    const row = 2 + outcomes.indexOf(employed as Record<string, unknown>);
    expect(outcomesSheet?.getCell(row, 4).numFmt).toBe('0.0%');
    const lines = rowsOf(book.getWorksheet('Payment lines')).rows;
    expect(lines.find((l) => l.rule === 'job-found')).toMatchObject({
      type: 'payment',
      outcomes: 2,
      amount: 100000,
    });
    expect(lines.find((l) => l.rule === 'this period')).toMatchObject({ amount: 100000 });
    expect(book.getWorksheet('Payment lines')?.getCell('D2').numFmt).toBe('#,##0.00 "RUB"');
  });

  it('--format csv writes the outcomes, --sheet another table; an unknown sheet is a usage error', async () => {
    const base = ['evaluator', 'evaluation', '--contract', contract, '--seq', '3', '--format', 'csv'];
    const outcomes = await cli.run(base);
    const payLines = await cli.run([...base, '--sheet', 'payment lines']);
    const unknown = await cli.run([...base, '--sheet', 'nope']);

    expect(outcomes.code, outcomes.stderr).toBe(0);
    expect(outcomes.stdout.split('\r\n')[0]).toMatch(/^metric,title,unit,value,numerator,denominator,/);
    expect(payLines.code, payLines.stderr).toBe(0);
    expect(payLines.stdout).toMatch(/\r\njob-found,payment,2,100000\.00,/);
    expect(payLines.stdout).toMatch(/\r\nthis period,total,,100000\.00,\r\n/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--sheet must be one of Outcomes, Groups, .*, not nope/);
  });
});

describe('evidence batches', () => {
  it('sib operator batches: the table, and --format xlsx with a column per record type', async () => {
    const shown = await cli.run(['operator', 'batches', '--contract', contract]);
    const result = await cli.run([
      'operator',
      'batches',
      '--contract',
      contract,
      '--format',
      'xlsx',
      '-o',
      out('b.xlsx'),
    ]);

    expect(shown.code, shown.stderr).toBe(0);
    expect(lines(shown.stdout)[0]).toMatch(/^batch\s+entry\s+appended\s+records\s+per type$/);
    expect(lines(shown.stdout)[2]).toMatch(/^b-2\s+2\s+\d{4}-.*\s+1\s+enrolment 1$/);
    expect(result.code, result.stderr).toBe(0);
    const { header, rows } = rowsOf((await workbook(out('b.xlsx'))).getWorksheet('Batches'));
    expect(header).toEqual(['batch', 'entry', 'appended at', 'records', 'employment-started', 'enrolment']);
    expect(rows).toEqual([
      expect.objectContaining({ batch: 'b-2', entry: 2, records: 1, 'employment-started': 0, enrolment: 1 }),
      expect.objectContaining({ batch: 'b-1', entry: 1, records: 5, 'employment-started': 2, enrolment: 3 }),
    ]);
    expect(rows[0]?.['appended at']).toBeInstanceOf(Date);
  });
});

describe('an evaluation run', () => {
  it('sib evaluator evaluate --format xlsx: the evaluation recorded, its tables written', async () => {
    const result = await cli.run([
      'evaluator',
      'evaluate',
      '--contract',
      contract,
      '--period',
      'y2',
      '--format',
      'xlsx',
      '-o',
      out('y2.xlsx'),
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([
      expect.stringMatching(
        /^Wrote .*y2\.xlsx: Outcomes, Groups, Comparisons, Triggers, Indicators, Payment lines, Caps, Allocation \(\d+ rows\)$/,
      ),
    ]);
    const book = await workbook(out('y2.xlsx'));
    const payLines = rowsOf(book.getWorksheet('Payment lines')).rows;
    expect(payLines.find((l) => l.rule === 'paid before')).toMatchObject({ amount: 100000 });
  });
});
