/**
 * The routes the web console needs, invoked as API Gateway would invoke
 * their handlers, against the test stack: the contract list (filtered by the
 * token, titles in both languages, the time zone), a payment's summary (the
 * public summary re-hashes to the status's, each step's signature verifies
 * over the statement rebuilt from the status), party key enrolment (proof of
 * possession, the roles a token may enrol for, idempotent, in the trust
 * policy; every refusal writes nothing), and the development sign-in (its
 * options, tokens that verify, 400 problems naming the field, refused
 * outside a local stack). The roles matrix (401/403 of every route) is
 * test/functions/api-authz.test.ts's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import { decisionStatement, type Entry, enrolmentStatement, PARTY_ENROLLED_KIND, signatureVerifies } from '#ledger';
import { type PublicSummary, summaryHash } from '#reports';
import { enrolledKeys, ingestBatch } from '#services';
import { verifyToken } from '../../functions/adapters/local-token.ts';
import * as contractsApi from '../../functions/api/contracts.ts';
import * as devApi from '../../functions/api/dev.ts';
import * as ledgerApi from '../../functions/api/ledger.ts';
import { openApiDocument } from '../../functions/api/openapi-doc.ts';
import * as paymentsApi from '../../functions/api/payments.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, type Call, token } from '../support/api-event.ts';
import { REPO } from '../support/cli.ts';
import { RELEASED_BATCH } from '../support/evidence.ts';
import { invoke, saveEnv } from '../support/http.ts';
import { memoryParty } from '../support/parties.ts';
import { testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-api-console-'));
const saved = saveEnv(['SIB_DATA_DIR', 'AWS_LAMBDA_FUNCTION_NAME']);
let rt: Runtime;

beforeAll(async () => {
  process.env.SIB_DATA_DIR = dir;
  rt = await localRuntime(dir, testStack());
  setRuntime(rt);
});
beforeEach(() => setRuntime(rt));
afterAll(() => {
  resetRuntime();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  readonly body: any;
}

const contracts = (id: keyof typeof contractsApi.IMPLS, contract: string, call: Call): Promise<Answer> =>
  invoke(contractsApi.handler, apiEvent(id, contract, call));
const payments = (id: keyof typeof paymentsApi.IMPLS, contract: string, call: Call): Promise<Answer> =>
  invoke(paymentsApi.handler, apiEvent(id, contract, call));
const ledger = (id: keyof typeof ledgerApi.IMPLS, contract: string, call: Call): Promise<Answer> =>
  invoke(ledgerApi.handler, apiEvent(id, contract, call));
const dev = (id: keyof typeof devApi.IMPLS, call: Call): Promise<Answer> =>
  invoke(devApi.handler, apiEvent(id, '', call));

type Spec = { id: string; title: string; payments: unknown[] } & Record<string, unknown>;

function shipped(file: string, prefix: string): Spec {
  const spec = JSON.parse(readFileSync(join(REPO, 'contracts', `${file}.json`), 'utf8')) as Spec;
  return { ...spec, id: `${prefix}-${randomUUID().slice(0, 8)}` };
}

/** A Second Chance copy paying 50,000.00 RUB for each participant employed, so that y1 pays. */
const spec = (() => {
  const s = shipped('second-chance-kamchatka', 'console');
  return {
    ...s,
    payments: [...s.payments, { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: '5000000' }],
  };
})();
const contract = spec.id;
/** Without a time zone or translations: the list answers UTC and the spec's own title. */
const plain: Spec = (() => {
  const { timeZone: _zone, translations: _translations, ...rest } = shipped('antares-vko-2017', 'console-plain');
  return rest as Spec;
})();

const MINISTRY = token('ministry', 'ministry-head', contract);
const EVALUATOR = token('evaluator', 'evaluator-petrova', contract);
const INVESTOR = token('investor', 'investor-fund', contract);

let payment = 0;

