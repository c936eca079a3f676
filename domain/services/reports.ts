import { registeredVersions } from '#contracts';
import { NotFoundError, sha256 as sha256Of, toHex } from '#kernel';
import {
  inclusionProof,
  logSigner,
  logVerifierKey,
  recordedEvaluations,
  STEP_OF_KIND,
  verifyCheckpoint,
} from '#ledger';
import type { AuditReport } from '#reports';
import { buildReport, type EntryWithProof, encodeReport, signReport } from '#reports';
import { loadResult } from './evaluations.ts';
import { readVerifiedEntries } from './log-reader.ts';
import type { PeriodFigures, ReportLang, ReportPorts } from './ports.ts';

/**
 * Issuing audit reports: on approval, and on demand for any evaluation.
 * The report (domain/reports/build.ts) proves the payment's entries into a signed
 * checkpoint of the log as it is now, is signed with the log key, and is
 * stored with its PDFs in the reports bucket, write-once, under
 *   reports/<contract>/<period>/p<payment>-s<size>-<sha256>.json
 *   reports/<contract>/<period>/p<payment>-s<size>-<sha256>.<lang>.pdf
 * so that a listing tells payment, checkpoint and hash without reading the
 * objects. A report of the same payment at the same checkpoint is issued
 * once: asking again returns it (and adds a missing language's PDF).
 */

export interface StoredReport {
  readonly contract: string;
  readonly period: string;
  readonly payment: number;
  /** Checkpoint size the report proves into. */
  readonly size: number;
  /** SHA-256 of the report JSON: the report's id. */
  readonly sha256: string;
  readonly jsonKey: string;
  /** PDF keys by language. */
  readonly pdfKeys: Partial<Record<ReportLang, string>>;
  /** When its JSON was stored (ISO 8601), where the bucket says: the report's issue. */
  readonly issuedAt?: string;
}

const KEY = /^reports\/([a-z0-9-]+)\/([a-z0-9-]+)\/p([0-9]+)-s([0-9]+)-([0-9a-f]{64})\.(json|ru\.pdf|en\.pdf)$/;

export const reportFileName = (r: Pick<StoredReport, 'contract' | 'period' | 'sha256'>, ext: string) =>
  `report-${r.contract}-${r.period}-${r.sha256.slice(0, 12)}.${ext}`;

function reportKey(contract: string, period: string, payment: number, size: number, sha256: string, ext: string) {
  return `reports/${contract}/${period}/p${payment}-s${size}-${sha256}.${ext}`;
}

/** The reports of a contract in the reports bucket, in key order (period, payment, checkpoint). */
export async function listReports(ports: Pick<ReportPorts, 'reports'>, contract: string): Promise<StoredReport[]> {
  const byId = new Map<string, StoredReport & { pdfKeys: Partial<Record<ReportLang, string>>; issuedAt?: string }>();
  for (const { key, lastModified } of await ports.reports.list(`reports/${contract}/`)) {
    const m = KEY.exec(key);
    if (m === null) continue;
    const [, c, period, payment, size, sha256, ext] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    let r = byId.get(sha256);
    if (r === undefined) {
      r = {
        contract: c,
        period,
        payment: Number(payment),
        size: Number(size),
        sha256,
        jsonKey: reportKey(c, period, Number(payment), Number(size), sha256, 'json'),
        pdfKeys: {},
      };
      byId.set(sha256, r);
    }
    if (ext !== 'json') r.pdfKeys[ext.slice(0, 2) as ReportLang] = key;
    else if (lastModified !== undefined) r.issuedAt = lastModified;
  }
  return [...byId.values()];
}

/** A stored report by id (its SHA-256, or an unambiguous prefix of at least 8 hex digits). */
export async function findReport(
  ports: Pick<ReportPorts, 'reports'>,
  contract: string,
  id: string,
): Promise<StoredReport> {
  if (!/^[0-9a-f]{8,64}$/.test(id))
    throw new NotFoundError(`no report ${id} (give its SHA-256 or 8+ hex digits of it)`);
  const hits = (await listReports(ports, contract)).filter((r) => r.sha256.startsWith(id));
  if (hits.length === 0) throw new NotFoundError(`no report ${id} of ${contract}`);
  if (hits.length > 1) throw new NotFoundError(`report id ${id} is ambiguous: give more digits`);
  return hits[0] as StoredReport;
}

/**
 * Issues (or finds) the audit report of a payment, i.e. of the evaluation
 * entry `payment`, at the log's current size, with its PDF in `lang`.
 * `witnessKeys` are the verifier keys of the witnesses whose cosignatures the
 * report names. `issuedAt` is the time of issue (ISO 8601).
 */
