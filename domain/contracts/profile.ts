import * as z from 'zod';
import { ContractIdSchema } from '#ledger';

/**
 * What evidence ingestion needs to know about a contract: its term (evidence
 * dates must fall inside it), its list of service types and its cohorts. The
 * full contract spec (domain/contracts/spec.ts) holds these fields under the
 * same names; parsing a spec with this schema keeps just them.
 */
const IsoDate = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });

export const SERVICE_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
export const COHORT_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Minor units: digits, no sign, no leading zeros, at most 15 digits. */
export const MONEY = /^(?:0|[1-9][0-9]{0,14})$/;
/** A participant's category at enrolment (the evidence field `category`), which populations filter on. */
export const CATEGORIES = ['serving-sentence', 'probation', 'released'] as const;
/** Why a participant withdrew (the evidence field `reason`), which the contract's withdrawal rule may name. */
export const WITHDRAWAL_REASONS = ['moved-away', 'died', 'refused'] as const;
export type WithdrawalReason = (typeof WITHDRAWAL_REASONS)[number];

export const ProfileFields = {
  id: ContractIdSchema,
  title: z.string().min(1).max(300),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code such as RUB'),
  term: z.strictObject({ from: IsoDate, to: IsoDate }),
  /** Service types an operator may record (`service` events), e.g. Antares's list. */
  serviceTypes: z
    .array(z.string().regex(SERVICE_TYPE_PATTERN, 'must be a service type: lower-case letters, digits and hyphens'))
    .min(1),
  /** Cohort names enrolment records may use. */
  cohorts: z
    .array(z.string().regex(COHORT_PATTERN, 'must be a cohort name: lower-case letters, digits and hyphens'))
    .min(1),
};

export const ContractProfileSchema = z.object(ProfileFields);
export type ContractProfile = z.infer<typeof ContractProfileSchema>;
