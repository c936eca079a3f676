import { publicSummary, summaryHash } from '#reports';
/**
 * A real audit report for the report and verifier tests: the Second Chance
 * contract registered in an in-memory log, one evidence batch (213
 * participants in cohorts 2023, 2024 and 2025: cohort 2024 has 3 people, so
 * its cells are suppressed), y1 evaluated, attested, approved and paid, then
 * y2 evaluated (a payment of 35,000,000.00 RUB on 30,000,000.00 paid
 * before), attested, approved and paid, each step by another subject; the
 * checkpoint signed by the log and cosigned by a witness; the report built
 * and signed with the log key. Everything is real: canonical chained
 * entries, RFC 6962 proofs, Ed25519 signatures (in-memory keys).
 */

import { type ContractSpec, parseContractSpec, specHash } from '#contracts';
import { type EvaluationResult, encodeResult } from '#evaluation';
import { type StoredRecord, StoredRecordSchema } from '#evidence';
import { archiveKey } from '#intake';
import type { Signer } from '#kernel';
import { canonicalBytes, sha256, toHex } from '#kernel';
import {
  type Actor,
  CONTRACT_REGISTERED_KIND,
  checkpointOrigin,
  cosignNote,
  decisionStatement,
  type Entry,
  EVALUATION_RECORDED_KIND,
  EVIDENCE_BATCH_KIND,
  type EvaluationEntryBody,
  encodeEntry,
  entryHash,
  GENESIS_PREV,
  inclusionProof,
  logSigner,
  logVerifierKey,
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  PAYMENT_REJECTED_KIND,
  rootFromLeaves,
  SIGNING_ROLE_OF_STEP,
  STEP_OF_KIND,
  signCheckpoint,
} from '#ledger';
import {
  type AuditReport,
  buildReport,
  type EntryWithProof,
  encodeReport,
  type ReportInput,
  signReport,
} from '#reports';
import { evaluate, evaluationKey } from '#services';
import { type FixtureLedger, loadSpec, pseudonym, Records } from './evaluation-fixtures.ts';
import type { Parties } from './parties.ts';
import { memorySigner, memoryWitness } from './signer.ts';

export const ACTORS = {
  registrar: { sub: 'ministry-registrar', role: 'ministry' },
  operator: { sub: 'operator-ivanova', role: 'operator' },
  calculator: { sub: 'evaluator-calc', role: 'evaluator' },
  attester: { sub: 'evaluator-anna', role: 'evaluator' },
  approver: { sub: 'ministry-boris', role: 'ministry' },
  treasury: { sub: 'treasury-vera', role: 'ministry' },
} as const satisfies Record<string, Actor>;

const AT_BASE = Date.UTC(2025, 0, 1);

/** One contract's log in memory: chained canonical entries, their leaves, the evidence and the results. */
export class MemoryLog {
  readonly contract: string;
  readonly entries: Entry[] = [];
  readonly leaves: Uint8Array[] = [];
  readonly records: StoredRecord[] = [];
  readonly results = new Map<string, EvaluationResult>();
  /** When given, each decision is signed by its role's party key. */
  readonly parties: Parties | undefined;
  readonly #minorUnits = new Map<number, number>();
  /** When set, entries are written from this instant (ms) on, a minute apart; else from 2025-01-01. */
  clock: number | undefined;

  constructor(contract: string, parties?: Parties) {
    this.contract = contract;
    this.parties = parties;
  }

