/**
 * Audit-report benchmark (issue 5): issuing the report of a payment (the
 * signed JSON with its proofs, and the Russian PDF) and verifying it offline,
 * for an evaluation over 10,000 participants (200,000 evidence records).
 *
 * Everything runs in-process through the real use cases (register,
 * evaluate, attest, approve, mark paid, issue) on an in-memory log and object
 * store: the figures are the report's own work, not DynamoDB's or S3's.
 */
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { archiveHeader, archiveKey } from '#intake';
import type { Signer } from '#kernel';
import { ConflictError, canonicalize, sha256, toHex, utf8 } from '#kernel';
import {
  checkpointOrigin,
  type Entry,
  EVIDENCE_BATCH_KIND,
  ed25519PublicKeyFromSpki,
  encodeEntry,
  entryHash,
  type Intent,
  logSigner,
  logVerifierKey,
  rootFromLeaves,
  signCheckpoint,
} from '#ledger';
import { verifyReport } from '#reports';
import {
  type AppendedEntry,
  approvePayment,
  attestPayment,
  type ContractLog,
  type ContractPorts,
  issueReport,
  markPaid,
  type ObjectStore,
  type ReportPorts,
  registerContract,
  runEvaluation,
} from '#services';
import { allEvents, benchSpec } from './evaluate.ts';

export interface ReportBench {
  readonly participants: number;
  readonly records: number;
  readonly evaluateSeconds: number;
  /** Issue: proofs, report, signature, canonical JSON and the PDF (ru). */
  readonly issueSeconds: number;
  readonly verifySeconds: number;
  readonly jsonBytes: number;
  readonly pdfBytes: number;
  readonly checks: number;
  readonly ok: boolean;
}

export function memorySigner(name: string): Signer {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = ed25519PublicKeyFromSpki(
    new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })),
  );
  return { name, publicKey: async () => publicKey, sign: async (m) => new Uint8Array(sign(null, m, privateKey)) };
}

class MemoryLog implements ContractLog {
  readonly bytes: Uint8Array[] = [];
  readonly #keys = new Map<string, { content: string; seq: number }>();
  #at = Date.parse('2026-07-01T00:00:00.000Z');

  async size(): Promise<number> {
    return this.bytes.length;
  }
  async rootAt(_contract: string, size: number): Promise<Uint8Array> {
    return rootFromLeaves(this.bytes.slice(0, size));
  }
  async *entries(_contract: string, from: number, to: number): AsyncIterable<Uint8Array> {
    yield* this.bytes.slice(from, to);
  }
  async append(contract: string, idempotencyKey: string, intent: Intent): Promise<AppendedEntry> {
    const content = canonicalize(intent);
    const known = this.#keys.get(idempotencyKey);
    if (known !== undefined) {
      if (known.content !== content)
        throw new ConflictError(`idempotency key ${idempotencyKey} used for other content`);
      const bytes = this.bytes[known.seq] as Uint8Array;
      return { seq: known.seq, entryHash: toHex(entryHash(bytes)), treeSize: this.bytes.length, replayed: true };
    }
    const seq = this.bytes.length;
    const prev = seq === 0 ? '0'.repeat(64) : toHex(entryHash(this.bytes[seq - 1] as Uint8Array));
    this.#at += 60_000;
    const entry: Entry = {
      v: 1,
      contract,
      seq,
      kind: intent.kind,
      at: new Date(this.#at).toISOString(),
      actor: intent.actor,
      body: intent.body,
      prev,
    };
    const bytes = encodeEntry(entry);
    this.bytes.push(bytes);
    this.#keys.set(idempotencyKey, { content, seq });
    return { seq, entryHash: toHex(entryHash(bytes)), treeSize: seq + 1, replayed: false };
  }
}

class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  async get(key: string) {
    return this.objects.get(key);
  }
  async *stream(key: string): AsyncIterable<Uint8Array> {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`no object ${key}`);
    for (let i = 0; i < body.length; i += 1 << 20) yield body.subarray(i, i + (1 << 20));
  }
  async put(key: string, body: Uint8Array) {
    if (!this.objects.has(key)) this.objects.set(key, body);
  }
  async list(prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).map((key) => ({ key }));
  }
}

