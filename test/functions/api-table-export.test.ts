/**
 * The `format=xlsx|csv` query of GET …/payments, GET …/batches and GET
 * …/evaluations/{seq} (functions/api/table-answer.ts), invoked as API
 * Gateway would invoke the handlers, against the test stack: each answer an
 * attachment with its content type, the workbook read back with exceljs
 * (typed cells), the CSV with its byte-order mark; an unknown format is 422
 * naming the query field; without the query the JSON answer is unchanged.
 */
import ExcelJS from 'exceljs';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ingestBatch } from '#services';
import * as contractsApi from '../../functions/api/contracts.ts';
import * as ledgerApi from '../../functions/api/ledger.ts';
import * as paymentsApi from '../../functions/api/payments.ts';
import { setRuntime } from '../../functions/shared/composition.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { apiEvent, type Role, token } from '../support/api-event.ts';
import { enrol, freshContract, job, lambdaContext } from '../support/http.ts';
import { registerFixture, useHandlerRuntime } from '../support/runtime.ts';

const { contracts, runtime } = useHandlerRuntime('sib-api-table-export-');
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HANDLERS = { ledger: ledgerApi.handler, contracts: contractsApi.handler, payments: paymentsApi.handler };

/** The raw answer: with a format the body is a file, not JSON. */
async function call(
  api: keyof typeof HANDLERS,
  id: string,
  role: Role,
  query: Record<string, string> = {},
  params: Record<string, string> = {},
) {
  const event = apiEvent(id, contract, { claims: token(role, `${role}-1`, contract), params });
  const withQuery = {
    ...event,
    rawQueryString: new URLSearchParams(query).toString(),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
  };
  const result = await HANDLERS[api](withQuery, lambdaContext());
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    bytes: Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

async function sheetOf(bytes: Buffer, name: string): Promise<ExcelJS.Worksheet> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = book.getWorksheet(name);
  if (sheet === undefined) throw new Error(`no sheet ${name}: ${book.worksheets.map((s) => s.name).join(', ')}`);
  return sheet;
}

let contract = '';
let payment = 0;
/** Powertools' log lines and metrics (stdout, stderr) are not the test's output. */
function quiet(): void {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
}
beforeEach(() => {
  quiet();
  return () => vi.restoreAllMocks();
});
beforeAll(async () => {
  quiet();
  contract = freshContract(contracts, 'table-export');
  await registerFixture(runtime(), contract);
  await ingestBatch(
    {
      profile: await loadProfile(contract),
      batchId: 'b-1',
      submitter: { sub: 'operator-7', role: 'operator' },
      records: [enrol('e1', 'OP-0001', '2024-01-05'), job('j1', 'OP-0001', '2024-02-01')].map((value, at) => ({
        at,
        value,
      })),
      today: '2026-01-01',
    },
    runtime().ports,
  );
  setRuntime(runtime()); // useHandlerRuntime sets it before each test only
  const event = apiEvent('evaluate', contract, {
    body: { period: 'y1' },
    claims: token('evaluator', 'calc-evaluator', contract),
  });
  const evaluated = await contractsApi.handler(event, lambdaContext());
  expect(evaluated.statusCode, evaluated.body).toBe(201);
  payment = (JSON.parse(evaluated.body ?? '{}') as { entry: { seq: number } }).entry.seq;
  vi.restoreAllMocks();
});

describe('format=xlsx|csv', () => {
  it('GET …/payments?format=xlsx: an attachment, the payment with its total in roubles and its dates typed', async () => {
    const answer = await call('payments', 'listPayments', 'investor', { format: 'xlsx' });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(XLSX);
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${contract}-payments.xlsx"`);
    const sheet = await sheetOf(answer.bytes, 'Payments');
    expect(sheet.getCell('A2').value).toBe(payment);
    expect(sheet.getCell('B2').value).toBe('y1');
    expect(typeof sheet.getCell('C2').value).toBe('number');
    expect(sheet.getCell('C2').numFmt).toBe('#,##0.00 "RUB"');
    expect(sheet.getCell('D2').value).toBe('calculated');
    expect(sheet.getCell('F2').value).toBeInstanceOf(Date);
  });

  it('GET …/payments?format=csv: UTF-8 CSV with a byte-order mark; without format the JSON answer', async () => {
    const csv = await call('payments', 'listPayments', 'ministry', { format: 'csv' });
    const plain = await call('payments', 'listPayments', 'ministry');

    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${contract}-payments.csv"`);
    const text = csv.bytes.toString('utf8');
    expect(text.startsWith('\uFEFFpayment,period,total (RUB),state,')).toBe(true);
    expect(text.split('\r\n')[1]).toMatch(new RegExp(`^${payment},y1,\\d+\\.\\d\\d,calculated,`));
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(plain.bytes.toString('utf8')).payments).toHaveLength(1);
  });

  it('GET …/batches?format=xlsx: the records per batch and type', async () => {
    const answer = await call('ledger', 'listBatches', 'operator', { format: 'xlsx' });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${contract}-batches.xlsx"`);
    const sheet = await sheetOf(answer.bytes, 'Batches');
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([
      'batch',
      'entry',
      'appended at',
      'records',
      'employment-started',
      'enrolment',
    ]);
    expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual(['b-1', 1, expect.any(Date), 2, 1, 1]);
  });

  it('GET …/evaluations/{seq}?format=xlsx: a sheet per outcome table; csv: the outcomes', async () => {
    const xlsx = await call('contracts', 'getEvaluation', 'evaluator', { format: 'xlsx' }, { seq: String(payment) });
    const csv = await call('contracts', 'getEvaluation', 'evaluator', { format: 'csv' }, { seq: String(payment) });

    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-disposition']).toBe(`attachment; filename="${contract}-evaluation-${payment}.xlsx"`);
    const outcomes = await sheetOf(xlsx.bytes, 'Outcomes');
    expect((outcomes.getRow(1).values as unknown[]).slice(1, 5)).toEqual(['metric', 'title', 'unit', 'value']);
    expect(typeof outcomes.getCell('D2').value).toBe('number');
    const lines = await sheetOf(xlsx.bytes, 'Payment lines');
    expect(lines.getCell('D2').numFmt).toBe('#,##0.00 "RUB"');
    expect(csv.status).toBe(200);
    expect(csv.bytes.toString('utf8')).toMatch(/^\uFEFFmetric,title,unit,value,/);
  });

  it('GET …/evaluations/{seq}?format=csv&sheet=Payment lines: that table; an unknown sheet is 422', async () => {
    const seq = { seq: String(payment) };
    const lines = await call('contracts', 'getEvaluation', 'evaluator', { format: 'csv', sheet: 'Payment lines' }, seq);
    const unknown = await call('contracts', 'getEvaluation', 'evaluator', { format: 'csv', sheet: 'Nope' }, seq);

    expect(lines.status).toBe(200);
    expect(lines.bytes.toString('utf8')).toMatch(/^\uFEFFrule,type,outcomes,amount \(RUB\),formula\r\n/);
    expect(unknown.status).toBe(422);
    expect(JSON.parse(unknown.bytes.toString('utf8')).errors).toEqual([
      expect.objectContaining({ field: expect.stringMatching(/sheet/) }),
    ]);
  });

  it('an unknown format is 422 naming query.format', async () => {
    const answer = await call('payments', 'listPayments', 'ministry', { format: 'pdf' });

    expect(answer.status).toBe(422);
    expect(JSON.parse(answer.bytes.toString('utf8')).errors).toEqual([
      expect.objectContaining({ field: expect.stringMatching(/format/) }),
    ]);
  });
});