  /** The signature of the party of `role` over a decision, if parties sign. */
  #signature(role: keyof Parties, facts: Omit<Parameters<typeof decisionStatement>[0], 'contract'>) {
    const party = this.parties?.[role];
    return party === undefined
      ? {}
      : { signature: party.sign(decisionStatement({ contract: this.contract, ...facts })) };
  }

  append(kind: string, body: Record<string, unknown>, actor: Actor): Entry {
    const last = this.leaves.at(-1);
    const entry: Entry = {
      v: 1,
      contract: this.contract,
      seq: this.entries.length,
      kind,
      at: new Date((this.clock ?? AT_BASE) + this.entries.length * 60_000).toISOString(),
      actor,
      body: body as Entry['body'],
      prev: last === undefined ? GENESIS_PREV : toHex(entryHash(last)),
    };
    this.leaves.push(encodeEntry(entry));
    this.entries.push(entry);
    return entry;
  }

  register(spec: ContractSpec): Entry {
    return this.append(
      CONTRACT_REGISTERED_KIND,
      { spec: spec as unknown as Record<string, unknown>, specHash: specHash(spec) },
      ACTORS.registrar,
    );
  }

  addBatch(records: readonly StoredRecord[]): Entry {
    const parsed = records.map((r) => StoredRecordSchema.parse(r));
    const content = toHex(sha256(canonicalBytes(parsed)));
    this.records.push(...parsed);
    return this.append(
      EVIDENCE_BATCH_KIND,
      {
        batchId: `batch-${this.entries.length}`,
        recordCount: parsed.length,
        archive: { key: archiveKey(this.contract, content), sha256: content },
      },
      ACTORS.operator,
    );
  }

  checkpoint(size = this.entries.length): { size: number; root: string } {
    return { size, root: toHex(rootFromLeaves(this.leaves.slice(0, size))) };
  }

  /** Evaluates a period on the whole log and records it (by `actor`: the fixture's calculator unless given). */
  evaluate(period: string, actor: Actor = ACTORS.calculator): { result: EvaluationResult; entry: Entry } {
    const checkpoint = this.checkpoint();
    const result = evaluate(
      { contract: this.contract, period, checkpoint, entries: [...this.entries] },
      this.records,
      this.results,
    );
    const { sha256: sha } = encodeResult(result);
    this.results.set(sha, result);
    const body: EvaluationEntryBody = {
      period,
      checkpoint: result.checkpoint,
      contract: { version: result.contract.version, hash: result.contract.hash },
      result: { sha256: sha, key: evaluationKey(this.contract, period, sha) },
      summary: summaryHash(publicSummary(result)),
      total: result.payments.total,
      currency: result.payments.currency,
    };
    const seq = this.entries.length;
    this.#minorUnits.set(seq, result.payments.minorUnit);
    const signature = this.#signature('analyst', {
      payment: seq,
      period,
      step: 'calculated',
      result: sha,
      summary: body.summary,
      total: body.total,
      minorUnit: result.payments.minorUnit,
      currency: body.currency,
    });
    return { result, entry: this.append(EVALUATION_RECORDED_KIND, { ...body, ...signature }, actor) };
  }

  /** A payment step on the payment of `evaluation`. */
  step(kind: string, evaluation: Entry, actor: Actor, extra: Record<string, unknown> = {}): Entry {
    const b = evaluation.body as unknown as EvaluationEntryBody;
    const step = STEP_OF_KIND.get(kind);
    const signature =
      step === undefined
        ? {}
        : this.#signature(SIGNING_ROLE_OF_STEP[step], {
            payment: evaluation.seq,
            period: b.period,
            step,
            result: b.result.sha256,
            summary: b.summary,
            total: b.total,
            minorUnit: this.#minorUnits.get(evaluation.seq) ?? 2,
            currency: b.currency,
            ...(extra as { reason?: string; paymentOrder?: string; paidOn?: string }),
          });
    return this.append(
      kind,
      { payment: evaluation.seq, period: b.period, result: b.result.sha256, total: b.total, ...extra, ...signature },
      actor,
    );
  }

  /** An entry's bytes and its inclusion proof in the tree of `size`. */
  proven(seq: number, size = this.entries.length): EntryWithProof {
    return {
      seq,
      bytes: this.leaves[seq] as Uint8Array,
      proof: inclusionProof(this.leaves.slice(0, size), seq),
    };
  }
}

/** `n` people of a cohort enrolled (released) on 2023-08-01: the first `employed` find a job, etc. */
export function cohort(
  ev: Records,
  name: string,
  n: number,
  employed: number,
  permanent: number,
  reoffenders: number,
): StoredRecord[] {
  const out: StoredRecord[] = [];
  for (let i = 0; i < n; i++) {
    const p = pseudonym(`report-${name}-${i}`);
    out.push(ev.enrol(p, '2023-08-01', { cohort: name }));
    if (i < employed) out.push(ev.job(p, '2023-09-01', i < permanent ? 'permanent' : 'fixed-term'));
    if (i >= n - reoffenders) out.push(ev.reconviction(p, '2024-02-17', '2023-12-29'));
  }
  return out;
}

export interface ReportFixture {
  readonly spec: ContractSpec;
  readonly log: MemoryLog;
  readonly logSigner: Signer;
  readonly logKey: string;
  readonly witnessSigner: Signer;
  readonly witnessKey: string;
  readonly y1: EvaluationResult;
  readonly y2: EvaluationResult;
  readonly input: ReportInput;
  readonly report: AuditReport;
  readonly bytes: Uint8Array;
  /** Another signed checkpoint of the same log: the tree before y2's paid step. */
  readonly earlierCheckpoint: { readonly size: number; readonly root: string; readonly note: string };
  /** With `rejectedY1`: y1's rejected calculation and its steps (attested, rejected). */
  readonly rejectedY1?: { readonly evaluation: Entry; readonly steps: readonly Entry[] };
}

