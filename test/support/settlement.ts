/**
 * The settlement tests' world: a contract registered on a log (in memory, or
 * any ContractLog such as DynamoDB's) with in-memory evidence archives and
 * result stores, so that the real use cases (runEvaluation, the payment
 * steps) run on it; and settlementProblems(), the invariants of settling
 * once, checked on a log's entries.
 */
import type { ContractSpec } from '#contracts';
import type { StoredRecord } from '#evidence';
import { archiveBody, archiveKey } from '#intake';
import { canonicalBytes, sha256, toHex } from '#kernel';
import { type Entry, EVALUATION_RECORDED_KIND, EVIDENCE_BATCH_KIND, STEP_OF_KIND } from '#ledger';
import { type PaymentStatus, paymentStates } from '#payments';
import {
  type ContractLog,
  type ContractPorts,
  type ObjectStore,
  readVerifiedEntries,
  registerContract,
} from '#services';
import { pseudonym, type Records } from './evaluation-fixtures.ts';
import { MemoryContractLog, MINISTRY } from './workflow-fixtures.ts';

/** Write-once objects in memory. */
export class MemoryObjectStore implements ObjectStore {
  readonly #objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#objects.get(key);
  }

  async *stream(key: string): AsyncIterable<Uint8Array> {
    const bytes = this.#objects.get(key);
    if (bytes === undefined) throw new Error(`no object ${key}`);
    yield bytes;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    if (!this.#objects.has(key)) this.#objects.set(key, body);
  }
}

/** A contract registered on a log (in memory by default), with the stores the evaluation use case reads and writes. */
export class SettlementWorld {
  readonly log: ContractLog;
  readonly spec: ContractSpec;
  readonly archive = new MemoryObjectStore();
  readonly results = new MemoryObjectStore();
  #batches = 0;

  private constructor(log: ContractLog, spec: ContractSpec) {
    this.log = log;
    this.spec = spec;
  }

  static async create(spec: ContractSpec, log: ContractLog = new MemoryContractLog()): Promise<SettlementWorld> {
    const world = new SettlementWorld(log, spec);
    await registerContract(world.ports(), spec, MINISTRY);
    return world;
  }

  get contract(): string {
    return this.spec.id;
  }

  /** The use cases' ports, on `log` (the world's own by default, or a wrapper of it). */
  ports(log: ContractLog = this.log): ContractPorts {
    return { log, archive: this.archive, results: this.results };
  }

  /** The log's entries, checked (chained, hashing to the stored root). */
  async entries(): Promise<Entry[]> {
    return (await readVerifiedEntries(this.log, this.contract, await this.log.size(this.contract))).entries;
  }

  /** Archives an evidence batch as the ingest does and appends its entry. */
  async addBatch(records: readonly StoredRecord[]): Promise<number> {
    const batchId = `batch-${++this.#batches}`;
    const canonical = records.map((record, index) => ({ index, record, bytes: canonicalBytes(record) }));
    const body = archiveBody(this.contract, batchId, canonical);
    const content = toHex(sha256(body));
    const key = archiveKey(this.contract, content);
    await this.archive.put(key, body);
    const { seq } = await this.log.append(this.contract, `batch:${batchId}`, {
      kind: EVIDENCE_BATCH_KIND,
      actor: { sub: 'test-operator', role: 'operator' },
      body: { batchId, recordCount: records.length, archive: { key, sha256: content } },
    });
    return seq;
  }
}

/**
 * `n` participants enrolled on 2023-08-01, the first `employed` of them in a job from 2023-09-01 (20 permanent),
 * the last 44 reconvicted: y1 pays the whole subsidy (30,000,000.00) from 63 employed (see evaluation.test.ts).
 */
export function cohort(ev: Records, n: number, employed: number): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (let i = 0; i < n; i++) {
    const p = pseudonym(`wf-${i}`);
    records.push(ev.enrol(p, '2023-08-01', { cohort: '2023' }));
    if (i < employed) records.push(ev.job(p, '2023-09-01', i < 20 ? 'permanent' : 'fixed-term'));
    if (i >= n - 44) records.push(ev.reconviction(p, '2024-02-17', '2023-12-29'));
  }
  return records;
}

const SETTLED = new Set(['approved', 'paid']);

/**
 * What settling once forbids, found in a log's entries (none: []):
 * - a step entry that does not follow its payment's lifecycle (paymentStates throws);
 * - two payments of one period approved or paid;
 * - a payment attested or approved while it was not its period's latest calculation;
 * - a period evaluated while one of its payments was attested, approved or paid.
 */
export function settlementProblems(entries: readonly Entry[]): string[] {
  let states: PaymentStatus[];
  try {
    states = paymentStates(entries);
  } catch (error) {
    return [`the payment states do not follow from the log: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  const periods = new Set(states.map((s) => s.period));
  for (const period of periods) {
    const settled = states.filter((s) => s.period === period && SETTLED.has(s.state));
    if (settled.length > 1) {
      problems.push(`period ${period} is settled twice: ${settled.map((s) => `${s.payment} ${s.state}`).join(', ')}`);
    }
  }
  for (const e of entries) {
    const step = STEP_OF_KIND.get(e.kind);
    const before = () => paymentStates(entries.slice(0, e.seq));
    if (step === 'attested' || step === 'approved') {
      const payment = (e.body as { payment: number }).payment;
      const status = before().find((s) => s.payment === payment);
      if (status?.latest !== true)
        problems.push(`entry ${e.seq}: payment ${payment} ${step} while not its period's latest`);
    }
    if (e.kind === EVALUATION_RECORDED_KIND) {
      const period = (e.body as { period: string }).period;
      const held = before().filter((s) => s.period === period && s.state !== 'calculated' && s.state !== 'rejected');
      for (const s of held)
        problems.push(`entry ${e.seq}: period ${period} re-evaluated while payment ${s.payment} is ${s.state}`);
    }
  }
  return problems;
}
