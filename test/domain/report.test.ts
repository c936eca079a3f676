/**
 * buildReport, signReport and encodeReport on a real report: the Second
 * Chance contract in an in-memory log, y1 and y2 evaluated, y2's payment
 * attested, approved and paid by three other subjects, the checkpoint signed
 * by the log and cosigned by a witness (test/support/audit-report.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { specHash } from '#contracts';
import type { GroupValue } from '#evaluation';
import { encodeResult } from '#evaluation';
import {
  canonicalBytes,
  canonicalize,
  ed25519Verify,
  fromBase64,
  fromHex,
  IntegrityError,
  sha256,
  toHex,
  utf8,
} from '#kernel';
import { entryHash, parseVerifierKey, verifyInclusion } from '#ledger';
import {
  buildReport,
  encodeReport,
  MIN_CELL,
  REPORT_FORMAT,
  reportSigningBytes,
  signReport,
  suppressGroups,
} from '#reports';
import { type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { specWith } from '../support/evaluation-fixtures.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const PSEUDONYM = /p-[0-9a-f]{32}/;

let f: ReportFixture;
beforeAll(async () => {
  f = await secondChanceReport();
});

describe('buildReport', () => {
  it('carries the contract, the checkpoint, the evaluation summary, the payments and the workflow, with proofs', () => {
    // Assess
    expect(f.report).toMatchObject({
      format: REPORT_FORMAT,
      contract: { id: 'second-chance-kamchatka', version: 1, hash: specHash(f.spec) },
      period: { id: 'y2', paymentDate: '2025-09-30' },
      checkpoint: { size: 10, root: f.log.checkpoint(10).root },
      evaluation: {
        resultSha256: encodeResult(f.y2).sha256,
        evaluatedAt: { size: 6 },
        records: f.y2.inputs.records,
        batches: 1,
        participants: { enrolled: 213, withdrawn: 0 },
      },
      earlier: [{ period: 'y1', evaluation: { seq: 2 } }],
      paidBeforeByRule: [{ rule: 'subsidy-y1', amount: '3000000000' }],
      workflow: { state: 'paid' },
      witnesses: ['test.witness'],
      issued: { at: '2025-10-01T09:00:00.000Z' },
    });
    expect(f.report.contract.spec).toEqual(f.spec);
    expect(f.report.payments).toEqual(f.y2.payments);
    expect(f.report.payments.lines.map((l) => [l.rule, l.amount])).toEqual([['subsidy-y2', '3500000000']]);
    expect(f.report.evaluation.indicators).toEqual(f.y2.indicators);
    expect(f.report.checkpoint.note).toMatch(/^test\.log\/second-chance-kamchatka\n10\n/);
    // The earlier payment travels with its entries: y1's evaluation and its steps, each proved.
    expect(f.report.earlier[0]?.steps.map((s) => [s.step, s.entry.seq])).toEqual([
      ['attested', 3],
      ['approved', 4],
      ['paid', 5],
    ]);
    expect(f.report.workflow.steps.map((s) => [s.step, s.entry.seq])).toEqual([
      ['attested', 7],
      ['approved', 8],
      ['paid', 9],
    ]);
    // Every entry is the log's entry, proved into the checkpoint.
    const proven = [
      f.report.contract.registration,
      f.report.evaluation.entry,
      ...f.report.workflow.steps.map((s) => s.entry),
    ];
    for (const p of proven) {
      expect(p.entry).toBe(new TextDecoder().decode(f.log.leaves[p.seq]));
      expect(p.leafHash).toBe(toHex(entryHash(utf8(p.entry))));
      expect(
        verifyInclusion(fromHex(p.leafHash), p.seq, 10, p.proof.map(fromHex), fromHex(f.report.checkpoint.root)),
      ).toBe(true);
    }
  });

  it('names no pseudonym anywhere, though the evaluation result it is built from does', () => {
    // The result names participants (its numerators and outcome lines are for the evaluator).
    expect(canonicalize(f.y2)).toMatch(PSEUDONYM);

    const text = new TextDecoder().decode(f.bytes);
    expect(text).not.toMatch(PSEUDONYM);
    expect(f.report.evaluation).not.toHaveProperty('outcomes');
    expect(f.report.evaluation).not.toHaveProperty('numerators');
    expect(f.report).not.toHaveProperty('outcomes');
  });

  it('suppresses groups of fewer than 5 people, and the smallest other group beside a lone one', () => {
    // Prepare: cohorts 2023 (200 people), 2024 (3) and 2025 (10).
    const employed = f.y2.metrics.find((m) => m.id === 'employed');
    expect(employed?.groups?.map((g) => [g.group, g.denominator])).toEqual([
      ['2023', 200],
      ['2024', 3],
      ['2025', 10],
    ]);

    // Assess: 2024 is under MIN_CELL; 2025 goes with it, or 213 − 200 would give 2024's figures away.
    const reported = f.report.evaluation.metrics.find((m) => m.id === 'employed');
    expect(reported?.groups).toEqual([
      { group: '2023', value: '0.350000', numerator: '70', denominator: 200 },
      { group: '2024', suppressed: true },
      { group: '2025', suppressed: true },
    ]);
    // The whole population's figures stay.
    expect(reported).toMatchObject({ value: '0.328638', numerator: '70', denominator: 213 });
    // Counting groups (services by type) are suppressed by their count: none was recorded.
    const services = f.report.evaluation.metrics.find((m) => m.id === 'services');
    expect(services?.groups?.every((g) => 'suppressed' in g)).toBe(true);
  });

  it('gives identical bytes for identical inputs', async () => {
    // Prepare: the same keys (Ed25519 signatures are deterministic).
    const log = memorySigner('test.log');
    const witness = memoryWitness('test.witness');

    // Act
    const one = await secondChanceReport({ logSigner: log, witnessSigner: witness });
    const two = await secondChanceReport({ logSigner: log, witnessSigner: witness });

    // Assess
    expect(toHex(two.bytes)).toBe(toHex(one.bytes));
    expect(canonicalize(buildReport(f.input))).toBe(canonicalize(buildReport(f.input)));
    expect(encodeReport(two.report).sha256).toBe(encodeReport(one.report).sha256);
  });

  it('derives the workflow state from the steps, whatever order they come in', () => {
    const [attested, approved, paid] = f.input.steps as [
      (typeof f.input.steps)[number],
      (typeof f.input.steps)[number],
      (typeof f.input.steps)[number],
    ];
    expect(buildReport({ ...f.input, steps: [] }).workflow).toEqual({ state: 'calculated', steps: [] });
    expect(buildReport({ ...f.input, steps: [attested] }).workflow.state).toBe('attested');
    expect(buildReport({ ...f.input, steps: [approved, attested] }).workflow.state).toBe('approved');
    const all = buildReport({ ...f.input, steps: [paid, attested, approved] }).workflow;
    expect(all.state).toBe('paid');
    expect(all.steps.map((s) => s.entry.seq)).toEqual([7, 8, 9]);
  });

  it('refuses pieces that do not belong together', () => {
    // The y1 result with y2's entry.
    expect(() => buildReport({ ...f.input, evaluation: { ...f.input.evaluation, result: f.y1 } })).toThrow(
      IntegrityError,
    );
    // A step of y1's payment (entry 3) among y2's.
    expect(() => buildReport({ ...f.input, steps: [...f.input.steps, f.log.proven(3)] })).toThrow(
      /entry 3 is a step of another payment/,
    );
    // An entry that is no step (the evidence batch).
    expect(() => buildReport({ ...f.input, steps: [f.log.proven(1)] })).toThrow(
      /evidence.batch entry, not a payment step/,
    );
    // A proof into another tree than the checkpoint's.
    expect(() => buildReport({ ...f.input, registration: f.log.proven(0, 6) })).toThrow(
      /inclusion proof of the registration entry does not lead to the checkpoint/,
    );
    // A signed note of another checkpoint.
    expect(() =>
      buildReport({ ...f.input, checkpoint: { ...f.input.checkpoint, note: f.earlierCheckpoint.note } }),
    ).toThrow(/the signed note is the checkpoint of size 9, not of size 10/);
    // Other terms than the registered ones.
    const other = specWith('second-chance-kamchatka', (raw) => {
      (raw.payments as { amount: string }[])[1] = { ...(raw.payments as object[])[1], amount: '4000000000' } as never;
    });
    expect(() => buildReport({ ...f.input, spec: other })).toThrow(/registers another spec/);
  });
});

describe('suppressGroups', () => {
  const rate = (group: string, denominator: number): GroupValue => ({
    group,
    value: '0.500000',
    numerator: String(denominator / 2),
    denominator,
    interval: { level: '0.95', low: '0.1', high: '0.9' },
  });

  it('keeps groups of MIN_CELL or more, without their intervals', () => {
    expect(suppressGroups([rate('a', MIN_CELL * 2), rate('b', 6)])).toEqual([
      { group: 'a', value: '0.500000', numerator: '5', denominator: 10 },
      { group: 'b', value: '0.500000', numerator: '3', denominator: 6 },
    ]);
  });

  it('suppresses every small group; a lone one with the smallest other group', () => {
    expect(
      suppressGroups([rate('a', 100), rate('b', 4), rate('c', 2), rate('d', 50)]).map((g) => 'suppressed' in g),
    ).toEqual([false, true, true, false]);
    expect(
      suppressGroups([rate('a', 100), rate('b', 4), rate('c', 50), rate('d', 60)]).map((g) => 'suppressed' in g),
    ).toEqual([false, true, true, false]);
    expect(suppressGroups([rate('only', 4)])).toEqual([{ group: 'only', suppressed: true }]);
  });

  it('counts the people of a counting group by its value', () => {
    const groups: GroupValue[] = [
      { group: 'male', value: '40' },
      { group: 'female', value: '4' },
      { group: 'other', value: '0' },
    ];
    expect(suppressGroups(groups)).toEqual([
      { group: 'male', value: '40' },
      { group: 'female', suppressed: true },
      { group: 'other', suppressed: true },
    ]);
  });
});

describe('signReport and encodeReport', () => {
  it('signs the canonical JSON of the report without its signature with the log key', () => {
    const { signature } = f.report;
    const key = parseVerifierKey(f.logKey);
    expect(signature).toMatchObject({ keyName: 'test.log/second-chance-kamchatka', keyId: key.keyId });
    expect(ed25519Verify(key.publicKey, reportSigningBytes(f.report), fromBase64(signature.value))).toBe(true);
    const { signature: _, ...unsigned } = f.report;
    expect(toHex(reportSigningBytes(f.report))).toBe(toHex(canonicalBytes(unsigned)));
  });

  it('refuses a signer whose signatures do not verify', async () => {
    const { signer } = memorySigner('test.log');
    const liar = { ...signer, sign: async () => new Uint8Array(64) };
    const { signature: _, ...unsigned } = f.report;
    await expect(signReport(unsigned, liar)).rejects.toThrow(/does not verify/);
  });

  it('encodes the report as its canonical JSON bytes, with their SHA-256', () => {
    const { bytes, sha256: sha } = encodeReport(f.report);
    expect(toHex(bytes)).toBe(toHex(canonicalBytes(f.report)));
    expect(sha).toBe(toHex(sha256(bytes)));
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual(f.report);
  });
});
