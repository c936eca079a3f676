/**
 * The party signatures of a verified export, for `sib ledger verify --file`:
 * every decision's signature checked (#ledger checkExportParties), against a
 * trust policy's role keys when one is given; a problem fails the
 * verification (exit 1), signatures found are reported on stderr.
 */
import { checkExportParties, splitLines, type TrustPolicy, type VerifierKey } from '#ledger';

/** Checks the decisions of an export that verified; false (having said why) if a signature is wrong or missing. */
export function reportExportParties(
  data: Uint8Array,
  contract: string,
  options: { readonly trust?: TrustPolicy; readonly keys?: readonly VerifierKey[] } = {},
): boolean {
  const check = checkExportParties(splitLines(data), contract, options);
  for (const problem of check.problems) process.stderr.write(`error: party signatures: ${problem}\n`);
  if (check.ok && (check.signed > 0 || check.required)) {
    process.stderr.write(
      `party signatures: ${check.signed} of ${check.decisions} decisions signed, each verifies${check.required ? ' with a key the trust policy names for its role' : ''}\n`,
    );
  }
  return check.ok;
}