export async function benchReport(options: { participants?: number } = {}): Promise<ReportBench> {
  const participants = options.participants ?? 10_000;
  const spec = benchSpec();
  const signer = memorySigner('sib-ledger.bench');
  const log = new MemoryLog();
  const store = new MemoryObjects();
  const ports: ContractPorts = { log, archive: store, results: store };
  await registerContract(ports, spec, { sub: 'ministry', role: 'ministry' });

  // One batch archive of every participant's records, as ingest writes it.
  const lines: Uint8Array[] = [archiveHeader(spec.id, 'bench-batch', 0)];
  let records = 0;
  const types: Record<string, number> = {};
  for (const r of allEvents(participants, spec)) {
    lines.push(utf8(`${canonicalize(r)}\n`));
    records++;
    types[r.type] = (types[r.type] ?? 0) + 1;
  }
  lines[0] = archiveHeader(spec.id, 'bench-batch', records);
  const archive = Buffer.concat(lines);
  const digest = toHex(sha256(archive));
  const key = archiveKey(spec.id, digest);
  await store.put(key, new Uint8Array(archive));
  await log.append(spec.id, 'batch:bench-batch', {
    kind: EVIDENCE_BATCH_KIND,
    actor: { sub: 'operator', role: 'operator' },
    body: {
      batchId: 'bench-batch',
      recordCount: records,
      recordsRoot: '0'.repeat(64),
      archive: { key, sha256: digest },
      types,
    },
  });

  const t0 = performance.now();
  const run = await runEvaluation(ports, {
    contract: spec.id,
    period: 'term',
    actor: { sub: 'analyst', role: 'evaluator' },
  });
  const evaluateSeconds = (performance.now() - t0) / 1000;
  const payment = { contract: spec.id, payment: run.entry.seq };
  await attestPayment(ports, { ...payment, actor: { sub: 'evaluator', role: 'evaluator' } });
  await approvePayment(ports, { ...payment, actor: { sub: 'ministry-head', role: 'ministry' } });
  await markPaid(ports, {
    ...payment,
    actor: { sub: 'treasury', role: 'ministry' },
    paymentOrder: 'PP-1',
    paidOn: '2026-06-30',
  });

  const reporting: ReportPorts = {
    log,
    results: store,
    reports: store,
    signer,
    checkpoint: async (contract, size) =>
      signCheckpoint(
        { origin: checkpointOrigin(signer.name, contract), size, root: await log.rootAt(contract, size) },
        [logSigner(signer, contract)],
      ),
    renderPdf: async (report, opts) =>
      (await import('../functions/adapters/report-pdf.ts')).renderReportPdf(report, opts),
  };
  // Load pdfkit and the fonts before timing (a warm function).
  await import('../functions/adapters/report-pdf.ts');
  const t1 = performance.now();
  const issued = await issueReport(reporting, { ...payment, lang: 'ru', issuedAt: '2026-07-02T00:00:00.000Z' });
  const issueSeconds = (performance.now() - t1) / 1000;
  const json = store.objects.get(issued.jsonKey) as Uint8Array;
  const pdf = store.objects.get(issued.pdfKeys.ru as string) as Uint8Array;

  const logKey = await logVerifierKey(signer, spec.id);
  const t2 = performance.now();
  const verification = verifyReport(json, [logKey]);
  const verifySeconds = (performance.now() - t2) / 1000;
  return {
    participants,
    records,
    evaluateSeconds,
    issueSeconds,
    verifySeconds,
    jsonBytes: json.length,
    pdfBytes: pdf.length,
    checks: verification.checks.length,
    ok: verification.ok,
  };
}

if (import.meta.filename === process.argv[1]) {
  console.log(JSON.stringify(await benchReport(), null, 2));
}
