/**
 * The `api/contracts` handler (functions/api/contracts.ts) invoked with API
 * Gateway v2 events carrying verified JWT claims, against the test stack
 * (DynamoDB Local, s3rver) through an injected runtime: register a contract
 * (a Second Chance copy under a fresh id, with a published comparison and a
 * price for each participant employed, so that y1 pays), read its versions,
 * publish a comparison figure, evaluate y1 and read the recorded evaluation;
 * and the refusals (role, another contract's token, bad bodies), each of
 * which leaves the log as it was. The tests run in order: each builds on the
 * log the one before left.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import { PSEUDONYM_IN_TEXT } from '#reports';
import { ingestBatch } from '#services';
import {
  ContractVersionsSchema,
  EvaluationRunSchema,
  handler,
  type IMPLS,
  PublishReceiptSchema,
  RecordedEvaluationSchema,
  RegistrationReceiptSchema,
  resultFor,
} from '../../functions/api/contracts.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, type Call, token } from '../support/api-event.ts';
import { REPO } from '../support/cli.ts';
import { RELEASED_BATCH } from '../support/evidence.ts';
import { invoke } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-api-contracts-'));
let rt: Runtime;

beforeAll(async () => {
  rt = await localRuntime(dir, testStack());
});
beforeEach(() => setRuntime(rt));
afterAll(() => {
  resetRuntime();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// ---- Events

const api = (routeId: keyof typeof IMPLS, contract: string, call: Call) =>
  invoke(handler, apiEvent(routeId, contract, call));

function expectProblem(answer: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) {
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ status: answer.status, requestId: answer.headers['x-request-id'] });
}

// ---- The contract

/** 50,000.00 RUB for each participant employed within 180 days of release. */
const JOB_PRICE = '5000000';

const spec = (() => {
  const shipped = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
    payments: unknown[];
    comparisons: unknown[];
    periods: object[];
    title: string;
    effectiveFrom: string;
  };
  return {
    ...shipped,
    id: `api-contracts-${randomUUID().slice(0, 8)}`,
    comparisons: [
      ...shipped.comparisons,
      { id: 'matched-group', metric: 'employed', kind: 'published', effect: 'difference' },
    ],
    payments: [...shipped.payments, { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: JOB_PRICE }],
  };
})();
const contract = spec.id;
const other = `api-other-${randomUUID().slice(0, 8)}`;

const MINISTRY = token('ministry', 'ministry-head', contract);
const EVALUATOR = token('evaluator', 'evaluator-petrova', contract);
const INVESTOR = token('investor', 'investor-fund', contract);

const size = (id: string) => rt.contracts.log.size(id);

/** Four participants released in early 2024, two of them employed within 180 days. */
/** The first three participants of RELEASED_BATCH. */
const BATCH = RELEASED_BATCH.slice(0, 8);

