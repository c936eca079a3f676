/**
 * The console's table export (console/src/lib/export.ts): CSV with a BOM,
 * RFC 4180 quoting and exact money in major units; XLSX with typed cells.
 */
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { type ExportTable, fileName, sheetName, toCsv, xlsxBlob, xlsxRows } from '../../console/src/lib/export.ts';

const TABLE: ExportTable = {
  name: 'Ожидают решения 2026-12-06',
  columns: [
    { key: 'contract', label: 'Договор' },
    { key: 'amount', label: 'Сумма, ₽', kind: 'money' },
    { key: 'count', label: 'Число', kind: 'number' },
    { key: 'day', label: 'Дата', kind: 'date' },
  ],
  rows: [
    { contract: 'Второй шанс, Камчатка', amount: '45000000.00', count: 300, day: '2026-12-06' },
    { contract: 'He said "no"\nthen left', amount: '-0.01', count: '0.35', day: 'не указана' },
    { contract: '=HYPERLINK("x")', amount: 'n/a', day: '' },
  ],
};

describe('CSV export', () => {
  it('starts with a UTF-8 byte-order mark and ends lines with CRLF', () => {
    const csv = toCsv(TABLE);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.slice(1).split('\r\n')[0]).toBe('Договор,"Сумма, ₽",Число,Дата');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('quotes fields with commas, quotes or line breaks, doubling quotes (RFC 4180)', () => {
    const lines = toCsv(TABLE).slice(1).split('\r\n');
    expect(lines[1]).toBe('"Второй шанс, Камчатка",45000000.00,300,2026-12-06');
    expect(lines[2]).toBe('"He said ""no""\nthen left",-0.01,0.35,не указана');
  });

  it('writes money as an exact decimal in major units, never minor units or grouping', () => {
    const big = toCsv({
      name: 'x',
      columns: [{ key: 'a', label: 'a', kind: 'money' }],
      rows: [{ a: '1234567890123456.78' }],
    });
    expect(big).toBe('\uFEFFa\r\n1234567890123456.78\r\n');
  });

  it('guards text that a spreadsheet would run as a formula, and keeps a money cell that is no decimal as text', () => {
    const lines = toCsv(TABLE).slice(1).split('\r\n');
    expect(lines[3]).toBe(`"'=HYPERLINK(""x"")",n/a,,`);
  });

  it('names files and sheets safely', () => {
    expect(fileName('Ожидают решения 2026-12-06', 'csv')).toBe('Ожидают-решения-2026-12-06.csv');
    expect(fileName('///', 'xlsx')).toBe('table.xlsx');
    expect(sheetName('a/b:c*d?e[f]g\\h and more than thirty-one characters')).toHaveLength(31);
  });
});

describe('XLSX export', () => {
  it('types cells: bold header, money and numbers as numbers, days as dates, the rest as text', () => {
    const [header, first, second] = xlsxRows(TABLE);
    expect(header?.[0]).toMatchObject({ value: 'Договор', fontWeight: 'bold' });
    expect(first?.[1]).toEqual({ value: 45000000, type: Number, format: '#,##0.00' });
    expect(first?.[2]).toEqual({ value: 300, type: Number, format: '0' });
    expect(first?.[3]).toMatchObject({ type: Date, format: 'dd.mm.yyyy' });
    expect((first?.[3]?.value as Date | undefined)?.toISOString()).toBe('2026-12-06T00:00:00.000Z');
    expect(second?.[3]).toEqual({ value: 'не указана', type: String });
    expect(xlsxRows(TABLE)[3]?.[1]).toEqual({ value: 'n/a', type: String });
  });

  it('writes a workbook whose sheet holds the figures', async () => {
    const blob = await xlsxBlob(TABLE);
    const files = unzipSync(new Uint8Array(await blob.arrayBuffer()));
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml'] as Uint8Array);
    const strings = strFromU8(files['xl/sharedStrings.xml'] ?? new Uint8Array());
    expect(sheet).toContain('<v>45000000</v>');
    expect(`${sheet}${strings}`).toContain('Второй шанс, Камчатка');
    expect(strFromU8(files['xl/workbook.xml'] as Uint8Array)).toContain('Ожидают решения 2026-12-06');
  });
});
