import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCsv } from '#intake';
import { type Problem, ValidationError } from '#kernel';
import { ingestBatch } from '#services';
import { columnLetter, numberText } from '../../functions/adapters/xlsx/cells.ts';
import { readXlsxBatch } from '../../functions/adapters/xlsx-batch.ts';
import { handler as ingestHandler } from '../../functions/ingest-batch.ts';
import { type S3Event, handler as s3Handler } from '../../functions/ingest-s3.ts';
import { handler as presignHandler } from '../../functions/presign-upload.ts';
import type { Runtime } from '../../functions/shared/composition.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { XLSX_BYTES, XLSX_MEDIA_TYPE } from '../../functions/shared/request.ts';
import { apiEvent, CONSENT_SHA256, freshContract, invoke, lambdaContext } from '../support/http.ts';
import { registerFixture, useHandlerRuntime } from '../support/runtime.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { s3Client } from '../support/stack.ts';
import { excelDate, type TestCell, workbookBytes } from '../support/xlsx.ts';

const HEADER = [
  'eventId',
  'participant',
  'type',
  'date',
  'source',
  'cohort',
  'category',
  'sex',
  'birthYear',
  'consentSha256',
];
const JOB_HEADER = ['employerId', 'contractType', 'monthlyWage'];

/** An enrolment row of HEADER, its date a real Excel date cell and its birth year a number cell. */
const enrolRow = (eventId: string, participant: string, day = '2024-03-01'): TestCell[] => [
  eventId,
  participant,
  'enrolment',
  excelDate(day),
  'operator',
  2024,
  'released',
  'female',
  1991,
  CONSENT_SHA256,
];
/** An employment start of HEADER + JOB_HEADER, the wage a number cell. */
const jobRow = (eventId: string, participant: string): TestCell[] => [
  eventId,
  participant,
  'employment-started',
  excelDate('2024-04-01'),
  'employer',
  null,
  null,
  null,
  null,
  null,
  'KAMCHATKA-FISH',
  'permanent',
  6_500_000,
];

const evidenceSheet = (rows: (TestCell[] | undefined)[], name = 'Evidence') => ({
  name,
  rows: [[...HEADER, ...JOB_HEADER], ...rows],
});

describe('XLSX cells as text', () => {
  it('writes numbers as Excel shows them: no float noise, no ".0", no exponent', () => {
    expect(numberText(0.1 + 0.2)).toBe('0.3');
    expect(numberText(12500.5)).toBe('12500.5');
    expect(numberText(12500)).toBe('12500');
    expect(numberText(6_500_000)).toBe('6500000');
    expect(numberText(1.1 * 3)).toBe('3.3');
    expect(numberText(0.0000001)).toBe('0.0000001');
    expect(numberText(-42)).toBe('-42');
  });

  it('names columns by their letters', () => {
    expect([1, 4, 26, 27, 52, 703].map(columnLetter)).toEqual(['A', 'D', 'Z', 'AA', 'AZ', 'AAA']);
  });
});

