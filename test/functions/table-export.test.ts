/** The table exporter (functions/shared/table-export.ts, functions/adapters/xlsx/tables.ts): typed XLSX cells read back with exceljs, and RFC 4180 CSV. */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { tablesXlsx } from '../../functions/adapters/xlsx-batch.ts';
import { type ExportTable, majorUnits, tableCsv } from '../../functions/shared/table-export.ts';

const payments: ExportTable = {
  name: 'Payments',
  columns: [
    { label: 'payment', kind: 'number' },
    { label: 'period', kind: 'text' },
    { label: 'total', kind: 'money', currency: 'RUB', minorUnit: 2 },
    { label: 'calculated at', kind: 'datetime' },
    { label: 'paid on', kind: 'date' },
    { label: 'note', kind: 'text' },
  ],
  rows: [
    [13, 'y1', '4500000012', '2025-03-01T10:20:30.000Z', '2025-03-31', 'Итог, "окончательный"\nвторая строка'],
    [14, 'y2', '-150', '2025-04-01T00:00:00Z', undefined, undefined],
  ],
};

async function readBack(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  return workbook;
}

describe('majorUnits', () => {
  it('places the point by the minor unit, signs and leading zeros kept right', () => {
    expect(majorUnits('4500000012', 2)).toBe('45000000.12');
    expect(majorUnits('5', 2)).toBe('0.05');
    expect(majorUnits('-150', 2)).toBe('-1.50');
    expect(majorUnits('1200', 0)).toBe('1200');
    expect(() => majorUnits('1.5', 2)).toThrow(/minor units/);
  });
});

describe('tablesXlsx', () => {
  it('writes numbers as numbers, money in major units with the currency format, dates as dates', async () => {
    const workbook = await readBack(await tablesXlsx([payments, { ...payments, name: 'Payments' }]));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Payments', 'Payments 2']);
    const sheet = workbook.getWorksheet('Payments') as ExcelJS.Worksheet;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([
      'payment',
      'period',
      'total',
      'calculated at',
      'paid on',
      'note',
    ]);
    expect(sheet.getCell('A2').value).toBe(13);
    expect(sheet.getCell('C2').value).toBe(45000000.12);
    expect(sheet.getCell('C2').numFmt).toBe('#,##0.00 "RUB"');
    expect(sheet.getCell('C3').value).toBe(-1.5);
    expect(sheet.getCell('D2').value).toEqual(new Date('2025-03-01T10:20:30Z'));
    expect(sheet.getCell('D2').numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(sheet.getCell('E2').value).toEqual(new Date('2025-03-31T00:00:00Z'));
    expect(sheet.getCell('E2').numFmt).toBe('yyyy-mm-dd');
    expect(sheet.getCell('E3').value).toBeNull();
    expect(sheet.getCell('F2').value).toBe('Итог, "окончательный"\nвторая строка');
  });
});

describe('typed cells in a column of mixed units', () => {
  const mixed: ExportTable = {
    name: 'Outcomes',
    columns: [
      { label: 'metric', kind: 'text' },
      { label: 'value', kind: 'number' },
    ],
    rows: [
      ['employed', { value: '0.512345', kind: 'percent' }],
      ['cost', { value: '123456', kind: 'money', currency: 'KZT', minorUnit: 2 }],
      ['count', '42'],
    ],
  };

  it('XLSX: each cell written as its own type', async () => {
    const sheet = (await readBack(await tablesXlsx([mixed]))).getWorksheet('Outcomes') as ExcelJS.Worksheet;

    expect(sheet.getCell('B2').value).toBe(0.512345);
    expect(sheet.getCell('B2').numFmt).toBe('0.0%');
    expect(sheet.getCell('B3').value).toBe(1234.56);
    expect(sheet.getCell('B3').numFmt).toBe('#,##0.00 "KZT"');
    expect(sheet.getCell('B4').value).toBe(42);
  });

  it('CSV: rates as fractions, money in currency units', () => {
    expect(tableCsv(mixed)).toBe('\uFEFFmetric,value\r\nemployed,0.512345\r\ncost,1234.56\r\ncount,42\r\n');
  });
});

describe('tableCsv', () => {
  it('is RFC 4180 with a byte-order mark: CRLF, quoted fields, money in major units, the currency in the header', () => {
    const csv = tableCsv(payments);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.slice(1)).toBe(
      'payment,period,total (RUB),calculated at,paid on,note\r\n' +
        '13,y1,45000000.12,2025-03-01T10:20:30.000Z,2025-03-31,"Итог, ""окончательный""\nвторая строка"\r\n' +
        '14,y2,-1.50,2025-04-01T00:00:00Z,,\r\n',
    );
  });
});