export async function issueReport(
  ports: ReportPorts,
  request: {
    readonly contract: string;
    readonly payment: number;
    readonly lang: ReportLang;
    readonly issuedAt: string;
    readonly witnessKeys?: readonly string[];
  },
): Promise<StoredReport & { readonly report: AuditReport; readonly reused: boolean }> {
  const { contract } = request;
  const size = await ports.log.size(contract);
  const { entries, root, bytes } = await readVerifiedEntries(ports.log, contract, size);
  const evaluation = recordedEvaluations(entries).find((e) => e.seq === request.payment);
  if (evaluation === undefined) {
    throw new NotFoundError(`entry ${request.payment} of ${contract} is not an evaluation (a payment)`);
  }
  const period = evaluation.period;
  const existing = (await listReports(ports, contract)).find((r) => r.payment === request.payment && r.size === size);
  if (existing !== undefined) {
    const stored = await ports.reports.get(existing.jsonKey);
    if (stored !== undefined) {
      const report = JSON.parse(new TextDecoder().decode(stored)) as AuditReport;
      const pdfKeys = { ...existing.pdfKeys };
      if (pdfKeys[request.lang] === undefined) {
        pdfKeys[request.lang] = await storePdf(ports, report, existing, request.lang, entries);
      }
      // As when it was issued: the listing's store time is not part of an issue's answer.
      const { issuedAt: _, ...found } = existing;
      return { ...found, pdfKeys, report, reused: true };
    }
  }

  const proven = (seq: number): EntryWithProof => ({
    seq,
    bytes: bytes[seq] as Uint8Array,
    proof: inclusionProof(bytes, seq),
  });
  const result = await loadResult(ports, evaluation, evaluation.seq);
  const stepsOf = (payment: number) =>
    entries
      .filter((e) => STEP_OF_KIND.has(e.kind) && (e.body as { payment?: unknown }).payment === payment)
      .map((e) => proven(e.seq));
  // Earlier periods: the payment this one builds on (the latest of its period), with its steps.
  const earlier = result.inputs.priorEvaluations.map((p) => ({
    period: p.period,
    evaluation: proven(p.seq),
    steps: stepsOf(p.seq),
  }));
  const note = await ports.checkpoint(contract, size);
  const log = logSigner(ports.signer, contract);
  const logKey = await logVerifierKey(ports.signer, contract);
  const signedBy = verifyCheckpoint(note, [logKey, ...(request.witnessKeys ?? [])]).verified;
  const witnesses = [...new Set(signedBy.map((s) => s.name).filter((name) => name !== log.name))].sort();
  const unsigned = buildReport({
    spec: registeredSpec(entries, result.contract.seq).spec,
    registration: proven(result.contract.seq),
    evaluation: { ...proven(evaluation.seq), result },
    steps: stepsOf(request.payment),
    checkpoint: { size, root, note },
    earlier,
    witnesses,
    issuedAt: request.issuedAt,
  });
  const report = await signReport(unsigned, log);
  const { bytes: json, sha256 } = encodeReport(report);
  const base = { contract, period, payment: request.payment, size, sha256 };
  const jsonKey = reportKey(contract, period, request.payment, size, sha256, 'json');
  await ports.reports.put(jsonKey, json, sha256, 'application/json');
  const pdfKey = await storePdf(ports, report, { ...base, jsonKey, pdfKeys: {} }, request.lang, entries);
  return { ...base, jsonKey, pdfKeys: { [request.lang]: pdfKey }, report, reused: false };
}

function registeredSpec(entries: Parameters<typeof registeredVersions>[0], seq: number) {
  const found = registeredVersions(entries).find((v) => v.seq === seq);
  if (found === undefined) throw new NotFoundError(`entry ${seq} is not a contract registration`);
  return found;
}

/** Renders and stores the PDF of a report in one language; returns its key. */
async function storePdf(
  ports: ReportPorts,
  report: AuditReport,
  stored: StoredReport,
  lang: ReportLang,
  entries: Parameters<typeof recordedEvaluations>[0],
): Promise<string> {
  const history = await periodHistory(ports, report, entries);
  const pdf = await ports.renderPdf(report, {
    lang,
    jsonSha256: stored.sha256,
    jsonFileName: reportFileName(stored, 'json'),
    history,
  });
  const key = reportKey(stored.contract, stored.period, stored.payment, stored.size, stored.sha256, `${lang}.pdf`);
  await ports.reports.put(key, pdf, toHex(sha256Of(pdf)), 'application/pdf');
  return key;
}

/** The indicator and metric figures of the earlier periods this payment builds on, and its own, for the chart. */
async function periodHistory(
  ports: Pick<ReportPorts, 'results'>,
  report: AuditReport,
  entries: Parameters<typeof recordedEvaluations>[0],
): Promise<PeriodFigures[]> {
  const recorded = recordedEvaluations(entries);
  const out: PeriodFigures[] = [];
  for (const e of report.earlier) {
    const body = recorded.find((r) => r.seq === e.evaluation.seq);
    if (body === undefined) continue;
    const result = await loadResult(ports, body, body.seq);
    out.push({
      period: e.period,
      metrics: Object.fromEntries(result.metrics.map((m) => [m.id, m.value])),
      total: result.payments.total,
    });
  }
  out.push({
    period: report.period.id,
    metrics: Object.fromEntries(report.evaluation.metrics.map((m) => [m.id, m.value])),
    total: report.payments.total,
  });
  return out;
}
