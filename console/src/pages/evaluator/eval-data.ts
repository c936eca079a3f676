/**
 * What the evaluator's signing pages (Evaluate, Attest, Comparisons) read
 * and send through the API, with the bodies the CLI sends
 * (cli/roles/evaluator.ts, cli/roles/signing.ts): a dry run and a signed
 * recording of an evaluation, an attestation, a comparison figure; the
 * contract's versions (its periods and comparisons), the payments awaiting
 * attestation across the session's contracts, and the comparison figures
 * already published (read from the log's export, the one place the API
 * answers them).
 */
import type { ContractSpec } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import type { SignedStatement } from '#ledger';
import { api, apiFetch, contractPath } from '../../lib/api.ts';
import { type ContractItem, listContracts, listPayments, type PaymentStatus } from '../ministry/data.ts';

export type { ContractItem, ContractSpec, EvaluationResult, PaymentStatus };

/** One registered version of a contract (GET /contracts/{c}). */
export interface ContractVersion {
  readonly version: number;
  readonly effectiveFrom?: string;
  readonly seq: number;
  readonly hash: string;
  readonly spec: ContractSpec;
}

export async function contractVersions(contract: string): Promise<ContractVersion[]> {
  return (await api<{ versions: ContractVersion[] }>(contractPath(contract))).versions;
}

/** A dry run's answer: what the entry would name at the checkpoint, and the result it would record. */
export interface Preview {
  readonly contract: string;
  readonly dryRun: true;
  readonly period: string;
  readonly checkpoint: { readonly size: number; readonly root: string };
  /** The seq the entry would get if recorded now (the log's size): the payment the analyst's statement names. */
  readonly seq: number;
  readonly sha256: string;
  readonly summary: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
  readonly result?: EvaluationResult;
}

/** A recorded evaluation's answer (POST …/evaluations without dryRun). */
export interface Recorded {
  readonly contract: string;
  readonly sha256: string;
  readonly key: string;
  readonly entry: { readonly seq: number; readonly entryHash: string; readonly replayed: boolean };
  readonly result: EvaluationResult;
}

export function dryRun(contract: string, period: string, checkpoint: number | undefined): Promise<Preview> {
  return api<Preview>(contractPath(contract, 'evaluations'), {
    method: 'POST',
    body: { period, dryRun: true, ...(checkpoint === undefined ? {} : { checkpoint }) },
  });
}

/** Records the evaluation at the dry run's checkpoint, with the analyst's signed `calculated` statement. */
export function record(contract: string, period: string, checkpoint: number, signature: SignedStatement) {
  return api<Recorded>(contractPath(contract, 'evaluations'), {
    method: 'POST',
    body: { period, checkpoint, signature },
  });
}

export function attest(contract: string, payment: number, signature: SignedStatement) {
  return api<{ seq?: number; receipt?: { seq: number } }>(contractPath(contract, 'payments', payment, 'attest'), {
    method: 'POST',
    body: { signature },
  });
}

/** A comparison figure as the form sends it (the comparison.published body, its signature aside). */
export interface Figure {
  readonly comparison: string;
  readonly group: string;
  readonly value: string;
  readonly denominator?: number;
  readonly period?: string;
  readonly note?: string;
}

export function publish(contract: string, figure: Figure, signature: SignedStatement) {
  return api<{ contract: string; seq: number; entryHash: string; replayed: boolean }>(
    contractPath(contract, 'comparisons'),
    { method: 'POST', body: { ...figure, signature } },
  );
}

/** A published figure as the log holds it: its entry's seq, time and actor, and the body. */
export interface PublishedFigure extends Figure {
  readonly seq: number;
  readonly at: string;
  readonly by: string;
  readonly signed: boolean;
}

/** The comparison.published entries of the contract's log, newest first (from GET …/export, JSON Lines). */
export async function publishedFigures(contract: string): Promise<PublishedFigure[]> {
  const text = await (
    await apiFetch(contractPath(contract, 'export'), { headers: { accept: 'application/x-ndjson' } })
  ).text();
  const out: PublishedFigure[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"comparison.published"')) continue;
    const e = JSON.parse(line) as {
      seq: number;
      kind: string;
      at: string;
      actor: { sub: string };
      body: Figure & { signature?: unknown };
    };
    if (e.kind !== 'comparison.published') continue;
    const { signature, ...figure } = e.body;
    out.push({ ...figure, seq: e.seq, at: e.at, by: e.actor.sub, signed: signature !== undefined });
  }
  return out.reverse();
}

/** A payment awaiting attestation, with its contract. */
export interface Awaiting {
  readonly contract: ContractItem;
  readonly payment: PaymentStatus;
}

/** The payments in state `calculated` (the latest of their period) across the session's contracts. */
export async function awaitingAttestation(): Promise<{ contracts: ContractItem[]; awaiting: Awaiting[] }> {
  const contracts = await listContracts();
  const lists = await Promise.all(contracts.map((c) => listPayments(c.id).catch(() => [] as PaymentStatus[])));
  const awaiting = contracts.flatMap((contract, i) =>
    (lists[i] ?? []).filter((p) => p.state === 'calculated' && p.latest).map((payment) => ({ contract, payment })),
  );
  return { contracts, awaiting };
}

export { listContracts, listPayments };
