/**
 * Party signatures over HTTP: the evaluate route's dry run answers what the
 * analyst signs; evaluate, the payment steps and publishComparison take the
 * party's signed note (`signature: {key, note}`), store its line in the
 * entry, and refuse (422, naming the field) a note over anything else,
 * writing nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import { comparisonStatement, type DecisionFacts, decisionStatement } from '#ledger';
import { publicSummary, summaryHash } from '#reports';
import { ingestBatch, readVerifiedEntries } from '#services';
import * as contractsApi from '../../functions/api/contracts.ts';
import * as paymentsApi from '../../functions/api/payments.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, type Call, token } from '../support/api-event.ts';
import { REPO } from '../support/cli.ts';
import { RELEASED_BATCH } from '../support/evidence.ts';
import { invoke } from '../support/http.ts';
import { memoryParties } from '../support/parties.ts';
import { testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-api-parties-'));
let rt: Runtime;

beforeAll(async () => {
  rt = await localRuntime(dir, testStack());
  setRuntime(rt);
});
beforeEach(() => setRuntime(rt));
afterAll(() => {
  resetRuntime();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const contracts = (id: keyof typeof contractsApi.IMPLS, contract: string, call: Call) =>
  invoke(contractsApi.handler, apiEvent(id, contract, call));
const payments = (id: keyof typeof paymentsApi.IMPLS, contract: string, call: Call) =>
  invoke(paymentsApi.handler, apiEvent(id, contract, call));

const spec = {
  ...(JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as object),
  id: `api-parties-${randomUUID().slice(0, 8)}`,
};
const contract = spec.id;
const ANALYST = token('evaluator', 'calc-evaluator', contract);
const EVALUATOR = token('evaluator', 'evaluator-petrova', contract);
const MINISTRY = token('ministry', 'ministry-head', contract);
const parties = memoryParties();
const size = () => rt.contracts.log.size(contract);
const entryBody = async (seq: number) =>
  (await readVerifiedEntries(rt.contracts.log, contract, await size())).entries[seq]?.body;

beforeAll(async () => {
  const registered = await contracts('registerContract', contract, { body: spec, claims: MINISTRY });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  await ingestBatch(
    {
      profile: parseContractSpec(spec),
      batchId: 'b-1',
      submitter: { sub: 'operator-7', role: 'operator' },
      records: RELEASED_BATCH.map((value, at) => ({ at, value })),
      today: '2026-01-01',
    },
    rt.ports,
  );
});

let calculated: DecisionFacts;

describe('POST …/evaluations with a dry run, then signed', () => {
  it('answers what the entry would name at the checkpoint, writing nothing', async () => {
    const before = await size();
    const preview = await contracts('evaluate', contract, { body: { period: 'y1', dryRun: true }, claims: ANALYST });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    const p = contractsApi.EvaluationPreviewSchema.parse(preview.body);
    expect(p).toMatchObject({ contract, dryRun: true, period: 'y1', checkpoint: { size: before }, currency: 'RUB' });
    // The result it would record, for reading before recording (the evaluator's console shows its tables).
    expect(p.result).toMatchObject({ checkpoint: p.checkpoint, payments: { total: p.total } });
    expect(summaryHash(publicSummary(p.result as unknown as EvaluationResult))).toBe(p.summary);
    expect(await size()).toBe(before);
    calculated = {
      contract,
      payment: p.checkpoint.size,
      period: 'y1',
      step: 'calculated',
      result: p.sha256,
      summary: p.summary,
      total: p.total,
      minorUnit: p.minorUnit,
      currency: p.currency,
    };
  });

  it('refuses a note over another amount with 422 naming signature.amount', async () => {
    const before = await size();
    const bad = parties.analyst.signed(decisionStatement({ ...calculated, total: `${BigInt(calculated.total) + 1n}` }));
    const answer = await contracts('evaluate', contract, {
      body: { period: 'y1', checkpoint: calculated.payment, signature: bad },
      claims: ANALYST,
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'signature.amount' })]);
    expect(await size()).toBe(before);
  });

  it("records the evaluation at the checkpoint with the analyst's signature line", async () => {
    const statement = decisionStatement(calculated);
    const answer = await contracts('evaluate', contract, {
      body: { period: 'y1', checkpoint: calculated.payment, signature: parties.analyst.signed(statement) },
      claims: ANALYST,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect((answer.body.entry as { seq: number }).seq).toBe(calculated.payment);
    expect((await entryBody(calculated.payment))?.signature).toEqual(parties.analyst.sign(statement));
  });
});

describe('signed payment steps and comparison figures', () => {
  it('attest stores the signature; the payment names its summary hash', async () => {
    const shown = await payments('getPayment', contract, {
      params: { payment: String(calculated.payment) },
      claims: MINISTRY,
    });
    expect(paymentsApi.PaymentStatusSchema.parse(shown.body).summary).toBe(calculated.summary);
    const statement = decisionStatement({ ...calculated, step: 'attested' });
    const answer = await payments('attestPayment', contract, {
      params: { payment: String(calculated.payment) },
      body: { signature: parties.evaluator.signed(statement) },
      claims: EVALUATOR,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect((await entryBody(answer.body.seq as number))?.signature).toEqual(parties.evaluator.sign(statement));
  });

  it('approve refuses a note signed for another step with 422, writing nothing', async () => {
    const before = await size();
    const answer = await payments('approvePayment', contract, {
      params: { payment: String(calculated.payment) },
      body: { signature: parties.ministry.signed(decisionStatement({ ...calculated, step: 'rejected', reason: 'x' })) },
      claims: MINISTRY,
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'signature.step', message: 'step: signed rejected, expected approved' },
        expect.objectContaining({ field: 'signature.reason-sha256' }),
      ]),
    );
    expect(await size()).toBe(before);
  });

  it('publishComparison stores the signature over the figure', async () => {
    const figure = { comparison: 'reoffending-vs-comparison-group', group: 'all', value: '0.42', denominator: 1200 };
    const statement = comparisonStatement({ contract, ...figure });
    const answer = await contracts('publishComparison', contract, {
      body: { ...figure, signature: parties.evaluator.signed(statement) },
      claims: EVALUATOR,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect((await entryBody(answer.body.seq as number))?.signature).toEqual(parties.evaluator.sign(statement));
  });
});