describe('reading a sheet', () => {
  it('gives the records the CSV of the same rows gives: dates as YYYY-MM-DD, numbers as text, empty rows skipped', async () => {
    const bytes = await workbookBytes([
      evidenceSheet([enrolRow('e1', 'OP-1'), undefined, ['', '', '', '', ''], jobRow('e2', 'OP-1')]),
    ]);
    const csv = [
      [...HEADER, ...JOB_HEADER].join(','),
      `e1,OP-1,enrolment,2024-03-01,operator,2024,released,female,1991,${CONSENT_SHA256},,,`,
      'e2,OP-1,employment-started,2024-04-01,employer,,,,,,KAMCHATKA-FISH,permanent,6500000',
    ].join('\n');

    const sheet = await readXlsxBatch(bytes);

    expect(sheet.problems).toEqual([]);
    expect(sheet.sheet).toBe('Evidence');
    expect(sheet.records.map((r) => r.at)).toEqual([2, 5]);
    expect(sheet.records.map((r) => r.value)).toEqual(
      parseCsv(new TextEncoder().encode(csv)).records.map((r) => r.value),
    );
    expect(sheet.records[0]?.value).toMatchObject({ date: '2024-03-01', cohort: '2024', birthYear: 1991 });
    expect(sheet.records[1]?.value).toMatchObject({ monthlyWage: '6500000' });
  });

  it('reads a date cell as the day it shows, whatever time zone reads it', async () => {
    // Excel stores a date as a day count; a JS Date at local midnight east of UTC is the day before in UTC.
    const bytes = await workbookBytes([
      evidenceSheet([enrolRow('e1', 'OP-1', '2024-01-01'), enrolRow('e2', 'OP-2', '2024-12-31')]),
    ]);

    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Kamchatka';
    const sheet = await readXlsxBatch(bytes).finally(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    expect(sheet.records.map((r) => (r.value as { date: string }).date)).toEqual(['2024-01-01', '2024-12-31']);
  });

  it('reads the sheet named, and refuses a name the workbook does not have, listing its sheets', async () => {
    const bytes = await workbookBytes([
      { name: 'Notes', rows: [['free text, not evidence']] },
      evidenceSheet([enrolRow('e1', 'OP-1')], 'Май 2024'),
    ]);

    const named = await readXlsxBatch(bytes, { sheet: 'Май 2024' });
    const first = await readXlsxBatch(bytes);
    const missing = await readXlsxBatch(bytes, { sheet: 'June' });

    expect(named.problems).toEqual([]);
    expect(named.records).toHaveLength(1);
    expect(first.sheet).toBe('Notes');
    expect(first.locate(first.problems)).toEqual(
      expect.arrayContaining([{ at: 1, field: 'eventId', message: 'sheet Notes, row 1: missing required column' }]),
    );
    expect(missing.problems).toEqual([{ message: 'the workbook has no sheet June (its sheets: Notes, Май 2024)' }]);
  });

  it('names the sheet, the cell and the field of each problem', async () => {
    const wrongDate = enrolRow('e2', 'OP-2');
    wrongDate[3] = new Date('2024-03-01T13:30:00Z');
    const errorCell = enrolRow('e3', 'OP-3');
    errorCell[8] = { error: '#VALUE!' };
    const bytes = await workbookBytes([
      evidenceSheet([enrolRow('e1', 'OP-1'), wrongDate, errorCell, [...enrolRow('e4', 'OP-4'), '', '', '', 'stray']]),
    ]);

    const sheet = await readXlsxBatch(bytes);

    expect(sheet.records.map((r) => r.at)).toEqual([2]);
    expect(sheet.locate(sheet.problems)).toEqual([
      {
        at: 3,
        field: 'date',
        message:
          'sheet Evidence, cell D3: the cell holds a date with a time of day (2024-03-01 13:30:00): give the date only',
      },
      {
        at: 4,
        field: 'birthYear',
        message:
          'sheet Evidence, cell I4: the cell holds the Excel error #VALUE!: correct the formula or type the value',
      },
      { at: 5, field: 'column N', message: 'sheet Evidence, row 5: a value right of the last column of the header' },
    ]);
  });

  it('refuses a file that is not a workbook, and a sheet without records', async () => {
    const notXlsx = await readXlsxBatch(new TextEncoder().encode('eventId,participant\n'));
    const empty = await readXlsxBatch(await workbookBytes([{ name: 'Empty', rows: [] }]));
    const headerOnly = await readXlsxBatch(await workbookBytes([evidenceSheet([])]));

    expect(notXlsx.problems).toEqual([
      { message: 'the file is not an XLSX workbook (Excel 2007 or later): save it as .xlsx, or as CSV UTF-8' },
    ]);
    expect(empty.locate(empty.problems)).toEqual([
      { message: 'sheet Empty: the sheet is empty: expected a header row of column names' },
    ]);
    expect(headerOnly.problems).toEqual([{ at: 1, message: 'the sheet has no records: an empty batch is rejected' }]);
  });
});

const handlers = useHandlerRuntime('sib-xlsx-');
const { contracts } = handlers;
let rt: Runtime;
beforeAll(() => {
  rt = handlers.runtime();
});

async function ingestSheet(contract: string, batchId: string, bytes: Uint8Array) {
  const sheet = await readXlsxBatch(bytes);
  return ingestBatch(
    {
      profile: await loadProfile(contract),
      batchId,
      submitter: { sub: 'operator-1', role: 'operator' },
      records: sheet.records,
      parseProblems: sheet.problems,
      today: '2026-01-01',
      unit: 'row',
    },
    rt.ports,
  ).catch((error: unknown) => {
    if (error instanceof ValidationError) throw new ValidationError(error.message, sheet.locate(error.problems));
    throw error;
  });
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly Problem[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).problems;
}

describe('ingesting a sheet', () => {
  it('accepts the records of a sheet, stored as those of a CSV file', async () => {
    const contract = freshContract(contracts, 'xlsx');
    await registerFixture(rt, contract);
    const bytes = await workbookBytes([evidenceSheet([enrolRow('e1', 'OP-1'), jobRow('e2', 'OP-1')])]);

    const receipt = await ingestSheet(contract, 'x-1', bytes);

    expect(receipt).toMatchObject({ recordCount: 2, replayed: false });
    const stored = await rt.store.byBatch(contract, 'x-1');
    expect(stored.map((r) => [r.record.type, r.record.date])).toEqual([
      ['enrolment', '2024-03-01'],
      ['employment-started', '2024-04-01'],
    ]);
  });

  it('refuses a wrong cell, naming the sheet, cell and field, and a duplicate by its row', async () => {
    const contract = freshContract(contracts, 'xlsx');
    await registerFixture(rt, contract);
    const wrong = enrolRow('e2', 'OP-2');
    wrong[3] = 45_413; // a date typed as a plain number: not a date cell
    const bytes = await workbookBytes([evidenceSheet([enrolRow('e1', 'OP-1'), wrong, enrolRow('e1', 'OP-3')])]);

    const problems = await problemsOf(ingestSheet(contract, 'x-2', bytes));

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ at: 3, field: 'date', message: expect.stringMatching(/^sheet Evidence, cell D3: /) }),
        expect.objectContaining({
          at: 4,
          field: 'eventId',
          message: 'sheet Evidence, cell A4: duplicate eventId: row 2 of this batch has it too',
        }),
      ]),
    );
    expect(await rt.store.byBatch(contract, 'x-2')).toEqual([]);
  });
});

