/**
 * What the evaluator's audit pages (recompute, timelines, witnesses) read
 * from the API beside the domain: the session's contracts, the log's trust
 * policy, the export download, a participant's records page by page, an
 * evaluation's pseudonyms, and the witness status. Light: no domain code
 * (the recompute's heavy part is audit-recompute.ts, loaded on demand).
 */
import { api, apiFetch, contractPath } from '../../lib/api.ts';
import { listContracts } from '../../lib/contract-list.ts';
import type { TrustAnswer } from '../../lib/contracts.ts';
import { saveBlob } from '../../lib/download.ts';
import { isPseudonym, type TimelineRecord } from './audit-timeline.ts';

export { isPseudonym, type TimelineLine, type TimelineRecord, timeline } from './audit-timeline.ts';

export { listContracts };

/** The deployment's trust policy entry for the contract's log. */
export async function logTrust(contract: string): Promise<TrustAnswer['logs'][number] | undefined> {
  const policy = await api<TrustAnswer>(contractPath(contract, 'trust'));
  return policy.logs.find((l) => l.contract === contract) ?? policy.logs[0];
}

/** Downloads the contract's whole log export (GET /contracts/{contract}/export) under the server's file name; that name. */
export async function downloadExport(contract: string): Promise<string> {
  const response = await apiFetch(contractPath(contract, 'export'), {
    headers: { accept: 'application/x-ndjson' },
  });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${contract}.jsonl`;
  saveBlob(await response.blob(), name);
  return name;
}

/** Every record of a participant (by pseudonym), page by page; `onPage` says how many so far. */
export async function participantRecords(
  contract: string,
  pseudonym: string,
  onPage?: (n: number) => void,
): Promise<TimelineRecord[]> {
  const out: TimelineRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<{ records: TimelineRecord[]; next?: string }>(contractPath(contract, 'records'), {
      query: { participant: pseudonym, cursor },
    });
    out.push(...page.records);
    onPage?.(out.length);
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

/** The pseudonyms behind an evaluation's outcomes (GET /contracts/{contract}/evaluations/{seq}, the evaluator's view), sorted. */
export async function evaluationPseudonyms(contract: string, seq: number): Promise<string[]> {
  const answer = await api<{
    result: {
      outcomes?: readonly { subject: string }[];
      numerators?: readonly { participants: readonly string[] }[];
    };
  }>(contractPath(contract, 'evaluations', seq));
  const found = new Set<string>();
  for (const o of answer.result.outcomes ?? []) if (isPseudonym(o.subject)) found.add(o.subject);
  for (const n of answer.result.numerators ?? []) for (const p of n.participants) if (isPseudonym(p)) found.add(p);
  return [...found].sort();
}

/** What GET /contracts/{contract}/witnesses answers. */
export interface WitnessStatus {
  readonly contract: string;
  readonly size: number;
  readonly keys: readonly string[];
  readonly witnesses: readonly {
    readonly url: string;
    readonly lastCosigned?: {
      readonly size: number;
      readonly at: string;
      readonly witnesses: readonly string[];
      readonly note?: string;
    };
    readonly lastRefusal?: {
      readonly kind: 'rollback' | 'fork' | 'other';
      readonly status?: number;
      readonly size: number;
      readonly witnessSize?: number;
      readonly why: string;
      readonly at: string;
    };
  }[];
}

export function witnessStatus(contract: string): Promise<WitnessStatus> {
  return api<WitnessStatus>(contractPath(contract, 'witnesses'));
}
