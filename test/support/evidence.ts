/** Valid evidence records for tests (raw, as an operator submits them). */
import { createHash } from 'node:crypto';

const consent = createHash('sha256').update('consent form').digest('hex');

export const enrol = (eventId: string, participant: string, date = '2024-03-01') => ({
  eventId,
  participant,
  type: 'enrolment',
  date,
  source: 'operator',
  cohort: '2024',
  category: 'released',
  sex: 'female',
  birthYear: 1991,
  consentSha256: consent,
});

export const job = (eventId: string, participant: string, date = '2024-04-01') => ({
  eventId,
  participant,
  type: 'employment-started',
  date,
  source: 'employer',
  employerId: 'KAMCHATKA-FISH',
  contractType: 'permanent',
  monthlyWage: '6500000',
});

export const CONSENT_SHA256 = consent;

/** A release record. */
export const release = (eventId: string, participant: string, date: string) => ({
  eventId,
  participant,
  type: 'release',
  date,
  source: 'operator',
  institution: 'IK-6',
});

/**
 * Four participants serving a sentence, released in early 2024, two of them
 * employed within 180 days of release (OP-1 permanently, OP-2 fixed-term).
 */
export const RELEASED_BATCH = [
  { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'serving-sentence' },
  release('r1', 'OP-1', '2024-01-20'),
  job('j1', 'OP-1', '2024-02-01'),
  { ...enrol('e2', 'OP-2', '2024-01-10'), category: 'serving-sentence' },
  release('r2', 'OP-2', '2024-01-25'),
  { ...job('j2', 'OP-2', '2024-03-01'), contractType: 'fixed-term' },
  { ...enrol('e3', 'OP-3', '2024-02-01'), category: 'serving-sentence' },
  release('r3', 'OP-3', '2024-02-05'),
  { ...enrol('e4', 'OP-4', '2024-02-01'), category: 'serving-sentence' },
  release('r4', 'OP-4', '2024-02-10'),
];