describe('POST /contracts/{contract}/batches with an XLSX body', () => {
  const xlsxEvent = (contract: string, bytes: Uint8Array, query: Record<string, string>) =>
    apiEvent({
      route: 'batches',
      contract,
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
      query,
      headers: { 'content-type': XLSX_MEDIA_TYPE },
    });

  it('accepts the sheet the sheet parameter names with 201', async () => {
    const contract = freshContract(contracts, 'xlsx-api');
    await registerFixture(rt, contract);
    const bytes = await workbookBytes([
      { name: 'Readme', rows: [['fill in the next sheet']] },
      evidenceSheet([enrolRow('e1', 'OP-1'), jobRow('e2', 'OP-1')]),
    ]);

    const answer = await invoke(ingestHandler, xlsxEvent(contract, bytes, { batchId: 'api-1', sheet: 'Evidence' }));

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ batchId: 'api-1', recordCount: 2 });
  });

  it('answers 413 for a workbook over XLSX_BYTES, before reading it', async () => {
    const contract = freshContract(contracts, 'xlsx-api');
    await registerFixture(rt, contract);

    const answer = await invoke(
      ingestHandler,
      xlsxEvent(contract, new Uint8Array(XLSX_BYTES + 1), { batchId: 'api-3' }),
    );

    expect(answer.status).toBe(413);
    expect(answer.body.detail).toMatch(/a workbook is at most 1,048,576 bytes: save a larger one as CSV UTF-8/);
  });

  it('answers 422 with every problem located by sheet and cell, nothing written', async () => {
    const contract = freshContract(contracts, 'xlsx-api');
    await registerFixture(rt, contract);
    const wrong = enrolRow('e1', 'OP-1');
    wrong[7] = 'unknown';
    const bytes = await workbookBytes([evidenceSheet([wrong])]);

    const answer = await invoke(ingestHandler, xlsxEvent(contract, bytes, { batchId: 'api-2' }));

    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ at: 2, field: 'sex', message: expect.stringMatching(/^sheet Evidence, cell H2: /) }),
    ]);
    expect(await rt.store.byBatch(contract, 'api-2')).toEqual([]);
  });
});

