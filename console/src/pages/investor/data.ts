/**
 * What the investor pages read from the API, typed as the routes answer
 * (functions/api/*.ts): the session's contracts (GET /contracts), a
 * contract's versions (its spec: parties and shares), its payments, its
 * reports and a report's download links, and the published trust policy.
 * One loader hook for the pages' "loading / failed / data" states.
 */

import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ContractSpec } from '#contracts';
import type { PaymentStatus } from '#payments';
import { api, apiFetch, contractPath } from '../../lib/api.ts';
import { listContracts } from '../../lib/contract-list.ts';
import type { ContractListItem } from '../../lib/contracts.ts';

/** One contract of GET /contracts. */
export type ContractInfo = ContractListItem;
export { listContracts };

/** A stored report (GET /contracts/{c}/reports). */
export interface StoredReport {
  readonly contract: string;
  readonly period: string;
  /** The payment: seq of its evaluation entry. */
  readonly payment: number;
  /** The checkpoint size the report proves into. */
  readonly size: number;
  readonly sha256: string;
  readonly pdfKeys: { readonly ru?: string; readonly en?: string };
  /** When it was stored, where the server says (ISO 8601). */
  readonly issuedAt?: string;
}

interface Link {
  readonly url: string;
  readonly fileName: string;
}

/** GET /contracts/{c}/reports/{sha256}: short-lived links to the JSON and PDFs. */
export interface ReportDownload {
  readonly expiresIn: number;
  readonly json: Link;
  readonly pdf: { readonly ru?: Link; readonly en?: Link };
}

export async function listReports(contract: string): Promise<readonly StoredReport[]> {
  return (await api<{ reports: StoredReport[] }>(contractPath(contract, 'reports'))).reports;
}

export function reportDownload(contract: string, sha256: string): Promise<ReportDownload> {
  return api<ReportDownload>(contractPath(contract, 'reports', sha256));
}

export async function listPayments(contract: string): Promise<readonly PaymentStatus[]> {
  return (await api<{ payments: PaymentStatus[] }>(contractPath(contract, 'payments'))).payments;
}

/** The contract's registered versions, oldest first. */
export async function contractVersions(contract: string): Promise<readonly { version: number; spec: ContractSpec }[]> {
  return (await api<{ versions: { version: number; spec: ContractSpec }[] }>(contractPath(contract))).versions;
}

/** The deployment's published trust policy, as text: the page parses it with the domain's schema. */
export async function publishedTrust(contract: string): Promise<string> {
  return (await apiFetch(contractPath(contract, 'trust'))).text();
}

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: unknown }
  | { readonly state: 'ready'; readonly data: T };

/** Runs `load` when `key` changes; `reload()` runs it again. */
export function useLoad<T>(load: () => Promise<T>, key: string): [Loaded<T>, () => void] {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  // `key` names what `load` reads.
  useEffect(() => {
    let live = true;
    setValue({ state: 'loading' });
    load().then(
      (data) => live && setValue({ state: 'ready', data }),
      (error: unknown) => live && setValue({ state: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return [value, useCallback(() => setRound((r) => r + 1), [])];
}
