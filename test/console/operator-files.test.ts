/**
 * The operator's submit page's pure parts, under Node: the annotated
 * workbook's rows (a leading `problems` column, each problem on its sheet
 * row, the rest as sent), the batch's sheet, the workbook problem's sheet
 * and cell taken from the server's message, the CSV encoding an upload
 * declares, and the file's SHA-256 as the presign route wants it. The
 * browser parts (the upload's progress, the downloads) are
 * test/console/operator-upload.e2e.test.ts's.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { annotateRows, batchSheet } from '../../console/src/pages/operator/annotated-xlsx.ts';
import { unprefixed } from '../../console/src/pages/operator/batch-files.ts';
import { CHECKSUM_BYTES, csvEncoding, sha256Hex, XLSX_BYTES } from '../../console/src/pages/operator/upload-file.ts';
import { XLSX_BYTES as SERVER_XLSX_BYTES } from '../../functions/shared/request.ts';

describe('annotateRows', () => {
  const rows = [
    ['eventId', 'date'],
    ['e1', '2024-03-01'],
    ['e2', '2030-01-01'],
    ['e3', 1992],
  ];

  it('puts each row\u2019s problems in a leading column, the header named problems, every cell kept in order', () => {
    const out = annotateRows(
      rows,
      [
        { at: 3, field: 'date', message: 'is in the future' },
        { at: 3, field: 'sex', message: 'must be one of: male, female' },
        { row: 4, message: 'the row has 3 cells; the header has 2 columns' },
      ],
      (m) => `«${m}»`,
    );
    expect(out).toEqual([
      ['problems', 'eventId', 'date'],
      [null, 'e1', '2024-03-01'],
      ['date: «is in the future»; sex: «must be one of: male, female»', 'e2', '2030-01-01'],
      ['«the row has 3 cells; the header has 2 columns»', 'e3', 1992],
    ]);
  });

  it('says the problems of no row (or of a row beyond the sheet) on the header row', () => {
    const out = annotateRows(rows, [{ message: 'the sheet has no records' }, { at: 99, message: 'far away' }]);
    expect(out[0]?.[0]).toBe('problems; the sheet has no records; far away');
    expect(out.slice(1).every((r) => r[0] === null)).toBe(true);
  });

  it('gives an empty sheet a header row of its own', () => {
    expect(annotateRows([], [{ message: 'the sheet is empty' }])).toEqual([['problems; the sheet is empty']]);
  });
});

describe('batchSheet', () => {
  const sheets = [
    { name: 'Notes', rows: [] },
    { name: 'Events', rows: [] },
  ];
  it('is the sheet named, else the first', () => {
    expect(batchSheet(sheets, 'Events')).toBe('Events');
    expect(batchSheet(sheets, undefined)).toBe('Notes');
    expect(batchSheet(sheets, '')).toBe('Notes');
    expect(batchSheet(sheets, 'Missing')).toBe('Notes');
  });
});

describe('unprefixed', () => {
  it('moves the sheet and cell of a workbook problem out of its message', () => {
    expect(unprefixed({ at: 7, field: 'date', message: 'sheet Events, cell D7: is in the future' })).toEqual({
      at: 7,
      field: 'date',
      sheet: 'Events',
      column: 'Events!D',
      message: 'is in the future',
    });
    expect(unprefixed({ at: 2, message: 'sheet My sheet, row 2: the row is too long' })).toEqual({
      at: 2,
      sheet: 'My sheet',
      column: 'My sheet',
      message: 'the row is too long',
    });
    expect(unprefixed({ message: 'a CSV problem' })).toEqual({ message: 'a CSV problem' });
  });
});

describe('the upload request', () => {
  it('refuses a workbook over the size the server reads whole', () => {
    expect(XLSX_BYTES).toBe(SERVER_XLSX_BYTES);
  });

  it('declares UTF-8 for UTF-8 bytes (a character cut at the end allowed), Windows-1251 otherwise', async () => {
    const utf8 = new TextEncoder().encode('eventId,note\r\ne1,Привет\r\n');
    expect(await csvEncoding(new Blob([utf8]))).toBe('utf-8');
    expect(await csvEncoding(new Blob([utf8.slice(0, utf8.length - 4)]))).toBe('utf-8');
    // "Привет" in Windows-1251.
    const cp1251 = new Uint8Array([0x65, 0x31, 0x2c, 0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2, 0x0d, 0x0a]);
    expect(await csvEncoding(new Blob([cp1251]))).toBe('windows-1251');
  });

  it('hashes the file as lowercase hex SHA-256, and not a file over CHECKSUM_BYTES', async () => {
    const bytes = new TextEncoder().encode('eventId\r\ne1\r\n');
    expect(await sha256Hex(new Blob([bytes]))).toBe(createHash('sha256').update(bytes).digest('hex'));
    const huge = { size: CHECKSUM_BYTES + 1 } as Blob;
    expect(await sha256Hex(huge)).toBeUndefined();
  });
});