/** The Second Chance y2 report (see the file comment). Pass signers to get identical bytes twice. */
export async function secondChanceReport(
  options: {
    logSigner?: { signer: Signer; key: string };
    witnessSigner?: { signer: Signer; key: string };
    /** Another version of the Second Chance spec (same id). */
    spec?: ContractSpec;
    /** Other subjects for the steps of y2's payment. */
    actors?: Partial<Record<'attester' | 'approver' | 'treasury', Actor>>;
    /** y1 first calculated, attested and rejected, then calculated again (the payment y2 builds on). */
    rejectedY1?: boolean;
    /** Party keys: each decision signed by its role's key. */
    parties?: Parties;
  } = {},
): Promise<ReportFixture> {
  const base = options.logSigner ?? memorySigner('test.log');
  const witness = options.witnessSigner ?? memoryWitness('test.witness');
  const spec = options.spec ?? loadSpec('second-chance-kamchatka');
  // The log signs with its key named by the checkpoint origin, `test.log/<contract>`.
  const log = { signer: logSigner(base.signer, spec.id), key: await logVerifierKey(base.signer, spec.id) };
  const actors = { ...ACTORS, ...options.actors };
  const ledger = new MemoryLog(spec.id, options.parties);
  const registration = ledger.register(spec);
  const ev = new Records();
  ledger.addBatch([
    ...cohort(ev, '2023', 200, 70, 20, 40),
    ...cohort(ev, '2024', 3, 0, 0, 0),
    ...cohort(ev, '2025', 10, 0, 0, 0),
  ]);
  const rejected = options.rejectedY1 === true ? rejectedCalculation(ledger) : undefined;
  const y1 = ledger.evaluate('y1');
  const y1Steps = [
    ledger.step(PAYMENT_ATTESTED_KIND, y1.entry, ACTORS.attester),
    ledger.step(PAYMENT_APPROVED_KIND, y1.entry, ACTORS.approver),
    ledger.step(PAYMENT_PAID_KIND, y1.entry, ACTORS.treasury, { paymentOrder: '1418', paidOn: '2024-09-30' }),
  ];
  const y2 = ledger.evaluate('y2');
  const steps = [
    ledger.step(PAYMENT_ATTESTED_KIND, y2.entry, actors.attester),
    ledger.step(PAYMENT_APPROVED_KIND, y2.entry, actors.approver),
  ];
  const sign = async (size: number) => {
    const { root } = ledger.checkpoint(size);
    const note = await signCheckpoint(
      {
        origin: checkpointOrigin(base.signer.name, spec.id),
        size,
        root: Uint8Array.from(Buffer.from(root, 'hex')),
      },
      [log.signer],
    );
    // The witness cosigns as a C2SP witness does: a tlog-cosignature/v1 line, at a fixed time.
    return { size, root, note: await cosignNote(note, log.key, witness.signer, 1_767_000_000) };
  };
  const earlierCheckpoint = await sign(ledger.entries.length);
  steps.push(ledger.step(PAYMENT_PAID_KIND, y2.entry, actors.treasury, { paymentOrder: '1842', paidOn: '2025-09-30' }));
  const checkpoint = await sign(ledger.entries.length);

  const input: ReportInput = {
    spec,
    registration: ledger.proven(registration.seq),
    evaluation: { ...ledger.proven(y2.entry.seq), result: y2.result },
    steps: steps.map((s) => ledger.proven(s.seq)),
    checkpoint,
    earlier: [
      { period: 'y1', evaluation: ledger.proven(y1.entry.seq), steps: y1Steps.map((e) => ledger.proven(e.seq)) },
    ],
    witnesses: [witness.signer.name],
    issuedAt: '2025-10-01T09:00:00.000Z',
  };
  const report = await signReport(buildReport(input), log.signer);
  return {
    spec,
    log: ledger,
    logSigner: log.signer,
    logKey: log.key,
    witnessSigner: witness.signer,
    witnessKey: witness.key,
    y1: y1.result,
    y2: y2.result,
    input,
    report,
    bytes: encodeReport(report).bytes,
    earlierCheckpoint,
    ...(rejected === undefined ? {} : { rejectedY1: rejected }),
  };
}

