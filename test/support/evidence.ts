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
