/**
 * The `api/payments` and `api/reports` handlers (functions/api/payments.ts,
 * reports.ts) invoked with API Gateway v2 events carrying verified JWT
 * claims, against the test stack (DynamoDB Local, s3rver, the PDF rendered
 * for real) through an injected runtime. The full flow of one payment: the
 * ministry registers a Second Chance copy (with a price for each participant
 * employed, so that y1 pays), a batch goes in through the ingest use case,
 * evaluator A evaluates y1 (the payment), evaluator B attests, ministry M1
 * approves (the audit report is issued), ministry M2 records it paid, and
 * the investor lists and downloads the reports through presigned URLs. Each
 * refusal (role, another contract's token, separation of duties, order, bad
 * bodies) is checked to leave the log and the reports bucket as they were.
 * The tests run in order: each builds on the log the one before left.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import { logVerifierKey } from '#ledger';
import { verifyReport } from '#reports';
import { ingestBatch } from '#services';
import * as contractsApi from '../../functions/api/contracts.ts';
import * as paymentsApi from '../../functions/api/payments.ts';
import * as reportsApi from '../../functions/api/reports.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, type Call, token } from '../support/api-event.ts';
import { REPO } from '../support/cli.ts';
import { RELEASED_BATCH } from '../support/evidence.ts';
import { invoke, lambdaContext } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-api-payments-'));
let rt: Runtime;
let logKey = '';

beforeAll(async () => {
  rt = await localRuntime(dir, testStack());
  logKey = await logVerifierKey(rt.signer, contract);
  setRuntime(rt); // for the flow set up in beforeAll, before any beforeEach
});
beforeEach(() => setRuntime(rt));
afterAll(() => {
  resetRuntime();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// ---- Events

const contracts = (id: keyof typeof contractsApi.IMPLS, contract: string, call: Call) =>
  invoke(contractsApi.handler, apiEvent(id, contract, call));
const payments = (id: keyof typeof paymentsApi.IMPLS, contract: string, call: Call) =>
  invoke(paymentsApi.handler, apiEvent(id, contract, call));
const reports = (id: keyof typeof reportsApi.IMPLS, contract: string, call: Call) =>
  invoke(reportsApi.handler, apiEvent(id, contract, call));

function expectProblem(answer: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) {
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ status: answer.status, requestId: answer.headers['x-request-id'] });
}

// ---- The contract and its evidence

/** 50,000.00 RUB for each participant employed within 180 days of release. */
const JOB_PRICE = '5000000';

function specCopy(prefix: string) {
  const shipped = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
    payments: unknown[];
  };
  return {
    ...shipped,
    id: `${prefix}-${randomUUID().slice(0, 8)}`,
    payments: [...shipped.payments, { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: JOB_PRICE }],
    // What the payment-order data cites (issue 17).
    legalBasis: { agreementNumber: 'СИБ-КК-2023/01', agreementDate: '2023-07-28', budgetCode: '81910030140160010630' },
  };
}

/** The payment-order route's raw answer (its body is JSON or a workbook, as `format` asks). */
async function paymentOrder(call: Call, query: Record<string, string> = {}) {
  const event = apiEvent('getPaymentOrder', contract, { params: target(), ...call });
  const withQuery =
    Object.keys(query).length === 0
      ? event
      : { ...event, rawQueryString: new URLSearchParams(query).toString(), queryStringParameters: query };
  const result = await paymentsApi.handler(withQuery, lambdaContext());
  const bytes = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  const type = String(result.headers?.['content-type'] ?? '');
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    bytes,
    body: type.includes('json') ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>) : {},
  };
}

/** Four participants released in early 2024, two of them employed within 180 days. */
const BATCH = RELEASED_BATCH;