describe('POST /contracts (registerContract)', () => {
  it('refuses a token for another contract with 403, before reading the spec, and writes nothing', async () => {
    const answer = await api('registerContract', contract, {
      body: spec,
      claims: token('ministry', 'ministry-head', other),
    });
    const invalid = await api('registerContract', contract, {
      body: { ...spec, currency: 5 },
      claims: token('ministry', 'ministry-head', other),
    });

    expect(answer.status).toBe(403);
    expectProblem(answer);
    expect(answer.body.detail).toBe(`this token does not allow acting on contract ${contract}`);
    expect(invalid.status).toBe(403);
    expect(await size(contract)).toBe(0);
  });

  it('refuses every role but the ministry with 403, and a request without a token with 401', async () => {
    for (const role of ['operator', 'investor', 'evaluator'] as const) {
      const answer = await api('registerContract', contract, { body: spec, claims: token(role, `${role}-1`, '*') });
      expect(answer.status, role).toBe(403);
    }
    const anonymous = await api('registerContract', contract, { body: spec });

    expect(anonymous.status).toBe(401);
    expect(await size(contract)).toBe(0);
  });

  it('answers an invalid spec with 422 listing every problem with the path of its field', async () => {
    const bad: Record<string, unknown> = { ...spec, periods: [{ ...spec.periods[0], to: 'soon' }] };
    delete bad.currency;

    const answer = await api('registerContract', contract, { body: bad, claims: MINISTRY });

    expect(answer.status).toBe(422);
    expectProblem(answer);
    const fields = (answer.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['currency', 'periods.0.to']));
    expect(await size(contract)).toBe(0);
  });

  it('answers duplicate keys with 400, another media type with 415, and a body that is no object with 422', async () => {
    const text = JSON.stringify(spec);
    const duplicated = `{"id":"${contract}",${text.slice(1)}`;

    const dup = await api('registerContract', contract, { raw: duplicated, claims: MINISTRY });
    const plain = await api('registerContract', contract, {
      raw: text,
      headers: { 'content-type': 'text/plain' },
      claims: MINISTRY,
    });
    const array = await api('registerContract', contract, { body: [spec], claims: MINISTRY });

    expect(dup.status).toBe(400);
    expectProblem(dup);
    expect(dup.body.detail).toMatch(/duplicate/i);
    expect(plain.status).toBe(415);
    expect(array.status).toBe(422);
    expect(await size(contract)).toBe(0);
  });

  it('registers the spec with 201 and its receipt; the same spec again is 200 with the original entry', async () => {
    const first = await api('registerContract', contract, { body: spec, claims: MINISTRY });
    const again = await api('registerContract', contract, {
      body: spec,
      claims: token('ministry', 'ministry-deputy', `${other},${contract}`),
    });

    expect(first.status).toBe(201);
    expect(first.headers['content-type']).toBe('application/json');
    expect(RegistrationReceiptSchema.parse(first.body)).toMatchObject({
      contract,
      version: 1,
      seq: 0,
      replayed: false,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await size(contract)).toBe(1);
  });

  it('answers other terms under a registered version with 409, naming both hashes, and writes nothing', async () => {
    const answer = await api('registerContract', contract, {
      body: { ...spec, title: `${spec.title} (changed)` },
      claims: MINISTRY,
    });

    expect(answer.status).toBe(409);
    expectProblem(answer);
    expect(answer.body).toMatchObject({ registered: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await size(contract)).toBe(1);
  });
});

describe('GET /contracts/{contract} (getContract)', () => {
  it('answers any role with the versions: version, effective date, entry, hash and the spec', async () => {
    for (const claims of [MINISTRY, EVALUATOR, INVESTOR, token('operator', 'operator-7', contract)]) {
      const answer = await api('getContract', contract, { claims });

      expect(answer.status).toBe(200);
      const body = ContractVersionsSchema.parse(answer.body);
      expect(body.contract).toBe(contract);
      expect(body.versions).toHaveLength(1);
      expect(body.versions[0]).toMatchObject({
        version: 1,
        effectiveFrom: spec.effectiveFrom,
        seq: 0,
        spec: { id: contract },
      });
    }
  });

  it('refuses a token for another contract (403) and answers an unregistered contract with 404', async () => {
    const forbidden = await api('getContract', contract, { claims: token('investor', 'investor-fund', other) });
    const missing = await api('getContract', other, { claims: token('investor', 'investor-fund', other) });
    const badId = await api('getContract', 'Not_A_Contract', { claims: token('investor', 'investor-fund', '*') });

    expect(forbidden.status).toBe(403);
    expect(missing.status).toBe(404);
    expectProblem(missing);
    expect(badId.status).toBe(400);
    expect(badId.body.errors).toEqual([expect.objectContaining({ field: 'contract' })]);
  });
});

describe('POST /contracts/{contract}/comparisons (publishComparison)', () => {
  const figure = { comparison: 'matched-group', group: 'all', value: '0.25', denominator: 400, note: 'PSM, 2023' };

  it('refuses the ministry (403) and bad figures (422, field paths), writing nothing', async () => {
    const byMinistry = await api('publishComparison', contract, { body: figure, claims: MINISTRY });
    const badValue = await api('publishComparison', contract, {
      body: { ...figure, value: '-1', extra: true },
      claims: EVALUATOR,
    });
    const baseline = await api('publishComparison', contract, {
      body: { ...figure, comparison: 'employed-vs-baseline' },
      claims: EVALUATOR,
    });

    expect(byMinistry.status).toBe(403);
    expect(badValue.status).toBe(422);
    expect(badValue.body.errors).toEqual([
      expect.objectContaining({ field: 'value' }),
      expect.objectContaining({ field: 'body', message: expect.stringMatching(/extra/) }),
    ]);
    expect(baseline.status).toBe(422);
    expect(baseline.body.errors).toEqual([expect.objectContaining({ field: 'comparison' })]);
    expect(await size(contract)).toBe(1);
  });

  it('publishes a figure with 201; the same figure again is 200 with the original entry', async () => {
    const first = await api('publishComparison', contract, { body: figure, claims: EVALUATOR });
    const again = await api('publishComparison', contract, { body: figure, claims: EVALUATOR });

    expect(first.status).toBe(201);
    expect(PublishReceiptSchema.parse(first.body)).toMatchObject({ contract, seq: 1, replayed: false });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await size(contract)).toBe(2);
  });
});

