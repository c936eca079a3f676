/**
 * A tiny in-memory ledger for evaluation tests: it appends real, chained
 * entries (contract.registered, evidence.batch, comparison.published,
 * evaluation.recorded) to one contract's log, keeps each batch's stored
 * records, and evaluates a period at a checkpoint through evaluate() exactly
 * as a verifier holding the export and the archives would.
 *
 * Evidence builders make StoredRecords (pseudonymous participants `p-` + 32
 * hex) with event ids numbered per builder; every batch is checked against
 * StoredRecordSchema so a broken fixture fails loudly, not as a wrong figure.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ContractSpec, parseContractSpec, specHash, type WithdrawalReason } from '#contracts';
import { type EvaluationResult, encodeResult } from '#evaluation';
import { type StoredRecord, StoredRecordSchema } from '#evidence';
import { archiveKey } from '#intake';
import { canonicalBytes, dayNumber, isoDay, sha256, toHex } from '#kernel';
import {
  COMPARISON_PUBLISHED_KIND,
  CONTRACT_REGISTERED_KIND,
  type ComparisonBody,
  type Entry,
  EVALUATION_RECORDED_KIND,
  EVIDENCE_BATCH_KIND,
  type EvaluationEntryBody,
  encodeEntry,
  entryHash,
  GENESIS_PREV,
  type Role,
  rootFromLeaves,
} from '#ledger';
import { publicSummary, summaryHash } from '#reports';
import { Evaluation, type EvaluationRequest, evaluationKey } from '#services';

const CONTRACTS = fileURLToPath(new URL('../../contracts/', import.meta.url));

/** A shipped contract spec (contracts/<id>.json), parsed. */
export function loadSpec(id: string): ContractSpec {
  return parseContractSpec(JSON.parse(readFileSync(`${CONTRACTS}${id}.json`, 'utf8')));
}

/** A shipped spec changed by `change` (which edits the parsed JSON in place), then parsed again. */
export function specWith(id: string, change: (raw: Record<string, unknown>) => void): ContractSpec {
  const raw = JSON.parse(readFileSync(`${CONTRACTS}${id}.json`, 'utf8')) as Record<string, unknown>;
  // The shipped English texts name the shipped rules and metrics, which a change may rename or drop.
  delete raw.translations;
  change(raw);
  return parseContractSpec(raw);
}

/** A deterministic pseudonym for a label: `p-` + the first 32 hex digits of SHA-256(label). */
export function pseudonym(label: string | number): string {
  return `p-${toHex(sha256(new TextEncoder().encode(String(label)))).slice(0, 32)}`;
}

/** `2024-01-31` + 1 = `2024-02-01`. */
export function addDays(iso: string, days: number): string {
  return isoDay(dayNumber(iso) + days);
}

const CONSENT = toHex(sha256(new TextEncoder().encode('consent form')));

/** Builds stored evidence records with event ids `ev-000001`, `ev-000002`, … */
export class Records {
  #n = 0;