/** Registers (ministry-head), ingests the batch, and evaluates y1 (calc-evaluator): the payment is entry 2. */
async function preparePayment(spec: ReturnType<typeof specCopy>): Promise<number> {
  const registered = await contracts('registerContract', spec.id, {
    body: spec,
    claims: token('ministry', 'ministry-head', spec.id),
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  await ingestBatch(
    {
      profile: parseContractSpec(spec),
      batchId: 'b-1',
      submitter: { sub: 'operator-7', role: 'operator' },
      records: BATCH.map((value, at) => ({ at, value })),
      today: '2026-01-01',
    },
    rt.ports,
  );
  const evaluated = await contracts('evaluate', spec.id, {
    body: { period: 'y1' },
    claims: token('evaluator', 'calc-evaluator', spec.id),
  });
  expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(201);
  return (evaluated.body.entry as { seq: number }).seq;
}

const spec = specCopy('api-pay');
const contract = spec.id;
const other = `api-other-${randomUUID().slice(0, 8)}`;

const EVALUATOR_A = token('evaluator', 'calc-evaluator', contract);
const EVALUATOR_B = token('evaluator', 'evaluator-petrova', contract);
const MINISTRY_1 = token('ministry', 'ministry-head', contract);
const MINISTRY_2 = token('ministry', 'ministry-treasury', `${other} ${contract}`);
const INVESTOR = token('investor', 'investor-fund', contract);
const OPERATOR = token('operator', 'operator-7', contract);

const size = (id: string) => rt.contracts.log.size(id);
const storedReports = async (id: string) => (await rt.reports.list(`reports/${id}/`)).map((o) => o.key);

/** Runs refusals and checks that neither the log nor the reports bucket changed. */
async function writesNothing<T>(id: string, refusals: () => Promise<T>): Promise<T> {
  const before = { size: await size(id), reports: await storedReports(id) };
  const result = await refusals();
  expect({ size: await size(id), reports: await storedReports(id) }).toEqual(before);
  return result;
}

let payment = 0;
const target = (p: string | number = payment) => ({ payment: String(p) });

beforeAll(async () => {
  payment = await preparePayment(spec);
  expect(payment).toBe(2);
  expect(await size(contract)).toBe(3);
});

describe('GET /contracts/{contract}/payments and …/payments/{payment}', () => {
  it('lists every payment with its state for the ministry, the investor and the evaluator', async () => {
    for (const claims of [MINISTRY_1, INVESTOR, EVALUATOR_B]) {
      const answer = await payments('listPayments', contract, { claims });

      expect(answer.status).toBe(200);
      const body = paymentsApi.PaymentListSchema.parse(answer.body);
      expect(body.contract).toBe(contract);
      expect(body.payments).toEqual([
        expect.objectContaining({
          payment: 2,
          period: 'y1',
          total: String(2n * BigInt(JOB_PRICE)),
          currency: 'RUB',
          state: 'calculated',
          steps: [],
          calculatedBy: { sub: 'calc-evaluator', role: 'evaluator' },
          latest: true,
        }),
      ]);
    }
  });

  it('shows one payment by <seq> or <contract>/<seq>; other ids are 403, 400 or 404', async () => {
    const bySeq = await payments('getPayment', contract, { params: target(), claims: INVESTOR });
    const byFull = await payments('getPayment', contract, { params: target(`${contract}/2`), claims: INVESTOR });
    const ofOther = await payments('getPayment', contract, { params: target(`${other}/2`), claims: INVESTOR });
    const malformed = await payments('getPayment', contract, { params: target('two'), claims: INVESTOR });
    const missing = await payments('getPayment', contract, { params: target(1), claims: INVESTOR });
    const operator = await payments('getPayment', contract, { params: target(), claims: OPERATOR });

    expect(bySeq.status).toBe(200);
    expect(paymentsApi.PaymentStatusSchema.parse(bySeq.body)).toMatchObject({ payment: 2, state: 'calculated' });
    expect(byFull.body).toEqual(bySeq.body);
    expect(ofOther.status).toBe(403);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'payment' })]);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/evidence\.batch/);
    expect(operator.status).toBe(403);
  });
});

