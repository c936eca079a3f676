import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContractSpec, specHash } from '#contracts';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from '#kernel';
import type { Actor } from '#ledger';
import {
  computeEvaluation,
  contractVersions,
  evaluationKey,
  type IngestReceipt,
  ingestBatch,
  publishComparison,
  readVerifiedEntries,
  registerContract,
  runEvaluation,
} from '#services';
import { REPO } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { type EvidenceContext, openEvidence } from '../support/runtime.ts';
import { dynamoClient, s3Client, testStack } from '../support/stack.ts';

/**
 * The contract and evaluation use cases (domain/services/contracts.ts,
 * evaluations.ts) on the runtime's ports, against the test stack: DynamoDB
 * Local for the log, s3rver for archives and results. Each describe works on its own copy of a shipped contract
 * under a fresh id, so logs do not mix.
 */

const dir = mkdtempSync(join(tmpdir(), 'sib-contract-ops-'));
const s3 = s3Client();
const db = DynamoDBDocumentClient.from(dynamoClient());
const BUCKET = testStack().buckets.archive;
let ctx: EvidenceContext;

beforeAll(async () => {
  ctx = await openEvidence(dir, testStack());
});
afterAll(() => {
  ctx.close();
  s3.destroy();
  db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const MINISTRY: Actor = { sub: 'test-ministry', role: 'ministry' };
const EVALUATOR: Actor = { sub: 'test-evaluator', role: 'evaluator' };
const OPERATOR: Actor = { sub: 'test-operator', role: 'operator' };

type Raw = Record<string, unknown> & { id: string };

/** A shipped spec (contracts/<name>.json) as raw JSON under a fresh contract id. */
function specCopy(name: string): Raw {
  const raw = JSON.parse(readFileSync(join(REPO, 'contracts', `${name}.json`), 'utf8')) as Raw;
  return { ...raw, id: `ops-${name.slice(0, 12)}-${randomUUID().slice(0, 8)}` };
}

const size = (contract: string) => ctx.contracts.log.size(contract);

async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

const release = (eventId: string, participant: string, date: string) => ({
  eventId,
  participant,
  type: 'release',
  date,
  source: 'operator',
  institution: 'IK-6',
});
const reconviction = (eventId: string, participant: string, date: string, offenceDate: string) => ({
  eventId,
  participant,
  type: 'reconviction',
  date,
  source: 'court',
  offenceDate,
});

/** Four participants of the Second Chance copy: two employed (one permanently), one reconvicted. */
const SMALL_BATCH = [
  { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'serving-sentence' },
  release('r1', 'OP-1', '2024-01-20'),
  job('j1', 'OP-1', '2024-02-01'),
  { ...enrol('e2', 'OP-2', '2024-01-10'), category: 'serving-sentence' },
  release('r2', 'OP-2', '2024-01-25'),
  { ...job('j2', 'OP-2', '2024-03-01'), contractType: 'fixed-term' },
  { ...enrol('e3', 'OP-3', '2024-02-01'), category: 'serving-sentence' },
  release('r3', 'OP-3', '2024-02-05'),
  { ...enrol('e4', 'OP-4', '2024-02-01'), category: 'serving-sentence' },
  release('r4', 'OP-4', '2024-02-10'),
  reconviction('c4', 'OP-4', '2024-05-01', '2024-04-20'),
];

/** Registers a Second Chance copy and ingests SMALL_BATCH: a log of 2 entries (registration, batch). */
async function evaluableContract(): Promise<{ contract: string; batch: IngestReceipt }> {
  const raw = specCopy('second-chance-kamchatka');
  await registerContract(ctx.contracts, raw, MINISTRY);
  const batch = await ingestBatch(
    {
      profile: parseContractSpec(raw),
      batchId: 'b-1',
      submitter: OPERATOR,
      records: SMALL_BATCH.map((value, at) => ({ at, value })),
      today: '2026-01-01',
    },
    ctx.ports,
  );
  return { contract: raw.id, batch };
}

async function getObject(key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
}

/**
 * Overwrites an object, then waits until it reads back: s3rver answers a PUT
 * before its file is written out, so a GET right after may see old bytes.
 */
async function putObject(key: string, body: Uint8Array | string): Promise<void> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
  for (let attempt = 0; !Buffer.from(await getObject(key)).equals(bytes); attempt++) {
    if (attempt === 50) throw new Error(`${key} does not read back as written`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('registerContract', () => {
  const raw = specCopy('second-chance-kamchatka');
  let first: Awaited<ReturnType<typeof registerContract>>;

  beforeAll(async () => {
    first = await registerContract(ctx.contracts, raw, MINISTRY);
  });

  it('registers version 1 as a contract.registered entry citing the spec hash', async () => {
    const { entries } = await readVerifiedEntries(ctx.contracts.log, raw.id, await size(raw.id));

    expect(first).toMatchObject({ contract: raw.id, version: 1, seq: 0, replayed: false });
    expect(first.specHash).toBe(specHash(parseContractSpec(raw)));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ seq: 0, kind: 'contract.registered', actor: MINISTRY });
    expect(entries[0]?.body).toMatchObject({ version: 1, effectiveFrom: raw.effectiveFrom, specHash: first.specHash });
  });

  it('answers the same spec again (by anyone) with the original entry, replayed', async () => {
    const again = await registerContract(ctx.contracts, structuredClone(raw), MINISTRY);
    const byOther = await registerContract(ctx.contracts, raw, { sub: 'another-ministry-user', role: 'ministry' });

    expect(again).toEqual({ ...first, replayed: true });
    expect(byOther).toEqual({ ...first, replayed: true });
    expect(await size(raw.id)).toBe(1);
  });

  it('refuses version 1 with other terms as a conflict naming both spec hashes', async () => {
    const other = { ...raw, title: `${raw.title as string} (other terms)` };
    const otherHash = specHash(parseContractSpec(other));

    const error = await failure(registerContract(ctx.contracts, other, MINISTRY), ConflictError);

    expect(error.message).toContain(first.specHash);
    expect(error.message).toContain(otherHash);
    expect(error.details).toEqual({ registered: first.specHash, submitted: otherHash });
    expect(await size(raw.id)).toBe(1);
  });

  it('refuses version 3 before version 2 (field version)', async () => {
    const v3 = { ...raw, version: 3, effectiveFrom: '2024-08-01' };

    const error = await failure(registerContract(ctx.contracts, v3, MINISTRY), ValidationError);

    expect(error.problems).toEqual([{ field: 'version', message: expect.stringMatching(/must be 2/) }]);
    expect(await size(raw.id)).toBe(1);
  });

  it('refuses version 2 effective before version 1 (field effectiveFrom)', async () => {
    // The term starts earlier in the amendment, so the spec itself is valid.
    const v2 = {
      ...raw,
      version: 2,
      term: { ...(raw.term as object), from: '2023-07-01' },
      effectiveFrom: '2023-07-15',
    };

    const error = await failure(registerContract(ctx.contracts, v2, MINISTRY), ValidationError);

    expect(error.problems).toEqual([
      { field: 'effectiveFrom', message: expect.stringContaining(raw.effectiveFrom as string) },
    ]);
    expect(await size(raw.id)).toBe(1);
  });

  it('refuses an invalid spec with the path of every bad field, appending nothing', async () => {
    const bad = structuredClone(raw);
    bad.currency = 'rub';
    bad.rounding = { mode: 'sideways', step: '1' };
    bad.periods = [{ id: 'Y1', from: '2023-08-01', to: '2024-07-31' }];

    const error = await failure(registerContract(ctx.contracts, bad, MINISTRY), ValidationError);

    expect(error.problems.map((p) => p.field).sort()).toEqual([
      'currency',
      'periods.0.id',
      'periods.0.paymentDate',
      'rounding.mode',
    ]);
    expect(error.problems.every((p) => p.message.length > 0)).toBe(true);
    expect(await size(raw.id)).toBe(1);
  });

  it('refuses a spec breaking a rule across fields, at the path of the bad field', async () => {
    const bad = structuredClone(raw) as Raw & { metrics: { target?: { value: string } }[] };
    (bad.metrics[1]?.target as { value: string }).value = '1.5';

    const error = await failure(registerContract(ctx.contracts, bad, MINISTRY), ValidationError);

    expect(error.problems).toEqual([{ field: 'metrics.1.target.value', message: 'a rate target must be at most 1' }]);
    expect(await size(raw.id)).toBe(1);
  });

  it('registers version 2 effective later as the next entry; both versions are listed', async () => {
    const v2 = { ...raw, version: 2, effectiveFrom: '2024-08-01' };

    const receipt = await registerContract(ctx.contracts, v2, MINISTRY);
    const versions = await contractVersions(ctx.contracts, raw.id);

    expect(receipt).toMatchObject({ version: 2, seq: 1, replayed: false });
    expect(versions.map((v) => [v.spec.version, v.seq, v.hash])).toEqual([
      [1, 0, first.specHash],
      [2, 1, receipt.specHash],
    ]);
  });
});

describe('publishComparison', () => {
  // Peterborough publishes its matched-group figures; a baseline comparison is added to refuse.
  const raw = specCopy('peterborough');
  raw.comparisons = [
    ...(raw.comparisons as unknown[]),
    { id: 'national', metric: 'reconviction-events', kind: 'baseline', value: '1.55', effect: 'relative-reduction' },
  ];
  const figure = { comparison: 'matched-group', group: 'cohort-1', value: '1.55', denominator: 1000 };

  beforeAll(async () => {
    await registerContract(ctx.contracts, raw, MINISTRY);
  });

  it.each([
    { name: 'an unknown comparison', change: { comparison: 'nope' }, field: 'comparison', message: /matched-group/ },
    { name: 'a baseline comparison', change: { comparison: 'national' }, field: 'comparison', message: /published/ },
    { name: 'a group not computed', change: { group: 'cohort-9' }, field: 'group', message: /all, cohort-1, cohort-2/ },
    { name: 'an unknown period', change: { period: 'nope' }, field: 'period', message: /cohort-1-result, final/ },
    { name: 'a negative value', change: { value: '-1' }, field: 'value', message: /non-negative decimal/ },
    { name: 'a value not a number', change: { value: 'abc' }, field: 'value', message: /non-negative decimal/ },
    { name: 'an unknown field', change: { extra: 1 }, field: '(root)', message: /extra/ },
  ])('refuses $name (field $field), appending nothing', async ({ change, field, message }) => {
    const before = await size(raw.id);

    const error = await failure(
      publishComparison(ctx.contracts, raw.id, { ...figure, ...change }, EVALUATOR),
      ValidationError,
    );

    expect(error.problems).toEqual([{ field, message: expect.stringMatching(message) }]);
    expect(await size(raw.id)).toBe(before);
  });

  it('appends a valid figure; the same figure again is replayed', async () => {
    const before = await size(raw.id);

    const first = await publishComparison(ctx.contracts, raw.id, figure, EVALUATOR);
    const again = await publishComparison(ctx.contracts, raw.id, { ...figure }, EVALUATOR);
    const byOther = await publishComparison(ctx.contracts, raw.id, figure, {
      sub: 'other-evaluator',
      role: 'evaluator',
    });

    expect(first).toMatchObject({ seq: before, replayed: false });
    expect(again).toEqual({ ...first, replayed: true });
    expect(byOther).toEqual({ ...first, replayed: true });
    const { entries } = await readVerifiedEntries(ctx.contracts.log, raw.id, await size(raw.id));
    expect(entries).toHaveLength(before + 1);
    expect(entries.at(-1)).toMatchObject({ kind: 'comparison.published', body: figure });
  });

  it('refuses a figure for an unregistered contract', async () => {
    await failure(
      publishComparison(ctx.contracts, `ops-none-${randomUUID().slice(0, 8)}`, figure, EVALUATOR),
      NotFoundError,
    );
  });
});

describe('runEvaluation', () => {
  let contract: string;
  let y1: Awaited<ReturnType<typeof runEvaluation>>;

  beforeAll(async () => {
    ({ contract } = await evaluableContract());
  });

  it('stores the canonical result of y1 under its key and records its hash, checkpoint size and root', async () => {
    const { root } = await readVerifiedEntries(ctx.contracts.log, contract, 2);

    y1 = await runEvaluation(ctx.contracts, { contract, period: 'y1', actor: EVALUATOR });

    expect(y1.key).toBe(evaluationKey(contract, 'y1', y1.sha256));
    const stored = await getObject(y1.key);
    expect(sha256Hex(stored)).toBe(y1.sha256);
    expect(Buffer.from(stored).equals(Buffer.from(y1.bytes))).toBe(true);
    expect(y1.entry).toMatchObject({ seq: 2, treeSize: 3, replayed: false });
    expect(y1.result.checkpoint).toEqual({ size: 2, root });
    expect(y1.result).toMatchObject({
      contract: { id: contract, version: 1, seq: 0 },
      inputs: { batches: 1, records: SMALL_BATCH.length, priorEvaluations: [] },
      participants: { enrolled: 4, withdrawn: 0 },
      payments: { currency: 'RUB' },
    });
    const { entries } = await readVerifiedEntries(ctx.contracts.log, contract, 3);
    expect(entries[2]).toMatchObject({
      kind: 'evaluation.recorded',
      actor: EVALUATOR,
      body: {
        period: 'y1',
        checkpoint: { size: 2, root },
        result: { sha256: y1.sha256, key: y1.key },
        total: y1.result.payments.total,
        currency: 'RUB',
      },
    });
  });

  it('gives the same bytes and the same entry (replayed) at the same checkpoint, even run by another evaluator', async () => {
    const again = await runEvaluation(ctx.contracts, { contract, period: 'y1', checkpoint: 2, actor: EVALUATOR });
    const byOther = await runEvaluation(ctx.contracts, {
      contract,
      period: 'y1',
      checkpoint: 2,
      actor: { sub: 'second-evaluator', role: 'evaluator' },
    });
    const dry = await computeEvaluation(ctx.contracts, { contract, period: 'y1', checkpoint: 2 });

    for (const run of [again, byOther]) {
      expect(run.sha256).toBe(y1.sha256);
      expect(run.entry).toEqual({ ...y1.entry, replayed: true });
    }
    expect(dry.sha256).toBe(y1.sha256);
    expect(await size(contract)).toBe(3);
  });

  it.each([0, 4, 1.5])('refuses checkpoint %s (field checkpoint), appending nothing', async (checkpoint) => {
    const error = await failure(
      runEvaluation(ctx.contracts, { contract, period: 'y1', checkpoint, actor: EVALUATOR }),
      ValidationError,
    );

    expect(error.problems).toEqual([{ field: 'checkpoint', message: expect.stringContaining('from 1 to 3') }]);
    expect(await size(contract)).toBe(3);
  });

  it('refuses an unknown period, listing the periods', async () => {
    const error = await failure(
      runEvaluation(ctx.contracts, { contract, period: 'nope', actor: EVALUATOR }),
      NotFoundError,
    );

    expect(error.message).toContain('y1, y2, final');
  });

  it('refuses y2 at a checkpoint before the evaluation of y1 as a conflict', async () => {
    const error = await failure(
      runEvaluation(ctx.contracts, { contract, period: 'y2', checkpoint: 2, actor: EVALUATOR }),
      ConflictError,
    );

    expect(error.message).toMatch(/before period y1/);
    expect(await size(contract)).toBe(3);
  });

  it('evaluates y2 after y1 citing y1 as the prior evaluation', async () => {
    const y2 = await runEvaluation(ctx.contracts, { contract, period: 'y2', actor: EVALUATOR });

    expect(y2.result.checkpoint.size).toBe(3);
    expect(y2.result.inputs.priorEvaluations).toEqual([
      { seq: y1.entry.seq, period: 'y1', sha256: y1.sha256, key: y1.key },
    ]);
    expect(y2.result.payments.paidBefore).toBe(y1.result.payments.total);
    expect(y2.entry).toMatchObject({ seq: 3, replayed: false });
  });
});

describe('runEvaluation on tampered objects', () => {
  let contract: string;
  let batch: IngestReceipt;
  let archive: Uint8Array;

  beforeAll(async () => {
    ({ contract, batch } = await evaluableContract());
    archive = await getObject(batch.archive.key);
  });

  it.each([
    ['a record changed', (text: string) => text.replace('"2024-05-01"', '"2024-05-02"'), /does not hash to/],
    ['a record removed', (text: string) => text.split('\n').slice(0, -2).join('\n').concat('\n'), /does not hash to/],
    ['bytes that are not records', () => 'not json\n{also not\n', /not JSON/],
    [
      'objects that are not records',
      (text: string) => `${text.split('\n')[0]}\n{"type":"enrolment"}\n[1]\n`,
      /not a record|does not hash/,
    ],
    ['no final line feed', (text: string) => text.slice(0, -1), /line feed/],
  ])('an archive with %s: IntegrityError naming the archive, nothing appended', async (_, tamper, reason) => {
    const text = new TextDecoder().decode(archive);
    expect(tamper(text)).not.toBe(text);
    await putObject(batch.archive.key, tamper(text));
    try {
      const error = await failure(
        runEvaluation(ctx.contracts, { contract, period: 'y1', actor: EVALUATOR }),
        IntegrityError,
      );

      expect(error.message).toContain(batch.archive.key);
      expect(error.message).toMatch(reason);
      expect(error.seq).toBe(batch.seq);
      expect(await size(contract)).toBe(2);
    } finally {
      await putObject(batch.archive.key, archive);
    }
  });

  it('a stored result of y1 changed: the evaluation of y2 fails with IntegrityError naming the result', async () => {
    const y1 = await runEvaluation(ctx.contracts, { contract, period: 'y1', actor: EVALUATOR });
    const text = new TextDecoder().decode(y1.bytes);
    await putObject(y1.key, text.replace(`"total":"${y1.result.payments.total}"`, '"total":"99"'));
    expect(sha256Hex(await getObject(y1.key))).not.toBe(y1.sha256);

    const error = await failure(
      runEvaluation(ctx.contracts, { contract, period: 'y2', actor: EVALUATOR }),
      IntegrityError,
    );

    expect(error.message).toContain(y1.key);
    expect(error.seq).toBe(y1.entry.seq);
    expect(await size(contract)).toBe(3);
  });
});

describe('readVerifiedEntries', () => {
  /** Rewrites entry `seq` of the contract's log in DynamoDB (as someone with table access could). */
  async function alterEntry(contract: string, seq: number, change: (entry: string) => string): Promise<void> {
    const key = { pk: `LOG#${contract}`, sk: `E#${String(seq).padStart(16, '0')}` };
    const item = (await db.send(new GetCommand({ TableName: testStack().tables.ledger, Key: key }))).Item;
    const entry = String(item?.entry);
    expect(change(entry)).not.toBe(entry);
    await db.send(new PutCommand({ TableName: testStack().tables.ledger, Item: { ...item, entry: change(entry) } }));
  }

  it('reads a sound log: every entry in order, and the stored root', async () => {
    const { contract } = await evaluableContract();

    const { entries, root, hashes } = await readVerifiedEntries(ctx.contracts.log, contract, 2);

    expect(entries.map((e) => e.kind)).toEqual(['contract.registered', 'evidence.batch']);
    expect(root).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes).toHaveLength(2);
  });

  it('detects an entry changed in DynamoDB before the last: the next prev does not match', async () => {
    const { contract } = await evaluableContract();
    await runEvaluation(ctx.contracts, { contract, period: 'y1', actor: EVALUATOR });
    await alterEntry(contract, 1, (e) => e.replace('"recordCount":11', '"recordCount":12'));

    const error = await failure(readVerifiedEntries(ctx.contracts.log, contract, 3), IntegrityError);
    const evaluation = await failure(
      runEvaluation(ctx.contracts, { contract, period: 'y2', actor: EVALUATOR }),
      IntegrityError,
    );

    expect(error.seq).toBe(2);
    expect(error.message).toMatch(/prev/);
    expect(evaluation.seq).toBe(2);
  });

  it('detects the last entry changed in DynamoDB: the entries do not hash to the stored root', async () => {
    const { contract } = await evaluableContract();
    await alterEntry(contract, 1, (e) => e.replace('"recordCount":11', '"recordCount":12'));

    const error = await failure(readVerifiedEntries(ctx.contracts.log, contract, 2), IntegrityError);

    expect(error.seq).toBe(1);
    expect(error.message).toMatch(/stored root/);
  });
});
