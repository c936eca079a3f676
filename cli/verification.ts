/**
 * Printing verifications: of a log (stored or exported: `sib ledger verify`,
 * `sib investor export --verify`) and of an audit report (`sib report
 * verify`, `sib investor verify`, the one offline report check both run).
 * A verification that does not hold is exit 1.
 */
import { checkSeenPrefix, type VerifyResult, verifyCheckpoint, verifyExportBytes } from '#ledger';
import { type ReportVerification, verifyReport } from '#reports';
import { trustedKeys } from './context.ts';
import { readInput } from './files.ts';
import { logIdOf, recall, remember } from './seen-checkpoints.ts';
import { table } from './table.ts';
import { keysWith, logTrustFor, readTrustOption, type TrustOptions } from './trust.ts';

/** A log's verification: JSON, or one line (OK, or FAILED at the first failing seq) and witness warnings. */
export function printVerify(result: VerifyResult, json: boolean): void {
  const witnesses = result.witnesses ?? [];
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    const cp = result.checkpoint;
    const cosigned = witnesses.filter((w) => w.status === 'signed').map((w) => w.name);
    const cosigners =
      witnesses.length === 0
        ? ''
        : cosigned.length > 0
          ? `; cosigned by ${cosigned.join(', ')}`
          : '; cosigned by no witness';
    process.stdout.write(
      `OK: ${result.entries} entries of ${result.contract ?? '(no contract)'} verified` +
        (cp ? `; checkpoint ${cp.origin} size ${cp.size} signed by ${cp.signedBy.join(', ')}` : '') +
        cosigners +
        '\n',
    );
    // Not fatal without --require-witness, but not to be missed either.
    for (const w of witnesses) {
      if (w.status === 'missing')
        process.stderr.write(`warning: witness ${w.name}+${w.keyId} has not cosigned the checkpoint\n`);
      if (w.status === 'invalid') {
        process.stderr.write(
          `warning: the signature of witness ${w.name}+${w.keyId} on the checkpoint does not verify\n`,
        );
      }
    }
  } else {
    const seq = result.failure?.seq;
    const where = seq === undefined ? '' : ` at seq ${seq}`;
    // IntegrityError messages already start with `seq N: `; name the seq once.
    let message = result.failure?.message ?? '';
    if (message.startsWith(`seq ${seq}: `)) message = message.slice(`seq ${seq}: `.length);
    process.stderr.write(`FAILED${where}: ${message}\n`);
  }
  if (!result.ok) process.exitCode = 1;
}

/** A log's verification in one line, for standard error beside an export on standard output. */
export function verifiedLine(result: VerifyResult): string {
  if (result.ok) {
    const cp = result.checkpoint;
    return `OK: ${result.entries} entries of ${result.contract ?? '(no contract)'} verified${cp ? `; checkpoint ${cp.origin} size ${cp.size} signed by ${cp.signedBy.join(', ')}` : ''}`;
  }
  const seq = result.failure?.seq;
  return `FAILED${seq === undefined ? '' : ` at seq ${seq}`}: ${result.failure?.message ?? ''}`;
}

/** An export's text verified offline against `keys`, for `contract`. */
export function verifyExportText(text: string, keys: readonly string[], contract: string): Promise<VerifyResult> {
  return verifyExportBytes(new TextEncoder().encode(text), [...keys], { contract });
}

/** The contract a report says it is of, if it says (for the local log key). */
function reportContract(bytes: Uint8Array): string | undefined {
  try {
    const id = (JSON.parse(new TextDecoder().decode(bytes)) as { contract?: { id?: unknown } }).contract?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies an audit report file offline and prints the result (`sib report verify`, `sib investor verify`). */
export async function verifyReportFile(
  file: string,
  opts: { key: readonly string[]; json?: boolean; verbose?: boolean } & TrustOptions,
): Promise<void> {
  const trust = await readTrustOption(opts);
  const bytes = new Uint8Array(await readInput(file));
  // With a policy, its keys are trusted (and --key besides); without, --key or the local log key of the report's contract.
  const keys = trust === undefined ? await trustedKeys(opts.key, reportContract(bytes)) : [...opts.key];
  let result = verifyReport(bytes, keys, {
    ...(trust === undefined ? {} : { trust }),
    allowFewerWitnesses: opts.allowFewerWitnesses === true,
  });
  if (result.ok) {
    const seenKeys = trust === undefined ? keys : keysWith(keys, logTrustFor(trust, result.contract ?? ''));
    result = await againstSeen(result, bytes, seenKeys);
  }
  for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  printVerification(result, { json: opts.json === true, verbose: opts.verbose === true });
}

/**
 * A verified report's checkpoint against the one last verified of its log on
 * this machine (seen-checkpoints.ts). Of the same size, it must have the same
 * root: another is a fork, a failed check. A report carries no consistency
 * proof, so a newer or older one is said to be so (the role commands and
 * `sib ledger verify` check the log extends the remembered checkpoint); with
 * none remembered, the report's is remembered.
 */
async function againstSeen(
  result: ReportVerification,
  bytes: Uint8Array,
  keys: readonly string[],
): Promise<ReportVerification> {
  const note = (JSON.parse(new TextDecoder().decode(bytes)) as { checkpoint: { note: string } }).checkpoint.note;
  const cp = verifyCheckpoint(note, keys);
  const log = logIdOf(cp);
  if (log === undefined) return result;
  const seen = await recall(log);
  if (seen === undefined) {
    await remember(log, cp, note);
    return result;
  }
  if (cp.size === seen.size) {
    try {
      checkSeenPrefix(seen, cp, cp.root);
    } catch (error) {
      const check = { name: 'checkpoint seen before', ok: false, message: (error as Error).message };
      return { ...result, ok: false, checks: [...result.checks, check] };
    }
    return result;
  }
  const relation = cp.size > seen.size ? 'newer' : 'older';
  process.stderr.write(
    `note: the report's checkpoint (size ${cp.size}) is ${relation} than the one last verified of ${cp.origin} on this machine (size ${seen.size}); a report carries no consistency proof: sib investor checkpoint or sib ledger verify checks that the log extends it\n`,
  );
  return result;
}

/** A report's verification: JSON, or a summary (with a table of every check when verbose); exit 1 unless ok. */
export function printVerification(result: ReportVerification, opts: { json: boolean; verbose: boolean }): void {
  if (!result.ok) process.exitCode = 1;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (opts.verbose) {
    process.stdout.write(
      `${table(
        ['check', 'result', 'detail'],
        result.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.message]),
      )}\n\n`,
    );
  }
  const what =
    result.contract === undefined
      ? 'the report'
      : `the report of ${result.contract}${result.period === undefined ? '' : ` period ${result.period}`}`;
  const named = (name: string) => result.checks.find((c) => c.name === name);
  if (result.ok) {
    process.stdout.write(`OK: ${what} verifies: all ${result.checks.length} checks hold\n`);
    if (!opts.verbose) {
      for (const name of [
        'report signature',
        'checkpoint signature',
        'checkpoint witnesses',
        'trust policy',
        'total',
      ]) {
        const c = named(name);
        if (c?.message !== undefined) process.stdout.write(`  ${name}: ${c.message}\n`);
      }
    }
    return;
  }
  const failed = result.checks.filter((c) => !c.ok);
  process.stderr.write(
    `FAILED: ${failed.length} of ${result.checks.length} check(s) of ${what} do not hold\n${failed
      .map((c) => `  ${c.name}: ${c.message ?? 'failed'}\n`)
      .join('')}`,
  );
}