beforeAll(async () => {
  for (const s of [spec, plain]) {
    const registered = await contracts('registerContract', s.id as string, {
      body: s,
      claims: token('ministry', 'ministry-head', s.id as string),
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  }
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
  const evaluated = await contracts('evaluate', contract, {
    body: { period: 'y1' },
    claims: token('evaluator', 'calc-evaluator', contract),
  });
  expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(201);
  payment = (evaluated.body.entry as { seq: number }).seq;
});

describe('GET /contracts', () => {
  it('lists the contracts the token names, with titles in both languages, the time zone, the term and the log size', async () => {
    const answer = await contracts('listContracts', '', { claims: token('investor', 'investor-fund', contract) });
    expect(answer.status).toBe(200);
    expect(answer.body.contracts).toEqual([
      {
        id: contract,
        title: {
          ru: 'Второй шанс: трудоустройство лиц, освободившихся из мест лишения свободы (Камчатский край)',
          en: 'Second Chance: employment of people released from prison (Kamchatka Krai)',
        },
        currency: 'RUB',
        minorUnit: 2,
        timeZone: 'Asia/Kamchatka',
        term: { from: '2023-08-01', to: '2026-03-31' },
        version: 1,
        logSize: await rt.contracts.log.size(contract),
      },
    ]);
  });

  it('answers UTC and the title in the spec language where the spec names no zone and has no translation', async () => {
    const answer = await contracts('listContracts', '', {
      claims: token('ministry', 'ministry-head', `${plain.id as string} not-registered-${randomUUID().slice(0, 8)}`),
    });
    const listed = answer.body.contracts as { title: { en?: string } }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: plain.id,
      timeZone: 'UTC',
      title: { ru: plain.title },
      currency: 'KZT',
    });
    expect(listed[0]?.title.en).toBeUndefined();
  });

  it('lists every registered contract for a token of all contracts', async () => {
    const answer = await contracts('listContracts', '', { claims: token('operator', 'op-1', '*') });
    const ids = (answer.body.contracts as { id: string }[]).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([contract, plain.id]));
    expect(ids).toEqual([...ids].sort());
  });

  it('refuses a caller without a token (401)', async () => {
    const answer = await contracts('listContracts', '', {});
    expect(answer.status).toBe(401);
  });
});

