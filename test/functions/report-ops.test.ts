import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import { NotFoundError } from '#kernel';
import type { Actor } from '#ledger';
import { cosignCheckpoint, logVerifierKey, publishCheckpoint } from '#ledger';
import { verifyReport } from '#reports';
import {
  approvePayment,
  attestPayment,
  findReport,
  ingestBatch,
  issueReport,
  listReports,
  markPaid,
  registerContract,
  reportFileName,
  runEvaluation,
  type StoredReport,
} from '#services';
import { REPO } from '../support/cli.ts';
import { enrol, RELEASED_BATCH } from '../support/evidence.ts';
import { type EvidenceContext, openEvidence } from '../support/runtime.ts';
import { memoryWitness } from '../support/signer.ts';
import { testStack } from '../support/stack.ts';

/**
 * Issuing audit reports (domain/services/reports.ts) on the runtime's ports against
 * the test stack: DynamoDB Local for the log, s3rver for results and the
 * reports bucket, the PDF rendered for real. A Second Chance copy under a
 * fresh id with a per-outcome rule added (a price for each participant
 * employed), so that a batch of four pays in y1; y1 is evaluated, attested,
 * approved and paid by four subjects. The tests run in order: each builds on
 * the reports the one before left.
 */

const dir = mkdtempSync(join(tmpdir(), 'sib-report-ops-'));
let ctx: EvidenceContext;

const MINISTRY: Actor = { sub: 'test-ministry', role: 'ministry' };
const ANALYST: Actor = { sub: 'test-analyst', role: 'evaluator' };
const EVALUATOR: Actor = { sub: 'test-evaluator', role: 'evaluator' };
const TREASURY: Actor = { sub: 'test-treasury', role: 'ministry' };
const OPERATOR: Actor = { sub: 'test-operator', role: 'operator' };

/** 50,000.00 RUB for each participant employed within 180 days of release. */
const JOB_PRICE = '5000000';

const raw = (() => {
  const shipped = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
    payments: unknown[];
  };
  return {
    ...shipped,
    id: `ops-report-${randomUUID().slice(0, 8)}`,
    payments: [...shipped.payments, { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: JOB_PRICE }],
  };
})();
const contract = raw.id;

/** Four participants released in early 2024, two of them employed within 180 days. */
const BATCH = RELEASED_BATCH;

const ingest = (batchId: string, records: readonly object[]) =>
  ingestBatch(
    {
      profile: parseContractSpec(raw),
      batchId,
      submitter: OPERATOR,
      records: records.map((value, at) => ({ at, value })),
      today: '2026-01-01',
    },
    ctx.ports,
  );

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const issuedAt = () => new Date().toISOString();

async function stored(key: string): Promise<Uint8Array> {
  const bytes = await ctx.reports.get(key);
  if (bytes === undefined) throw new Error(`no object ${key}`);
  return bytes;
}

async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/** The payment: seq of y1's evaluation entry. */
let payment = 0;
/** Where y1's result (which holds pseudonyms) is stored. */
let resultKey = '';
let logKey = '';
let first: Awaited<ReturnType<typeof issueReport>>;