describe('POST …/payments/{payment}/attest', () => {
  it('refuses the subject who calculated it (403), other roles (403) and other contracts (403); writes nothing', async () => {
    const [self, ministry, investor, foreign] = await writesNothing(contract, async () => [
      await payments('attestPayment', contract, { params: target(), claims: EVALUATOR_A }),
      await payments('attestPayment', contract, { params: target(), claims: MINISTRY_1 }),
      await payments('attestPayment', contract, { params: target(), claims: INVESTOR }),
      await payments('attestPayment', contract, {
        params: target(),
        claims: token('evaluator', 'evaluator-petrova', other),
      }),
    ]);

    expect(self?.status).toBe(403);
    expectProblem(self as NonNullable<typeof self>);
    expect(self?.body.detail).toMatch(/calc-evaluator calculated it \(separation of duties/);
    expect([ministry?.status, investor?.status, foreign?.status]).toEqual([403, 403, 403]);
  });

  it('attests with 201 (evaluator B); B again is 200 (replayed); another evaluator then is 409', async () => {
    const first = await payments('attestPayment', contract, { params: target(), claims: EVALUATOR_B });
    const again = await payments('attestPayment', contract, { params: target(`${contract}/2`), claims: EVALUATOR_B });
    const third = await writesNothing(contract, () =>
      payments('attestPayment', contract, {
        params: target(),
        claims: token('evaluator', 'evaluator-ivanov', contract),
      }),
    );

    expect(first.status).toBe(201);
    expect(paymentsApi.PaymentStepReceiptSchema.parse(first.body)).toMatchObject({
      contract,
      payment: 2,
      step: 'attested',
      seq: 3,
      replayed: false,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(third.status).toBe(409);
    expectProblem(third);
    expect(third.body).toMatchObject({ payment: 2, state: 'attested' });
    expect(await size(contract)).toBe(4);
  });
});

describe('payment ids in paths are exact', () => {
  // Each once reached payment 2 (trimmed); an approval was written through ' 2'.
  const HOSTILE = [
    ' 2',
    '2\t',
    '2 ',
    '\t2',
    '\n2',
    '+2',
    '-2',
    '02',
    '2.0',
    '2e0',
    '0x2',
    '\u00a02',
    '\uff12',
    `${'kam'}/ 2`,
  ];

  it.each(HOSTILE)(
    'answers %j with 400 naming the parameter, for a read and for every step, writing nothing',
    async (id) => {
      const answers = await writesNothing(contract, async () => [
        await payments('getPayment', contract, { params: target(id), claims: INVESTOR }),
        await payments('attestPayment', contract, { params: target(id), body: {}, claims: EVALUATOR_B }),
        await payments('approvePayment', contract, { params: target(id), body: {}, claims: MINISTRY_1 }),
        await payments('rejectPayment', contract, { params: target(id), body: { reason: 'no' }, claims: MINISTRY_1 }),
        await payments('markPaid', contract, {
          params: target(id),
          body: { paymentOrder: 'PP-1', paidOn: '2024-09-30' },
          claims: MINISTRY_2,
        }),
      ]);
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(400);
        expectProblem(answer);
        expect(answer.body.detail).toMatch(/^invalid path parameter payment: /);
        expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'payment' })]);
      }
    },
  );
});

describe('GET …/payments/{payment}/order before the approval', () => {
  it('refuses the payment-order data of a payment not yet approved (409, in words), and other roles (403)', async () => {
    const attested = await paymentOrder({ claims: MINISTRY_1 });
    const evaluator = await paymentOrder({ claims: EVALUATOR_B });
    const operator = await paymentOrder({ claims: OPERATOR });

    expect(attested.status).toBe(409);
    expect(attested.headers['content-type']).toBe('application/problem+json');
    expect(attested.body.detail).toBe(
      `payment ${contract}/2 (period y1) is attested, not approved: a payment order is drawn only for a payment the ministry has approved (sib ministry approve)`,
    );
    expect([evaluator.status, operator.status]).toEqual([403, 403]);
  });
});

