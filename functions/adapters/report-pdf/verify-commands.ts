/**
 * The verify commands a report PDF prints, exactly as a reader types them:
 * with the deployment's keys on the command line (`--key`, the log's and each
 * witness's), and with the investor's trust policy fetched by `sib trust
 * show` (`--trust`). Without a policy, the command names the file alone.
 * One source for the PDF and the test that runs the printed commands.
 */
import { SIGNING_ROLES, type SigningRole } from '#ledger';
import type { ReportPdfOptions } from './options.ts';

/** The trust policy's file name in the printed commands. */
export const TRUST_FILE = 'trust.json';

export interface VerifyCommands {
  /** `npx sib report verify FILE --key LOG --key WITNESS…` (or FILE alone without a policy), as printed. */
  readonly withKeys: string;
  /** Where the policy file comes from, and the command that uses it (with a policy), as printed. */
  readonly trust?: { readonly fetch: string; readonly verify: string };
  /** The keys, in full: the log's, the witnesses' with their quorum, the parties' per role. */
  readonly keys?: {
    readonly log: string;
    readonly witnesses: { readonly quorum: number; readonly keys: readonly string[] };
    readonly parties: readonly (readonly [SigningRole, readonly string[]])[];
  };
}

/**
 * A command printed one option per line, each line but the last ending in
 * ` \` (a shell joins them): a long key never wraps inside `--key`, and the
 * text copied from the PDF runs as it is.
 */
const printed = (first: string, options: readonly string[]) => [first, ...options.map((o) => `  ${o}`)].join(' \\\n');

/** A printed command as a shell reads it: continuation lines joined, words split on spaces. */
export function commandWords(command: string): string[] {
  return command
    .replace(/ \\\n\s*/g, ' ')
    .split(' ')
    .filter((w) => w !== '');
}

export function verifyCommands(
  contract: string,
  options: Pick<ReportPdfOptions, 'jsonFileName' | 'trust'>,
): VerifyCommands {
  const base = `npx sib report verify ${options.jsonFileName}`;
  const trust = options.trust;
  if (trust === undefined) return { withKeys: base };
  const keys = [trust.logKey, ...trust.witnesses.keys];
  return {
    withKeys: printed(
      base,
      keys.map((k) => `--key ${k}`),
    ),
    trust: {
      fetch: `npx sib trust show --contract ${contract} > ${TRUST_FILE}`,
      verify: printed(base, [`--trust ${TRUST_FILE}`]),
    },
    keys: {
      log: trust.logKey,
      witnesses: trust.witnesses,
      parties: SIGNING_ROLES.filter((r) => trust.parties[r].length > 0).map((r) => [r, trust.parties[r]] as const),
    },
  };
}
