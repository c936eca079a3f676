import type { EvidenceInput, StoredRecord } from '#evidence';
import {
  ANTARES_AGE_BANDS,
  ANTARES_SERVICES,
  ANTARES_STATUSES,
  type AntaresAgeBand,
  type AntaresStatus,
} from './published.ts';

/**
 * The Antares A report's tables counted from records: participants by sex,
 * age band and status, and services by type and per participant served.
 */

/** Counts over Antares records, as the report tabulates them. */
export interface AntaresBreakdown {
  readonly participants: number;
  readonly bySex: Readonly<Record<'male' | 'female', number>>;
  readonly byAgeBand: Readonly<Record<AntaresAgeBand, number>>;
  /** Status per enrolment; `not-recorded` for enrolments without one. */
  readonly byStatus: Readonly<Record<AntaresStatus | 'not-recorded', number>>;
  readonly servicesByType: Readonly<Record<string, number>>;
  readonly services: number;
  /** Participants with at least one service: the pilot. */
  readonly served: number;
  /** Services per served participant. */
  readonly perServed: { readonly min: number; readonly max: number };
}

/**
 * The report's tables counted from records (the operator's or the stored
 * ones: participant codes or pseudonyms alike). Age in whole years at
 * enrolment (enrolment year minus birth year), as the evaluation counts it.
 */
export function antaresBreakdown(records: readonly (EvidenceInput | StoredRecord)[]): AntaresBreakdown {
  const bySex = { male: 0, female: 0 };
  const byAgeBand = Object.fromEntries(ANTARES_AGE_BANDS.map((b) => [b.id, 0])) as Record<AntaresAgeBand, number>;
  const byStatus = Object.fromEntries([...ANTARES_STATUSES, 'not-recorded'].map((s) => [s, 0])) as Record<
    AntaresStatus | 'not-recorded',
    number
  >;
  const servicesByType: Record<string, number> = Object.fromEntries(ANTARES_SERVICES.map((t) => [t, 0]));
  const perParticipant = new Map<string, number>();
  let participants = 0;
  let services = 0;
  for (const r of records) {
    if (r.type === 'enrolment') {
      participants++;
      bySex[r.sex]++;
      const age = Number(r.date.slice(0, 4)) - r.birthYear;
      const band = ANTARES_AGE_BANDS.find((b) => age >= b.from && (b.to === undefined || age <= b.to));
      if (band !== undefined) byAgeBand[band.id]++;
      const status = r.status as AntaresStatus | undefined;
      byStatus[status !== undefined && status in byStatus ? status : 'not-recorded']++;
    } else if (r.type === 'service') {
      services++;
      servicesByType[r.serviceType] = (servicesByType[r.serviceType] ?? 0) + 1;
      perParticipant.set(r.participant, (perParticipant.get(r.participant) ?? 0) + 1);
    }
  }
  const counts = [...perParticipant.values()];
  return {
    participants,
    bySex,
    byAgeBand,
    byStatus,
    servicesByType,
    services,
    served: perParticipant.size,
    perServed: {
      min: counts.length === 0 ? 0 : Math.min(...counts),
      max: counts.length === 0 ? 0 : Math.max(...counts),
    },
  };
}
