import type { EvidenceInput, EvidenceType, StoredRecord } from '#evidence';
import { EVIDENCE_TYPES } from '#evidence';
import { participantKey } from '../batches.ts';

/**
 * Counts over a Second Chance cohort's records: participants, records per
 * type, and the employment, permanent-job and reconviction rates, on the
 * operator's records and on the stored ones alike.
 */

export interface CohortSummary {
  /** Participants enrolled in these records. */
  readonly participants: number;
  /** Records per type, every type listed (superseded records included). */
  readonly eventsByType: Readonly<Record<EvidenceType, number>>;
  /** Participants with at least one employment-started (superseded records skipped). */
  readonly employed: number;
  /** Of those, with a permanent job. */
  readonly permanent: number;
  /** Participants with at least one reconviction. */
  readonly reconvicted: number;
  /** Shares of `participants` (0 when there are none). */
  readonly rates: { readonly employed: number; readonly permanent: number; readonly reconvicted: number };
}

/**
 * Counts over a cohort's records: works the same on the operator's records
 * (participant codes) and on the stored ones (pseudonyms), so the figures of
 * what was generated and of what the ledger holds can be compared.
 */
export function summariseCohort(records: readonly (EvidenceInput | StoredRecord)[]): CohortSummary {
  const superseded = new Set(records.flatMap((r) => (r.type === 'correction' ? [r.supersedes] : [])));
  const eventsByType = Object.fromEntries(EVIDENCE_TYPES.map((t) => [t, 0])) as Record<EvidenceType, number>;
  const enrolled = new Set<string>();
  const employed = new Set<string>();
  const permanent = new Set<string>();
  const reconvicted = new Set<string>();
  for (const r of records) {
    eventsByType[r.type] += 1;
    if (superseded.has(r.eventId)) continue;
    const key = participantKey(r.participant);
    if (r.type === 'enrolment') enrolled.add(key);
    if (r.type === 'employment-started') {
      employed.add(key);
      if (r.contractType === 'permanent') permanent.add(key);
    }
    if (r.type === 'reconviction') reconvicted.add(key);
  }
  const count = (s: Set<string>) => [...s].filter((p) => enrolled.has(p)).length;
  const share = (k: number) => (enrolled.size === 0 ? 0 : k / enrolled.size);
  const e = count(employed);
  const p = count(permanent);
  const c = count(reconvicted);
  return {
    participants: enrolled.size,
    eventsByType,
    employed: e,
    permanent: p,
    reconvicted: c,
    rates: { employed: share(e), permanent: share(p), reconvicted: share(c) },
  };
}