beforeAll(async () => {
  ctx = await openEvidence(dir, testStack());
  logKey = await logVerifierKey(ctx.signer, contract);
  await registerContract(ctx.contracts, raw, MINISTRY);
  await ingest('b-1', BATCH);
  const y1 = await runEvaluation(ctx.contracts, { contract, period: 'y1', actor: ANALYST });
  payment = y1.entry.seq;
  resultKey = y1.key;
  const target = { contract, payment };
  await attestPayment(ctx.contracts, { ...target, actor: EVALUATOR });
  await approvePayment(ctx.contracts, { ...target, actor: MINISTRY });
  await markPaid(ctx.contracts, { ...target, actor: TREASURY, paymentOrder: 'PP-2024-000002', paidOn: '2024-09-30' });
});
afterAll(() => {
  ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('issueReport', () => {
  it('issues the report of a paid payment: JSON and Russian PDF under reports/<contract>/<period>/', async () => {
    expect(payment).toBe(2);
    expect(await ctx.contracts.log.size(contract)).toBe(6);

    first = await issueReport(ctx.reporting, { contract, payment, lang: 'ru', issuedAt: issuedAt() });

    expect(first).toMatchObject({ contract, period: 'y1', payment, size: 6, reused: false });
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    const base = `reports/${contract}/y1/p2-s6-${first.sha256}`;
    expect(first.jsonKey).toBe(`${base}.json`);
    expect(first.pdfKeys).toEqual({ ru: `${base}.ru.pdf` });
    expect(first.report.workflow.state).toBe('paid');
    expect(first.report.payments.total).toBe(String(2n * BigInt(JOB_PRICE)));

    const json = await stored(first.jsonKey);
    expect(sha256Hex(json)).toBe(first.sha256);
    const pdf = await stored(first.pdfKeys.ru as string);
    expect(text(pdf.subarray(0, 5))).toBe('%PDF-');
  });

  it("the stored JSON verifies offline with the log's verifier key, and names no participant", async () => {
    const json = await stored(first.jsonKey);

    const verification = verifyReport(json, [logKey]);

    expect(verification.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verification).toMatchObject({ ok: true, contract, period: 'y1' });
    expect(text(json)).not.toMatch(/p-[0-9a-f]{32}/);
    // The evaluation result the report is built from does name participants by pseudonym.
    expect(text((await ctx.contracts.results.get(resultKey)) ?? new Uint8Array())).toMatch(/p-[0-9a-f]{32}/);
  });

  it('listReports finds it, with when it was stored; findReport finds it by a 12-hex prefix and by its full id', async () => {
    const listed = await listReports(ctx.reporting, contract);
    const expected: StoredReport = {
      contract,
      period: 'y1',
      payment,
      size: 6,
      sha256: first.sha256,
      jsonKey: first.jsonKey,
      pdfKeys: first.pdfKeys,
      // The JSON's store time, as the bucket lists it: the report's issue.
      issuedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/),
    };

    expect(listed).toEqual([expected]);
    expect(await findReport(ctx.reporting, contract, first.sha256.slice(0, 12))).toEqual(expected);
    expect(await findReport(ctx.reporting, contract, first.sha256)).toEqual(expected);
    expect(reportFileName(expected, 'json')).toBe(`report-${contract}-y1-${first.sha256.slice(0, 12)}.json`);
  });

  it('findReport: an unknown id, a short id or not hex is NotFoundError', async () => {
    const other = first.sha256.startsWith('0') ? '1' : '0';

    await failure(findReport(ctx.reporting, contract, other.repeat(12)), NotFoundError);
    await failure(findReport(ctx.reporting, contract, first.sha256.slice(0, 7)), NotFoundError);
    await failure(findReport(ctx.reporting, contract, 'not-a-report'), NotFoundError);
    expect(await listReports(ctx.reporting, `ops-none-${randomUUID().slice(0, 8)}`)).toEqual([]);
  });

  it('issuing again at the same size returns the same report, reused', async () => {
    const again = await issueReport(ctx.reporting, { contract, payment, lang: 'ru', issuedAt: issuedAt() });

    expect(again).toMatchObject({ sha256: first.sha256, jsonKey: first.jsonKey, pdfKeys: first.pdfKeys, reused: true });
    expect(again.report).toEqual(first.report);
    expect(await listReports(ctx.reporting, contract)).toHaveLength(1);
  });

  it('issuing in English afterwards adds the English PDF to the same report', async () => {
    const en = await issueReport(ctx.reporting, { contract, payment, lang: 'en', issuedAt: issuedAt() });

    const base = `reports/${contract}/y1/p2-s6-${first.sha256}`;
    expect(en).toMatchObject({ sha256: first.sha256, reused: true });
    expect(en.pdfKeys).toEqual({ ru: `${base}.ru.pdf`, en: `${base}.en.pdf` });
    const pdf = await stored(`${base}.en.pdf`);
    expect(text(pdf.subarray(0, 5))).toBe('%PDF-');
    expect(Buffer.from(pdf).equals(Buffer.from(await stored(`${base}.ru.pdf`)))).toBe(false);
    const listed = await listReports(ctx.reporting, contract);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.pdfKeys).toEqual(en.pdfKeys);
    // The JSON is untouched.
    expect(sha256Hex(await stored(first.jsonKey))).toBe(first.sha256);
  });

  it('a presigned GET URL downloads the same bytes as stored', async () => {
    for (const key of [first.jsonKey, first.pdfKeys.ru as string]) {
      const response = await fetch(await ctx.reports.presignGet(key));

      expect(response.status).toBe(200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(Buffer.from(bytes).equals(Buffer.from(await stored(key)))).toBe(true);
    }
  });

  it('after another entry is appended, a report is issued at the new size under a different id', async () => {
    const batch = await ingest('b-2', [enrol('e5', 'OP-5', '2024-06-01')]);
    expect(batch.seq).toBe(6);

    const later = await issueReport(ctx.reporting, { contract, payment, lang: 'ru', issuedAt: issuedAt() });

    expect(later).toMatchObject({ contract, period: 'y1', payment, size: 7, reused: false });
    expect(later.sha256).not.toBe(first.sha256);
    expect(later.jsonKey).toBe(`reports/${contract}/y1/p2-s7-${later.sha256}.json`);
    expect(later.report.payments).toEqual(first.report.payments);
    expect(verifyReport(await stored(later.jsonKey), [logKey]).ok).toBe(true);
    expect((await listReports(ctx.reporting, contract)).map((r) => [r.size, r.sha256])).toEqual([
      [6, first.sha256],
      [7, later.sha256],
    ]);
  });

  it('a report at a checkpoint a witness cosigned names the witness; it verifies with both keys', async () => {
    const witness = memoryWitness('evaluator.example/witness');
    await ingest('b-3', [enrol('e6', 'OP-6', '2024-06-02')]);
    await publishCheckpoint(ctx.log, ctx.signer, contract, 8);
    await cosignCheckpoint(ctx.log, contract, logKey, witness.signer, { size: 8, time: 1_767_000_000 });

    const cosigned = await issueReport(ctx.reporting, {
      contract,
      payment,
      lang: 'ru',
      issuedAt: issuedAt(),
      witnessKeys: [witness.key],
    });

    expect(cosigned).toMatchObject({ size: 8, reused: false });
    expect(cosigned.report.witnesses).toEqual(['evaluator.example/witness']);
    const json = await stored(cosigned.jsonKey);
    const checks = verifyReport(json, [logKey, witness.key]);
    expect(checks.ok).toBe(true);
    expect(checks.checks.find((c) => c.name === 'checkpoint witnesses')?.message).toContain(
      'evaluator.example/witness',
    );
  });

  it('an unregistered contract: NotFoundError', async () => {
    await failure(
      issueReport(ctx.reporting, {
        contract: `ops-none-${randomUUID().slice(0, 8)}`,
        payment: 2,
        lang: 'ru',
        issuedAt: issuedAt(),
      }),
      NotFoundError,
    );
  });

  it('a payment id that is not an evaluation entry is NotFoundError, and nothing is stored', async () => {
    const before = await listReports(ctx.reporting, contract);

    for (const seq of [0, 1, 3, 99]) {
      const error = await failure(
        issueReport(ctx.reporting, { contract, payment: seq, lang: 'ru', issuedAt: issuedAt() }),
        NotFoundError,
      );
      expect(error.message).toContain(`entry ${seq} of ${contract} is not an evaluation`);
    }
    expect(await listReports(ctx.reporting, contract)).toEqual(before);
  });
});
