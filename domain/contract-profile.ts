import { z } from 'zod';
import { ContractIdSchema } from './entry.ts';

/**
 * What evidence ingestion needs to know about a contract: its term (evidence
 * dates must fall inside it) and its list of service types. The full
 * contract spec (outcome metrics, payment rules) extends this later; these
 * fields keep their names there.
 */
const IsoDate = z.iso.date();

export const ContractProfileSchema = z.strictObject({
  id: ContractIdSchema,
  title: z.string().min(1).max(300),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code'),
  term: z.strictObject({ from: IsoDate, to: IsoDate }),
  /** Service types an operator may record (`service` events), e.g. Antares's list. */
  serviceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1),
  /** Cohort names enrolment records may use. */
  cohorts: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/)).min(1),
});
export type ContractProfile = z.infer<typeof ContractProfileSchema>;