describe('POST /contracts/{contract}/evaluations (evaluate) and GET …/evaluations/{seq}', () => {
  let run: ReturnType<typeof EvaluationRunSchema.parse>;

  beforeAll(async () => {
    // The batch through the ingest use case (the operator's route is another module's).
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
    expect(await size(contract)).toBe(3);
  });

  it('refuses other roles (403) and bad requests (422), writing nothing', async () => {
    const refusals = await Promise.all([
      api('evaluate', contract, { body: { period: 'y1' }, claims: INVESTOR }),
      api('evaluate', contract, { body: { period: 'y1' }, claims: MINISTRY }),
      api('evaluate', contract, { body: { period: 'y1' }, claims: token('evaluator', 'evaluator-x', other) }),
    ]);
    const badCheckpoint = await api('evaluate', contract, { body: { period: 'y1', checkpoint: 0 }, claims: EVALUATOR });
    const tooFar = await api('evaluate', contract, { body: { period: 'y1', checkpoint: 99 }, claims: EVALUATOR });
    const badPeriod = await api('evaluate', contract, { body: { period: 'y9' }, claims: EVALUATOR });
    const extra = await api('evaluate', contract, { body: { period: 'y1', force: true }, claims: EVALUATOR });
    const later = await api('evaluate', contract, { body: { period: 'y2' }, claims: EVALUATOR });

    expect(refusals.map((a) => a.status)).toEqual([403, 403, 403]);
    expect(badCheckpoint.status).toBe(422);
    expect(badCheckpoint.body.errors).toEqual([expect.objectContaining({ field: 'checkpoint' })]);
    expect(tooFar.status).toBe(422);
    expect(tooFar.body.errors).toEqual([expect.objectContaining({ field: 'checkpoint' })]);
    expect(badPeriod.status).toBe(422);
    expect(badPeriod.body.errors).toEqual([
      { field: 'period', message: `must be a period of ${contract}: y1, y2, final` },
    ]);
    expect(extra.status).toBe(422);
    expect(later.status).toBe(409);
    expect(await size(contract)).toBe(3);
  });

  it('evaluates y1 with 201: the result (the evaluator sees the pseudonyms), its hash, key and entry', async () => {
    const answer = await api('evaluate', contract, { body: { period: 'y1' }, claims: EVALUATOR });

    expect(answer.status).toBe(201);
    run = EvaluationRunSchema.parse(answer.body);
    expect(run.entry).toMatchObject({ seq: 3, treeSize: 4, replayed: false });
    expect(run.key).toBe(`evaluations/${contract}/y1/${run.sha256}.json`);
    expect(run.result.checkpoint.size).toBe(3);
    expect(run.result.payments.total).toBe(String(2n * BigInt(JOB_PRICE)));
    expect(run.result.outcomes?.some((o) => PSEUDONYM_IN_TEXT.test(o.subject))).toBe(true);
    expect(await size(contract)).toBe(4);
  });

  it('answers the same period at the same checkpoint with 200 and the same result (replayed)', async () => {
    const answer = await api('evaluate', contract, {
      body: { period: 'y1', checkpoint: 3 },
      claims: token('evaluator', 'evaluator-ivanov', contract),
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ sha256: run.sha256, key: run.key, entry: { ...run.entry, replayed: true } });
    expect(await size(contract)).toBe(4);
  });

  it('reads the recorded evaluation back, in full, for the evaluator', async () => {
    const answer = await api('getEvaluation', contract, { params: { seq: '3' }, claims: EVALUATOR });

    expect(answer.status).toBe(200);
    const body = RecordedEvaluationSchema.parse(answer.body);
    expect(body).toMatchObject({
      contract,
      seq: 3,
      period: 'y1',
      sha256: run.sha256,
      key: run.key,
      total: run.result.payments.total,
      recordedBy: { sub: 'evaluator-petrova', role: 'evaluator' },
    });
    expect(body.result).toEqual(run.result);
  });

  it('refuses the recorded evaluation to other roles (403); other seqs are 404, a bad one 400', async () => {
    const statuses = await Promise.all(
      [MINISTRY, INVESTOR, token('operator', 'operator-7', contract)].map(
        async (claims) => (await api('getEvaluation', contract, { params: { seq: '3' }, claims })).status,
      ),
    );
    const notEvaluation = await api('getEvaluation', contract, { params: { seq: '2' }, claims: EVALUATOR });
    const beyond = await api('getEvaluation', contract, { params: { seq: '40' }, claims: EVALUATOR });
    const bad = await api('getEvaluation', contract, { params: { seq: '03' }, claims: EVALUATOR });
    const hostile = await Promise.all(
      [' 3', '3\t', '+3', '3 ', '0x3', '3e0'].map((seq) =>
        api('getEvaluation', contract, { params: { seq }, claims: EVALUATOR }),
      ),
    );

    expect(statuses).toEqual([403, 403, 403]);
    expect(notEvaluation.status).toBe(404);
    expect(notEvaluation.body.detail).toMatch(/evidence\.batch/);
    expect(beyond.status).toBe(404);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^invalid path parameter seq: /);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'seq' })]);
    expect(hostile.map((a) => [a.status, (a.body.errors as { field: string }[])[0]?.field])).toEqual(
      hostile.map(() => [400, 'seq']),
    );
  });

  it('shows anyone but the evaluator the aggregates only: no outcome keys, no numerators, no pseudonym', () => {
    const result = run.result as unknown as EvaluationResult;

    const forInvestor = resultFor('investor', result);
    const forEvaluator = resultFor('evaluator', result);

    expect(forInvestor).not.toHaveProperty('outcomes');
    expect(forInvestor).not.toHaveProperty('numerators');
    expect(PSEUDONYM_IN_TEXT.test(JSON.stringify(forInvestor))).toBe(false);
    expect(forInvestor.payments).toEqual(result.payments);
    expect(forEvaluator).toBe(result);
  });
});