describe('an XLSX upload (POST /contracts/{contract}/uploads, then the S3-event ingest)', () => {
  async function upload(contract: string, batchId: string, bytes: Uint8Array, contentLength = bytes.length) {
    const answer = await invoke(
      presignHandler,
      apiEvent({
        route: 'uploads',
        contract,
        body: JSON.stringify({ batchId, contentType: XLSX_MEDIA_TYPE, contentLength }),
        headers: { 'content-type': 'application/json' },
      }),
    );
    if (answer.status !== 201) return { answer };
    const { url, key, bucket, headers } = answer.body as {
      url: string;
      key: string;
      bucket: string;
      headers: Record<string, string>;
    };
    expect((await fetch(url, { method: 'PUT', headers, body: bytes })).status).toBe(200);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const ingested = await (s3Handler as unknown as (e: S3Event, c: Context) => Promise<{ uploads: unknown[] }>)(
        objectCreatedEvent({ bucket, key, size: bytes.length }),
        lambdaContext(),
      );
      const result = await s3Client().send(
        new GetObjectCommand({ Bucket: bucket, Key: `results/${contract}/${batchId}.json` }),
      );
      return {
        answer,
        key,
        ingested,
        result: JSON.parse(await (result.Body as { transformToString(): Promise<string> }).transformToString()),
      };
    } finally {
      out.mockRestore();
    }
  }

  it('ingests the first sheet of a workbook uploaded as <batchId>.xlsx', async () => {
    const contract = freshContract(contracts, 'xlsx-up');
    await registerFixture(rt, contract);
    const bytes = await workbookBytes([evidenceSheet([enrolRow('e1', 'OP-1'), jobRow('e2', 'OP-1')])]);

    const { answer, key, ingested, result } = await upload(contract, 'up-1', bytes);

    expect(answer.status).toBe(201);
    expect(key).toBe(`uploads/${contract}/up-1.xlsx`);
    expect(ingested?.uploads).toEqual([expect.objectContaining({ key, status: 'accepted' })]);
    expect(result).toMatchObject({ batchId: 'up-1', recordCount: 2 });
  });

  it('writes the problems of a rejected workbook by sheet and cell; refuses a workbook over the bound before signing', async () => {
    const contract = freshContract(contracts, 'xlsx-up');
    await registerFixture(rt, contract);
    const wrong = enrolRow('e1', 'OP-1');
    wrong[6] = 'free';
    const bytes = await workbookBytes([evidenceSheet([wrong])]);

    const rejected = await upload(contract, 'up-2', bytes);
    const large = await upload(contract, 'up-3', bytes, XLSX_BYTES + 1);

    expect(rejected.ingested?.uploads).toEqual([expect.objectContaining({ status: 'rejected' })]);
    expect(rejected.result.errors).toEqual([
      expect.objectContaining({
        at: 2,
        field: 'category',
        message: expect.stringMatching(/^sheet Evidence, cell G2: /),
      }),
    ]);
    expect(await rt.store.byBatch(contract, 'up-2')).toEqual([]);
    expect(large.answer.status).toBe(422);
    expect(JSON.stringify(large.answer.body)).toContain('save a larger one as CSV');
  });
  it("refuses an encoding for a workbook (binary; the encoding is a CSV file's) before signing", async () => {
    const contract = freshContract(contracts, 'xlsx-up');
    await registerFixture(rt, contract);

    const answer = await invoke(
      presignHandler,
      apiEvent({
        route: 'uploads',
        contract,
        body: JSON.stringify({ batchId: 'up-4', contentType: XLSX_MEDIA_TYPE, encoding: 'windows-1251' }),
        headers: { 'content-type': 'application/json' },
      }),
    );

    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ field: 'encoding', message: expect.stringMatching(/CSV file only/) }),
    ]);
  });
});