/** y1 calculated, attested and rejected: its evaluation entry and steps. */
function rejectedCalculation(ledger: MemoryLog): { evaluation: Entry; steps: Entry[] } {
  const { entry } = ledger.evaluate('y1');
  return {
    evaluation: entry,
    steps: [
      ledger.step(PAYMENT_ATTESTED_KIND, entry, ACTORS.attester),
      ledger.step(PAYMENT_REJECTED_KIND, entry, ACTORS.approver, { reason: 'the cohort file was incomplete' }),
    ],
  };
}

/**
 * The report of the latest evaluation of `period` in a FixtureLedger
 * (test/support/evaluation-fixtures.ts): no workflow steps (state
 * `calculated`), the checkpoint at the ledger's size signed by `signer`.
 */
export async function reportOfLedger(ledger: FixtureLedger, period: string, signer: Signer): Promise<AuditReport> {
  const earlierSteps = settleEarlier(ledger, period);
  const leaves = ledger.entries.map((e) => encodeEntry(e));
  const proven = (seq: number): EntryWithProof => ({
    seq,
    bytes: leaves[seq] as Uint8Array,
    proof: inclusionProof(leaves, seq),
  });
  const latest = (id: string) => {
    const entry = ledger.entries.filter((e) => e.kind === EVALUATION_RECORDED_KIND && e.body.period === id).at(-1);
    if (entry === undefined) throw new Error(`no evaluation of ${id}`);
    const body = entry.body as unknown as EvaluationEntryBody;
    return { entry, body, result: ledger.results.get(body.result.sha256) as EvaluationResult };
  };
  const mine = latest(period);
  const spec = parseContractSpec(ledger.entries[mine.result.contract.seq]?.body.spec);
  const order = spec.periods.map((p) => p.id);
  const { root } = ledger.checkpoint();
  const size = ledger.size;
  const note = await signCheckpoint(
    { origin: checkpointOrigin(signer.name, spec.id), size, root: Uint8Array.from(Buffer.from(root, 'hex')) },
    [logSigner(signer, spec.id)],
  );
  const unsigned = buildReport({
    spec,
    registration: proven(mine.result.contract.seq),
    evaluation: { ...proven(mine.entry.seq), result: mine.result },
    steps: [],
    checkpoint: { size, root, note },
    earlier: order.slice(0, order.indexOf(period)).map((id) => {
      const e = latest(id);
      return { period: id, evaluation: proven(e.entry.seq), steps: earlierSteps[id]?.map((x) => proven(x.seq)) ?? [] };
    }),
    witnesses: [],
    issuedAt: '2030-01-01T00:00:00.000Z',
  });
  return signReport(unsigned, logSigner(signer, spec.id));
}

/**
 * The earlier periods' payments a report of `period` builds on must be
 * approved: the latest evaluation of each earlier period without steps is
 * attested and approved (appended to the ledger). Returns each earlier
 * period's step entries.
 */
function settleEarlier(ledger: FixtureLedger, period: string): Record<string, Entry[]> {
  const evaluations = ledger.entries.filter((e) => e.kind === EVALUATION_RECORDED_KIND);
  const mine = evaluations.filter((e) => e.body.period === period).at(-1);
  if (mine === undefined) throw new Error(`no evaluation of ${period}`);
  const result = ledger.results.get((mine.body as unknown as EvaluationEntryBody).result.sha256) as EvaluationResult;
  const spec = parseContractSpec(ledger.entries[result.contract.seq]?.body.spec);
  const order = spec.periods.map((p) => p.id);
  const out: Record<string, Entry[]> = {};
  for (const id of order.slice(0, order.indexOf(period))) {
    const latest = evaluations.filter((e) => e.body.period === id).at(-1);
    if (latest === undefined) continue;
    const stepsOf = () => ledger.entries.filter((e) => e.kind.startsWith('payment.') && e.body.payment === latest.seq);
    if (stepsOf().length === 0) {
      const b = latest.body as unknown as EvaluationEntryBody;
      const body = { payment: latest.seq, period: id, result: b.result.sha256, total: b.total };
      ledger.append(PAYMENT_ATTESTED_KIND, body, 'evaluator');
      ledger.append(PAYMENT_APPROVED_KIND, body, 'ministry');
    }
    out[id] = stepsOf();
  }
  return out;
}

/** A deep copy of a report to change. */
export function copyOf(report: AuditReport): AuditReport {
  return JSON.parse(JSON.stringify(report)) as AuditReport;
}

/** A changed report signed again with `signer` (as if the log key's holder had issued it). */
export async function resigned(report: AuditReport, signer: Signer): Promise<Uint8Array> {
  const { signature: _, ...unsigned } = report;
  return encodeReport(await signReport(unsigned, signer)).bytes;
}