describe('party key enrolment', () => {
  const official = memoryParty('official.ministry.test');
  const statementFor = (role: string, subject: string, key = official.key, of = contract) =>
    enrolmentStatement({ contract: of, role, subject, key });
  const size = () => rt.contracts.log.size(contract);

  it('builds the enrolment statement', () => {
    expect(statementFor('ministry', 'ministry-head')).toBe(
      `sib-ledger/enrolment/v1\ncontract ${contract}\nrole ministry\nsubject ministry-head\nkey ${official.key}\n`,
    );
  });

  it('enrols a key signed by itself, once; the trust policy and the list name it', async () => {
    const before = await size();
    const body = {
      role: 'ministry',
      key: official.key,
      note: official.signed(statementFor('ministry', 'ministry-head')).note,
    };
    const answer = await contracts('enrolPartyKey', contract, { claims: MINISTRY, body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({
      seq: before,
      key: official.key,
      role: 'ministry',
      subject: 'ministry-head',
      replayed: false,
    });
    const again = await contracts('enrolPartyKey', contract, { claims: MINISTRY, body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ seq: before, replayed: true });
    expect(await size()).toBe(before + 1);

    const listed = await contracts('listPartyKeys', contract, { claims: INVESTOR });
    expect(listed.status).toBe(200);
    expect(listed.body.keys).toEqual([
      { role: 'ministry', subject: 'ministry-head', key: official.key, seq: before, at: expect.any(String) },
    ]);
    const trust = await ledger('getTrustPolicy', contract, { claims: INVESTOR });
    expect(trust.status).toBe(200);
    expect(trust.body.logs[0].parties.ministry).toContain(official.key);
    expect(trust.body.logs[0].parties.evaluator).not.toContain(official.key);
  });

  it('refuses, writing nothing: a note not signed by the key, another statement, a role the token may not enrol, the key again for another role', async () => {
    const before = await size();
    const stranger = memoryParty('stranger.test');
    const other = memoryParty('other.ministry.test');
    // Signed by another key than the one named.
    const forged = await contracts('enrolPartyKey', contract, {
      claims: MINISTRY,
      body: {
        role: 'ministry',
        key: other.key,
        note: stranger.signed(statementFor('ministry', 'ministry-head', other.key)).note,
      },
    });
    expect(forged.status).toBe(422);
    expect(forged.body.errors.map((e: { field: string }) => e.field)).toContain('note');
    // The statement names another subject.
    const otherSubject = await contracts('enrolPartyKey', contract, {
      claims: MINISTRY,
      body: {
        role: 'ministry',
        key: other.key,
        note: other.signed(statementFor('ministry', 'someone-else', other.key)).note,
      },
    });
    expect(otherSubject.status).toBe(422);
    expect(otherSubject.body.errors).toEqual([
      expect.objectContaining({ field: 'note', message: expect.stringContaining('subject') }),
    ]);
    // Not a verifier key.
    const badKey = await contracts('enrolPartyKey', contract, {
      claims: MINISTRY,
      body: { role: 'ministry', key: 'not-a-key', note: 'x' },
    });
    expect(badKey.status).toBe(422);
    expect(badKey.body.errors.map((e: { field: string }) => e.field)).toContain('key');
    // A ministry token may enrol ministry and treasury keys only; an evaluator's, evaluator and analyst.
    const asEvaluator = await contracts('enrolPartyKey', contract, {
      claims: MINISTRY,
      body: {
        role: 'evaluator',
        key: other.key,
        note: other.signed(statementFor('evaluator', 'ministry-head', other.key)).note,
      },
    });
    expect(asEvaluator.status).toBe(403);
    expect(asEvaluator.body.detail).toContain('only as ministry or treasury');
    const unknownRole = await contracts('enrolPartyKey', contract, {
      claims: MINISTRY,
      body: { role: 'auditor', key: other.key, note: 'x' },
    });
    expect(unknownRole.status).toBe(422);
    expect(unknownRole.body.errors[0].field).toBe('role');
    // The enrolled key again, for another role.
    const twice = await contracts('enrolPartyKey', contract, {
      claims: MINISTRY,
      body: {
        role: 'treasury',
        key: official.key,
        note: official.signed(statementFor('treasury', 'ministry-head')).note,
      },
    });
    expect(twice.status).toBe(409);
    // An unregistered contract.
    const ghost = `ghost-${randomUUID().slice(0, 8)}`;
    const unregistered = await contracts('enrolPartyKey', ghost, {
      claims: token('ministry', 'ministry-head', ghost),
      body: {
        role: 'ministry',
        key: other.key,
        note: other.signed(statementFor('ministry', 'ministry-head', other.key, ghost)).note,
      },
    });
    expect(unregistered.status).toBe(404);
    expect(await size()).toBe(before);
  });

  it('lets an evaluator token enrol an analyst key', async () => {
    const analyst = memoryParty('analyst.evaluator.test');
    const answer = await contracts('enrolPartyKey', contract, {
      claims: EVALUATOR,
      body: {
        role: 'analyst',
        key: analyst.key,
        note: analyst.signed(statementFor('analyst', 'evaluator-petrova', analyst.key)).note,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  });
});

describe('GET /contracts/{contract}/payments/{payment}/summary', () => {
  it("answers the evaluation's public summary, the cited version and every signed step, all re-checkable", async () => {
    const evaluator = memoryParty('evaluator.test');
    const status = (await payments('getPayment', contract, { claims: EVALUATOR, params: { payment: String(payment) } }))
      .body;
    const attested = decisionStatement({
      contract,
      payment,
      period: status.period,
      step: 'attested',
      result: status.result,
      summary: status.summary,
      total: status.total,
      minorUnit: status.minorUnit,
      currency: status.currency,
    });
    const attest = await payments('attestPayment', contract, {
      claims: EVALUATOR,
      params: { payment: String(payment) },
      body: { signature: evaluator.signed(attested) },
    });
    expect(attest.status, JSON.stringify(attest.body)).toBe(201);

    const answer = await payments('getPaymentSummary', contract, {
      claims: MINISTRY,
      params: { payment: String(payment) },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const {
      summary,
      contract: cited,
      signatures,
    } = answer.body as {
      summary: PublicSummary;
      contract: { version: number; hash: string; spec: { id: string; timeZone: string } };
      signatures: { step: string; seq: number; subject: string; at: string; key: string; line: string }[];
    };
    expect(answer.body.status.state).toBe('attested');
    expect(summaryHash(summary)).toBe(answer.body.status.summary);
    expect(cited).toMatchObject({
      version: 1,
      hash: status.contract.hash,
      spec: { id: contract, timeZone: 'Asia/Kamchatka' },
    });
    expect(signatures).toEqual([
      {
        step: 'attested',
        seq: attest.body.seq,
        subject: 'evaluator-petrova',
        at: expect.any(String),
        key: evaluator.key,
        line: expect.stringMatching(/^\u2014 evaluator\.test /),
      },
    ]);
    expect(signatureVerifies(attested, { key: signatures[0]?.key ?? '', line: signatures[0]?.line ?? '' })).toBe(true);
    // Aggregates only: no pseudonym, no outcome keys.
    expect(JSON.stringify(answer.body)).not.toMatch(/p-[0-9a-f]{32}/);
    expect(summary).not.toHaveProperty('outcomes');
  });

  it('answers the investor, refuses the operator (403), and 404s an entry that is no payment', async () => {
    const investor = await payments('getPaymentSummary', contract, {
      claims: INVESTOR,
      params: { payment: String(payment) },
    });
    expect(investor.status).toBe(200);
    const operator = await payments('getPaymentSummary', contract, {
      claims: token('operator', 'op-1', contract),
      params: { payment: String(payment) },
    });
    expect(operator.status).toBe(403);
    const notPayment = await payments('getPaymentSummary', contract, { claims: INVESTOR, params: { payment: '0' } });
    expect(notPayment.status).toBe(404);
    const malformed = await payments('getPaymentSummary', contract, { claims: INVESTOR, params: { payment: '01' } });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
  });
});

describe('the development sign-in', () => {
  it('offers the roles, the registered contracts and the subjects a scenario left, then local-<role>', async () => {
    writeFileSync(
      join(dir, devApi.SIGN_IN_FILE),
      JSON.stringify({
        subjects: [{ subject: 'minlabour-kamchatka', role: 'ministry', label: 'the ministry (demo)' }],
      }),
    );
    const answer = await dev('devSignIn', {});
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.roles).toEqual(['operator', 'ministry', 'investor', 'evaluator']);
    expect(answer.body.contracts).toEqual(
      expect.arrayContaining([
        { id: contract, title: { ru: expect.any(String), en: expect.stringContaining('Second Chance') } },
      ]),
    );
    expect(answer.body.subjects[0]).toEqual({
      subject: 'minlabour-kamchatka',
      role: 'ministry',
      label: 'the ministry (demo)',
    });
    expect(answer.body.subjects.map((s: { subject: string }) => s.subject)).toEqual(
      expect.arrayContaining(['local-operator', 'local-ministry', 'local-investor', 'local-evaluator']),
    );
  });

  it('issues a token the local gateway accepts, as sib login would', async () => {
    const answer = await dev('issueDevToken', {
      body: { subject: 'minfin-1', role: 'ministry', contracts: [contract] },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ subject: 'minfin-1', role: 'ministry', contracts: [contract] });
    const claims = await verifyToken(dir, answer.body.token);
    expect(claims).toMatchObject({ sub: 'minfin-1', 'cognito:groups': ['ministry'], 'custom:contracts': contract });
    expect(answer.body.expiresAt).toBe(claims.exp);
    const all = await dev('issueDevToken', { body: { subject: 'minfin-1', role: 'investor', contracts: ['*'] } });
    expect(all.body.contracts).toEqual(['*']);
    expect((await verifyToken(dir, all.body.token))['custom:contracts']).toBe('*');
  });

  it('answers bad fields with a 400 problem naming each one', async () => {
    const answer = await dev('issueDevToken', { body: { subject: 'has space', role: 'admin', contracts: [] } });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['contracts', 'role', 'subject']);
    const notObject = await dev('issueDevToken', { body: ['x'] });
    expect(notObject.status).toBe(400);
    const badContract = await dev('issueDevToken', { body: { subject: 's', role: 'ministry', contracts: ['../x'] } });
    expect(badContract.status).toBe(400);
    expect(badContract.body.errors[0].field).toBe('contracts.0');
  });

  it('is refused (404) anywhere but a local stack', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'sib-api-contracts';
    try {
      expect((await dev('devSignIn', {})).status).toBe(404);
      const token = await dev('issueDevToken', { body: { subject: 's', role: 'ministry', contracts: ['*'] } });
      expect(token.status).toBe(404);
      expect(token.body.detail).toContain('Cognito');
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
  });
});

describe('the enrolled keys of a log, and the documents', () => {
  it("publishes an enrolment only if the key's signature verifies over the statement rebuilt from the entry", () => {
    const party = memoryParty('party.test');
    const entry = (subject: string, signedFor: string) =>
      ({
        seq: 3,
        kind: PARTY_ENROLLED_KIND,
        actor: { sub: subject, role: 'ministry' },
        at: '2026-12-06T07:00:00.000Z',
        body: {
          role: 'ministry',
          key: party.key,
          signature: party.sign(enrolmentStatement({ contract, role: 'ministry', subject: signedFor, key: party.key })),
        },
      }) as unknown as Entry;
    expect(enrolledKeys(contract, [entry('anna', 'anna')])).toEqual([
      { role: 'ministry', subject: 'anna', key: party.key, seq: 3, at: '2026-12-06T07:00:00.000Z' },
    ]);
    // The entry's actor is not who the key's holder named: not published.
    expect(enrolledKeys(contract, [entry('boris', 'anna')])).toEqual([]);
    expect(enrolledKeys(`${contract}-other`, [entry('anna', 'anna')])).toEqual([]);
  });

  it('marks the development sign-in local-only in the OpenAPI document, with its body', () => {
    // biome-ignore lint/suspicious/noExplicitAny: the document is read field by field
    const doc = openApiDocument() as any;
    expect(doc.paths['/dev/token'].post['x-local-only']).toBe(true);
    expect(doc.paths['/dev/sign-in'].get['x-local-only']).toBe(true);
    expect(doc.paths['/contracts'].get['x-local-only']).toBeUndefined();
    expect(doc.paths['/contracts'].get['x-roles']).toEqual(['operator', 'ministry', 'investor', 'evaluator']);
    const body = doc.paths['/dev/token'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['subject', 'role', 'contracts']);
    expect(Object.keys(doc.paths['/dev/token'].post.responses)).toContain('400');
  });
});
