/**
 * GET /contracts/{contract}/template (the operator's console downloads it),
 * invoked as API Gateway would invoke the api/contracts handler, against the
 * test stack: the XLSX workbook (base64, its Evidence sheet's bilingual
 * header and the contract's cohorts as a list) and the CSV (the header and an
 * example row, as `sib operator template` writes them), each an attachment
 * named after the contract; an unknown format is 422 naming the query field,
 * an unregistered contract 404, a role other than operator or evaluator 403.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractProfileSchema, parseContractSpec } from '#contracts';
import { contractTemplate, templateCsv } from '#intake';
import * as contractsApi from '../../functions/api/contracts.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, type Call, token } from '../support/api-event.ts';
import { freshContract, lambdaContext, saveEnv } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-api-template-'));
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
let rt: Runtime;
let contract = '';

/** The raw answer: the template route's body is a file, not JSON. */
async function template(call: Call & { format?: string }, id = contract) {
  const event = apiEvent('getTemplate', id, call);
  const withQuery =
    call.format === undefined
      ? event
      : { ...event, rawQueryString: `format=${call.format}`, queryStringParameters: { format: call.format } };
  const result = await contractsApi.handler(withQuery, lambdaContext());
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    bytes: Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

beforeAll(async () => {
  process.env.SIB_DATA_DIR = dir;
  process.env.SIB_CONTRACTS_DIR = join(dir, 'contracts');
  rt = await localRuntime(dir, testStack());
  setRuntime(rt);
  contract = freshContract(join(dir, 'contracts'), 'template');
  const spec = JSON.parse(readFileSync(join(dir, 'contracts', `${contract}.json`), 'utf8'));
  const registered = await contractsApi.handler(
    apiEvent('registerContract', contract, { body: spec, claims: token('ministry', 'm', contract) }),
    lambdaContext(),
  );
  expect(registered.statusCode, registered.body).toBe(201);
});
afterAll(() => {
  resetRuntime();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /contracts/{contract}/template', () => {
  it('answers the XLSX workbook by default: the Evidence sheet with the bilingual header, an attachment', async () => {
    const answer = await template({ claims: token('operator', 'op', contract) });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${contract}-template.xlsx"`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(answer.bytes as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('Evidence');
    if (sheet === undefined) throw new Error('no sheet Evidence');
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    expect(header.some((h) => h.includes('[eventId]'))).toBe(true);
    expect(header.some((h) => h.includes('[participant]'))).toBe(true);
  });

  it('answers the CSV (the header and an example row) for format=csv, to the evaluator too', async () => {
    const answer = await template({ claims: token('evaluator', 'ev', contract), format: 'csv' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${contract}-template.csv"`);
    const versions = await rt.contracts.log.size(contract);
    expect(versions).toBeGreaterThan(0);
    const spec = JSON.parse(readFileSync(join(dir, 'contracts', `${contract}.json`), 'utf8'));
    expect(answer.bytes.toString('utf8')).toBe(
      templateCsv(contractTemplate(ContractProfileSchema.parse(parseContractSpec(spec)))),
    );
  });

  it('refuses an unknown format (422, the query field), an unregistered contract (404), another role (403)', async () => {
    const bad = await template({ claims: token('operator', 'op', contract), format: 'pdf' });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.bytes.toString('utf8')).errors).toEqual([expect.objectContaining({ field: 'query.format' })]);
    const unknown = await template({ claims: token('operator', 'op', 'no-such-contract') }, 'no-such-contract');
    expect(unknown.status).toBe(404);
    const investor = await template({ claims: token('investor', 'inv', contract) });
    expect(investor.status).toBe(403);
  });
});
