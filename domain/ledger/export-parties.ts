/**
 * The party signatures of an export (`sib ledger verify --file`): every
 * decision the export's entries hold (decisions.ts) checked against the
 * trust policy's keys for its role, or, without a policy, each signature
 * present checked for validity (and against a given key of its name).
 */

import { decisionProblem, decisionsOfLog, type SignedDecision } from './decisions.ts';
import { decodeEntry, type Entry } from './entry.ts';
import type { VerifierKey } from './note.ts';
import { type TrustPolicy, trustForContract } from './trust.ts';

export interface PartySignatureCheck {
  readonly ok: boolean;
  /** Decisions in the export, and how many carry a signature. */
  readonly decisions: number;
  readonly signed: number;
  /** Whether a trust policy named the parties' keys (signatures then required). */
  readonly required: boolean;
  readonly problems: readonly string[];
}

/** Checks the decisions of an export's entry lines (the checkpoint line excluded), of `contract`'s log. */
export function checkExportParties(
  lines: Iterable<Uint8Array>,
  contract: string,
  options: { readonly trust?: TrustPolicy; readonly keys?: readonly VerifierKey[] } = {},
): PartySignatureCheck {
  const entries: Entry[] = [];
  for (const line of lines) {
    if (line.length === 0) continue;
    if (isCheckpointLine(line)) break;
    entries.push(decodeEntry(line, entries.length));
  }
  const trust = options.trust === undefined ? undefined : trustForContract(options.trust, contract);
  if (options.trust !== undefined && trust === undefined) {
    return {
      ok: false,
      decisions: 0,
      signed: 0,
      required: true,
      problems: [`the trust policy names no log for contract ${contract}`],
    };
  }
  let decisions: SignedDecision[];
  try {
    decisions = decisionsOfLog(contract, entries);
  } catch (error) {
    return { ok: false, decisions: 0, signed: 0, required: trust !== undefined, problems: [(error as Error).message] };
  }
  const problems = decisions
    .map((d) => decisionProblem(d, trust?.parties[d.role], options.keys ?? []))
    .filter((p): p is string => p !== undefined);
  return {
    ok: problems.length === 0,
    decisions: decisions.length,
    signed: decisions.filter((d) => d.signature !== undefined).length,
    required: trust !== undefined,
    problems,
  };
}

const CHECKPOINT_PREFIX = new TextEncoder().encode('{"checkpoint"');

function isCheckpointLine(line: Uint8Array): boolean {
  return CHECKPOINT_PREFIX.every((b, i) => line[i] === b);
}