  #id(): string {
    this.#n++;
    return `ev-${String(this.#n).padStart(6, '0')}`;
  }

  enrol(
    participant: string,
    date: string,
    options: { cohort: string; category?: 'serving-sentence' | 'probation' | 'released' },
  ): StoredRecord {
    return {
      eventId: this.#id(),
      participant,
      type: 'enrolment',
      date,
      source: 'operator',
      cohort: options.cohort,
      category: options.category ?? 'released',
      sex: 'male',
      birthYear: Number(date.slice(0, 4)) - 30,
      consentSha256: CONSENT,
    };
  }

  release(participant: string, date: string): StoredRecord {
    return { eventId: this.#id(), participant, type: 'release', date, source: 'operator', institution: 'IK-6' };
  }

  job(
    participant: string,
    date: string,
    contractType: 'permanent' | 'fixed-term' | 'temporary' = 'fixed-term',
    monthlyWage = '5000000',
  ): StoredRecord {
    return {
      eventId: this.#id(),
      participant,
      type: 'employment-started',
      date,
      source: 'employer',
      employerId: 'EMPLOYER-1',
      contractType,
      monthlyWage,
    };
  }

  /** A conviction on `date` for an offence committed on `offenceDate`. */
  reconviction(participant: string, date: string, offenceDate: string): StoredRecord {
    return { eventId: this.#id(), participant, type: 'reconviction', date, source: 'court', offenceDate };
  }

  /** `days` days in custody from `from` (first and last day included). */
  custody(participant: string, from: string, days: number): StoredRecord {
    return {
      eventId: this.#id(),
      participant,
      type: 'custody-spell',
      date: from,
      source: 'operator',
      to: addDays(from, days - 1),
    };
  }

  withdrawal(participant: string, date: string, reason: WithdrawalReason = 'moved-away'): StoredRecord {
    return { eventId: this.#id(), participant, type: 'withdrawal', date, source: 'operator', reason };
  }

  correction(superseded: StoredRecord, date: string): StoredRecord {
    return {
      eventId: this.#id(),
      participant: superseded.participant,
      type: 'correction',
      date,
      source: 'operator',
      supersedes: superseded.eventId,
      reason: 'entered in error',
    };
  }
}

const AT_BASE = Date.UTC(2030, 0, 1);

/** One contract's log in memory, with its batches' records and the results of recorded evaluations. */
export class FixtureLedger {
  readonly contract: string;
  readonly entries: Entry[] = [];
  /** Results of recorded evaluations, by the SHA-256 of their canonical bytes. */
  readonly results = new Map<string, EvaluationResult>();
  readonly #batches: { seq: number; records: readonly StoredRecord[] }[] = [];
  readonly #leaves: Uint8Array[] = [];
  #timeBase = AT_BASE;

  constructor(contract: string) {
    this.contract = contract;
  }

  /** Entries in the log. */
  get size(): number {
    return this.entries.length;
  }

  append(kind: string, body: Record<string, unknown>, role: Role = 'operator'): Entry {
    const last = this.#leaves.at(-1);
    const entry: Entry = {
      v: 1,
      contract: this.contract,
      seq: this.entries.length,
      kind,
      at: new Date(this.#timeBase + this.entries.length * 1000).toISOString(),
      actor: { sub: `test-${role}`, role },
      body: body as Entry['body'],
      prev: last === undefined ? GENESIS_PREV : toHex(entryHash(last)),
    };
    this.#leaves.push(encodeEntry(entry));
    this.entries.push(entry);
    return entry;
  }

  register(spec: ContractSpec): Entry {
    return this.append(
      CONTRACT_REGISTERED_KIND,
      { spec: spec as unknown as Record<string, unknown>, specHash: specHash(spec) },
      'ministry',
    );
  }

  /** Appends an evidence batch holding `records` (checked against StoredRecordSchema). */
  addBatch(records: readonly StoredRecord[]): Entry {
    const parsed = records.map((r) => StoredRecordSchema.parse(r));
    const content = toHex(sha256(canonicalBytes(parsed)));
    const batchId = `batch-${this.#batches.length + 1}`;
    const entry = this.append(EVIDENCE_BATCH_KIND, {
      batchId,
      recordCount: parsed.length,
      archive: { key: archiveKey(this.contract, content), sha256: content },
    });
    this.#batches.push({ seq: entry.seq, records: parsed });
    return entry;
  }

  publish(body: ComparisonBody): Entry {
    return this.append(COMPARISON_PUBLISHED_KIND, { ...body }, 'evaluator');
  }

  /** Size and Merkle root (hex) of the log's first `size` entries. */
  checkpoint(size = this.size): { size: number; root: string } {
    return { size, root: toHex(rootFromLeaves(this.#leaves.slice(0, size))) };
  }

  request(period: string, size = this.size): EvaluationRequest {
    return { contract: this.contract, period, checkpoint: this.checkpoint(size), entries: this.entries.slice(0, size) };
  }

  /** The records of the batches among the first `size` entries, in log order. */
  records(size = this.size): StoredRecord[] {
    return this.#batches.filter((b) => b.seq < size).flatMap((b) => [...b.records]);
  }

  /** Evaluates a period at a checkpoint (default: the whole log) without recording anything. */
  evaluate(period: string, size = this.size, priors: ReadonlyMap<string, EvaluationResult> = this.results) {
    const evaluation = new Evaluation(this.request(period, size));
    // The batches the evaluation reads (all of them, unless the period has a data cut-off).
    const read = new Set(evaluation.batches.map((b) => b.seq));
    for (const b of this.#batches) if (read.has(b.seq)) for (const r of b.records) evaluation.addRecord(r);
    return evaluation.finish(priors);
  }

  /** Logs the next entries from `iso` on (one second apart), instead of the default clock. */
  advanceTo(iso: string): void {
    this.#timeBase = Date.parse(iso) - this.entries.length * 1000;
  }

  /** Appends the `evaluation.recorded` entry of a result and keeps the result by its hash. */
  record(result: EvaluationResult): Entry {
    const { sha256: sha } = encodeResult(result);
    this.results.set(sha, result);
    const body: EvaluationEntryBody = {
      period: result.period.id,
      checkpoint: result.checkpoint,
      contract: { version: result.contract.version, hash: result.contract.hash },
      result: { sha256: sha, key: evaluationKey(this.contract, result.period.id, sha) },
      summary: summaryHash(publicSummary(result)),
      total: result.payments.total,
      currency: result.payments.currency,
    };
    return this.append(EVALUATION_RECORDED_KIND, body, 'evaluator');
  }

  /** Evaluates a period at the current size and records the evaluation. */
  evaluatePeriod(period: string): EvaluationResult {
    const result = this.evaluate(period);
    this.record(result);
    return result;
  }
}

/** A ledger with `spec` registered. */
export function ledgerFor(spec: ContractSpec): FixtureLedger {
  const ledger = new FixtureLedger(spec.id);
  ledger.register(spec);
  return ledger;
}

/** The payment line of a rule (the first of that type), or undefined. */
export function lineOf(result: EvaluationResult, rule: string, type: 'payment' | 'adjustment' = 'payment') {
  return result.payments.lines.find((l) => l.rule === rule && l.type === type);
}

/** A trigger's result for a group. */
export function triggerOf(result: EvaluationResult, id: string, group = 'all') {
  return result.triggers.find((t) => t.id === id && t.group === group);
}

/** A comparison's result for a group. */
export function comparisonOf(result: EvaluationResult, id: string, group = 'all') {
  return result.comparisons.find((c) => c.id === id && c.group === group);
}