describe('POST …/payments/{payment}/approve, …/reject and …/paid', () => {
  it('refuses other roles, other contracts and bad bodies (403, 400, 415, 422), writing nothing', async () => {
    const answers = await writesNothing(contract, async () => ({
      operator: await payments('approvePayment', contract, { params: target(), body: {}, claims: OPERATOR }),
      investor: await payments('approvePayment', contract, { params: target(), body: {}, claims: INVESTOR }),
      evaluator: await payments('approvePayment', contract, { params: target(), body: {}, claims: EVALUATOR_B }),
      foreign: await payments('approvePayment', contract, {
        params: target(),
        body: {},
        claims: token('ministry', 'ministry-head', other),
      }),
      duplicate: await payments('approvePayment', contract, {
        params: target(),
        raw: '{"lang":"en","lang":"ru"}',
        claims: MINISTRY_1,
      }),
      wrongType: await payments('approvePayment', contract, {
        params: target(),
        raw: 'lang=en',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        claims: MINISTRY_1,
      }),
      badLang: await payments('approvePayment', contract, {
        params: target(),
        body: { lang: 'de' },
        claims: MINISTRY_1,
      }),
      paidFirst: await payments('markPaid', contract, {
        params: target(),
        body: { paymentOrder: 'PP-1', paidOn: '2024-09-30' },
        claims: MINISTRY_2,
      }),
    }));

    expect(answers.operator.status).toBe(403);
    expect(answers.investor.status).toBe(403);
    expect(answers.evaluator.status).toBe(403);
    expect(answers.foreign.status).toBe(403);
    expect(answers.duplicate.status).toBe(400);
    expectProblem(answers.duplicate);
    expect(answers.wrongType.status).toBe(415);
    expect(answers.badLang.status).toBe(422);
    expect(answers.badLang.body.errors).toEqual([expect.objectContaining({ field: 'lang' })]);
    expect(answers.paidFirst.status).toBe(409);
  });

  it('approves with 201 (ministry M1) and issues the audit report with it, in the language asked for', async () => {
    const answer = await payments('approvePayment', contract, {
      params: target(),
      body: { lang: 'en' },
      claims: MINISTRY_1,
    });

    expect(answer.status).toBe(201);
    const body = paymentsApi.ApprovalSchema.parse(answer.body);
    expect(body.receipt).toMatchObject({ contract, payment: 2, step: 'approved', seq: 4, replayed: false });
    expect(body.report).toMatchObject({
      issued: true,
      contract,
      period: 'y1',
      payment: 2,
      size: 5,
      state: 'approved',
      reused: false,
    });
    if (!body.report.issued) throw new Error('not issued');
    expect(body.report.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(body.report.pdfKeys)).toEqual(['en']);
    expect((await storedReports(contract)).sort()).toEqual([body.report.jsonKey, body.report.pdfKeys.en].sort());
    expect(await size(contract)).toBe(5);
  });

  it('refuses a rejection after the approval (409), the approver recording the payment (403) and bad orders (422)', async () => {
    const answers = await writesNothing(contract, async () => ({
      reject: await payments('rejectPayment', contract, {
        params: target(),
        body: { reason: 'records are missing' },
        claims: MINISTRY_2,
      }),
      approver: await payments('markPaid', contract, {
        params: target(),
        body: { paymentOrder: 'PP-2024-000002', paidOn: '2024-09-30' },
        claims: MINISTRY_1,
      }),
      badDate: await payments('markPaid', contract, {
        params: target(),
        body: { paymentOrder: 'PP-2024-000002', paidOn: '2024-02-30' },
        claims: MINISTRY_2,
      }),
      badOrder: await payments('markPaid', contract, {
        params: target(),
        body: { paymentOrder: '--', paidOn: '2024-09-30' },
        claims: MINISTRY_2,
      }),
      missing: await payments('markPaid', contract, {
        params: target(),
        body: { paymentOrder: 'PP-2024-000002' },
        claims: MINISTRY_2,
      }),
    }));

    expect(answers.reject.status).toBe(409);
    expect(answers.reject.body).toMatchObject({ payment: 2, state: 'approved' });
    expect(answers.approver.status).toBe(403);
    expect(answers.approver.body.detail).toMatch(/ministry-head approved it/);
    expect(answers.badDate.status).toBe(422);
    expect(answers.badDate.body.errors).toEqual([expect.objectContaining({ field: 'paidOn' })]);
    expect(answers.badOrder.status).toBe(422);
    expect(answers.badOrder.body.errors).toEqual([expect.objectContaining({ field: 'paymentOrder' })]);
    expect(answers.missing.status).toBe(422);
  });

  it('records the payment with 201 (ministry M2); the same order again is 200 (replayed)', async () => {
    const body = { paymentOrder: 'PP-2024-000002', paidOn: '2024-09-30' };

    const first = await payments('markPaid', contract, { params: target(), body, claims: MINISTRY_2 });
    const again = await payments('markPaid', contract, { params: target(), body, claims: MINISTRY_2 });
    const shown = await payments('getPayment', contract, { params: target(), claims: INVESTOR });

    expect(first.status).toBe(201);
    expect(paymentsApi.PaymentStepReceiptSchema.parse(first.body)).toMatchObject({ step: 'paid', seq: 5 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    const status = paymentsApi.PaymentStatusSchema.parse(shown.body);
    expect(status.state).toBe('paid');
    expect(status.steps.map((s) => [s.step, s.seq, s.actor.sub])).toEqual([
      ['attested', 3, 'evaluator-petrova'],
      ['approved', 4, 'ministry-head'],
      ['paid', 5, 'ministry-treasury'],
    ]);
    expect(status.steps[2]).toMatchObject(body);
    expect(await size(contract)).toBe(6);
  });

  it('gives the ministry and the investor the payment-order data of the paid payment: JSON in ru and en, and XLSX', async () => {
    const total = String((await payments('getPayment', contract, { params: target(), claims: INVESTOR })).body.total);

    const ru = await paymentOrder({ claims: MINISTRY_2 });
    const en = await paymentOrder({ claims: INVESTOR }, { lang: 'en' });
    const xlsx = await paymentOrder({ claims: MINISTRY_1 }, { format: 'xlsx' });
    const bad = await paymentOrder({ claims: MINISTRY_1 }, { format: 'pdf' });

    expect(ru.status).toBe(200);
    const order = paymentsApi.PaymentOrderSchema.parse(ru.body);
    expect(order).toMatchObject({
      form: '0401060',
      lang: 'ru',
      payment: 2,
      state: 'paid',
      paid: { paymentOrder: 'PP-2024-000002', paidOn: '2024-09-30' },
      agreement: { number: 'СИБ-КК-2023/01', date: '2023-07-28' },
      total,
    });
    expect(order.lines).toHaveLength(1);
    expect(order.lines[0]).toMatchObject({
      payer: { id: 'kamchatka-mintrud' },
      payee: { id: 'veb-dv', share: '1' },
      amount: total,
      budgetCode: '81910030140160010630',
    });
    expect(order.lines[0]?.amountInWords).toMatch(/ рубл(ь|я|ей) \d\d копе(йка|йки|ек)$/);
    expect(order.lines[0]?.purpose).toMatch(/^Субсидия .* по соглашению № СИБ-КК-2023\/01 от 28\.07\.2023\. Без НДС$/);
    expect(en.status).toBe(200);
    expect(paymentsApi.PaymentOrderSchema.parse(en.body).lines[0]?.purpose).toMatch(
      /^Subsidy .* under agreement No\. СИБ-КК-2023\/01 of 28 July 2023\. VAT exempt$/,
    );

    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.headers['content-disposition']).toBe(`attachment; filename="${contract}-payment-2-order-ru.xlsx"`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.bytes as never);
    const sheet = workbook.worksheets[0];
    expect(sheet?.name).toBe('Платёжное поручение');
    const cells: string[] = [];
    sheet?.eachRow((row) => {
      row.eachCell((cell) => {
        cells.push(String(cell.value));
      });
    });
    expect(cells).toContain('КБК (поле 104)');
    expect(cells).toContain('81910030140160010630');
    expect(cells).toContain(order.lines[0]?.amountInWords);
    expect(cells).toContain(order.lines[0]?.purpose);

    expect(bad.status).toBe(422);
  });
});

describe('GET/POST /contracts/{contract}/reports and GET …/reports/{report}', () => {
  let paidReport = '';

  it('refuses issuing to the investor and the operator (403), writing nothing', async () => {
    const [investor, operator, bad] = await writesNothing(contract, async () => [
      await reports('issueReport', contract, { body: { payment: 2 }, claims: INVESTOR }),
      await reports('issueReport', contract, { body: { payment: 2 }, claims: OPERATOR }),
      await reports('issueReport', contract, { body: { payment: -1 }, claims: EVALUATOR_B }),
    ]);

    expect(investor?.status).toBe(403);
    expect(operator?.status).toBe(403);
    expect(bad?.status).toBe(422);
  });

  it('issues the report of the paid payment with 201 (evaluator); asking again is 200, the same report', async () => {
    const first = await reports('issueReport', contract, {
      body: { payment: `${contract}/2`, lang: 'ru' },
      claims: EVALUATOR_B,
    });
    const again = await reports('issueReport', contract, { body: { payment: 2 }, claims: MINISTRY_1 });

    expect(first.status).toBe(201);
    const issued = reportsApi.IssuedReportSchema.parse(first.body);
    expect(issued).toMatchObject({ payment: 2, size: 6, state: 'paid', reused: false, witnesses: [] });
    expect(Object.keys(issued.pdfKeys)).toEqual(['ru']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, reused: true });
    paidReport = issued.sha256;
  });

  it('lists the reports for the investor: the approval report and the paid one', async () => {
    const answer = await reports('listReports', contract, { claims: INVESTOR });
    const operator = await reports('listReports', contract, { claims: OPERATOR });

    expect(answer.status).toBe(200);
    const body = reportsApi.ReportListSchema.parse(answer.body);
    expect(body.reports.map((r) => [r.payment, r.size, Object.keys(r.pdfKeys)])).toEqual([
      [2, 5, ['en']],
      [2, 6, ['ru']],
    ]);
    expect(operator.status).toBe(403);
  });

  it('gives the investor presigned URLs of the JSON and PDF; the JSON hashes to its id and verifies', async () => {
    const answer = await reports('downloadReport', contract, {
      params: { report: paidReport.slice(0, 12) },
      claims: INVESTOR,
    });

    expect(answer.status).toBe(200);
    const body = reportsApi.ReportDownloadSchema.parse(answer.body);
    expect(body.report.sha256).toBe(paidReport);
    expect(body.expiresIn).toBe(300);
    expect(body.json.fileName).toBe(`report-${contract}-y1-${paidReport.slice(0, 12)}.json`);
    expect(Object.keys(body.pdf)).toEqual(['ru']);
    const json = new Uint8Array(await (await fetch(body.json.url)).arrayBuffer());
    expect(createHash('sha256').update(json).digest('hex')).toBe(paidReport);
    const verification = verifyReport(json, [logKey]);
    expect(verification.ok, JSON.stringify(verification.checks.filter((c) => !c.ok))).toBe(true);
    const pdf = await fetch(body.pdf.ru?.url as string);
    expect(pdf.ok).toBe(true);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('answers unknown report ids with 404, malformed ones with 400, other roles and contracts with 403', async () => {
    const unknown = await reports('downloadReport', contract, { params: { report: 'deadbeef' }, claims: INVESTOR });
    const short = await reports('downloadReport', contract, { params: { report: 'abc' }, claims: INVESTOR });
    const traversal = await reports('downloadReport', contract, {
      params: { report: '../../etc/passwd' },
      claims: INVESTOR,
    });
    const operator = await reports('downloadReport', contract, {
      params: { report: paidReport },
      claims: OPERATOR,
    });
    const foreign = await reports('downloadReport', contract, {
      params: { report: paidReport },
      claims: token('investor', 'investor-fund', other),
    });

    expect(unknown.status).toBe(404);
    expectProblem(unknown);
    expect(short.status).toBe(400);
    expect(short.body.errors).toEqual([expect.objectContaining({ field: 'report' })]);
    expect(traversal.status).toBe(400);
    expect(operator.status).toBe(403);
    expect(foreign.status).toBe(403);
  });
});

describe('an approval whose report fails', () => {
  it('stands: 201 with the receipt, the report not issued (why, and how to issue it later)', async () => {
    const second = specCopy('api-pay-fail');
    const seq = await preparePayment(second);
    const attested = await payments('attestPayment', second.id, {
      params: target(seq),
      claims: token('evaluator', 'evaluator-petrova', second.id),
    });
    expect(attested.status).toBe(201);
    setRuntime({
      ...rt,
      reporting: {
        ...rt.reporting,
        renderPdf: async () => {
          throw new Error('fonts missing at /opt/secret/path');
        },
      },
    });

    const answer = await payments('approvePayment', second.id, {
      params: target(seq),
      body: {},
      claims: token('ministry', 'ministry-head', second.id),
    });

    expect(answer.status).toBe(201);
    const body = paymentsApi.ApprovalSchema.parse(answer.body);
    expect(body.receipt).toMatchObject({ step: 'approved', replayed: false });
    expect(body.report).toMatchObject({
      issued: false,
      problem: { status: 500, title: 'Internal Server Error' },
      retry: { method: 'POST', path: `/contracts/${second.id}/reports`, body: { payment: seq, lang: 'ru' } },
    });
    expect(answer.body.report).not.toHaveProperty('sha256');
    expect(JSON.stringify(answer.body)).not.toMatch(/secret|fonts/);
    expect(answer.printed.join('\n')).toMatch(/audit report not issued after approval/);

    setRuntime(rt);
    const shown = await payments('getPayment', second.id, {
      params: target(seq),
      claims: token('investor', 'investor-fund', second.id),
    });
    expect(shown.body.state).toBe('approved');
    const retried = await reports('issueReport', second.id, {
      body: { payment: seq },
      claims: token('ministry', 'ministry-head', second.id),
    });
    expect([200, 201]).toContain(retried.status);
    expect(reportsApi.IssuedReportSchema.parse(retried.body)).toMatchObject({ state: 'approved', payment: seq });
    expect(retried.body.pdfKeys).toHaveProperty('ru');
  });
});
