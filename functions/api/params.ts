/**
 * The numeric parameters of the API (path and query): one rule for all of
 * them. A number in a URL is exact: decimal digits only, no sign, no spaces
 * or other white space, no leading zeros except "0" itself, at most a safe
 * integer. `%202`, `2%09`, `+2`, `02` and `2.0` name no entry and no payment.
 */

import * as z from 'zod';

const CANONICAL = /^(?:0|[1-9][0-9]{0,15})$/;
const RULE = 'must be a whole number from 0 written exactly: decimal digits only, no sign, spaces or leading zeros';

/** A canonical decimal, as a safe integer. */
export const CanonicalCount = z
  .string()
  .regex(CANONICAL, RULE)
  .transform(Number)
  .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER, 'is too large'));

/** A canonical decimal, kept as the string written (for ids read back as text). */
export const CanonicalDecimalString = z
  .string()
  .regex(CANONICAL, RULE)
  .refine((s) => Number(s) <= Number.MAX_SAFE_INTEGER, 'is too large');

/** A payment id in a path: `<seq>` or `<contract>/<seq>`, the seq a canonical decimal. */
export const PaymentIdParam = z
  .string()
  .max(80)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\/)?(?:0|[1-9][0-9]{0,15})$/,
    `must be <seq> or <contract>/<seq>, where the seq is a whole number from 0 written exactly: decimal digits only, no sign, spaces or leading zeros`,
  );
