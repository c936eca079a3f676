import { ed25519Verify, fromBase64, toHex } from '#kernel';
import { checkSigners, parseCheckpoint, parseVerifierKey, type VerifiedCheckpoint, verifyCheckpoint } from '#ledger';
import { reportSigningBytes } from './build.ts';
import { type Fail, messageOf, type ReportContext } from './verify-context.ts';

/**
 * The report verifier's checks of keys and signatures: the verifier keys
 * given, the report's signature (by the log's key), the signed checkpoint
 * (of this contract's log, signed by the log, the size and root the report
 * states) and the witnesses' cosignatures on it.
 */

export function checkKeys(ctx: ReportContext, fail: Fail): string | undefined {
  for (const text of ctx.keyTexts) {
    try {
      ctx.keys.push(parseVerifierKey(String(text)));
    } catch (error) {
      fail(messageOf(error));
    }
  }
  if (ctx.keyTexts.length === 0) fail('no verifier key given: the log key is needed to check the signatures');
  return keyList(ctx);
}

const keyList = (ctx: ReportContext) => ctx.keys.map((k) => `${k.name}+${k.keyId}`).join(', ');

/** The name of the log's key: the checkpoint origin (`<log name>/<contract>`). */
function logName(ctx: ReportContext): string | undefined {
  const note = ctx.report.checkpoint.note;
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return undefined;
  try {
    return parseCheckpoint(note.slice(0, split + 1)).origin;
  } catch {
    return undefined;
  }
}

export function checkReportSignature(ctx: ReportContext, fail: Fail): string | undefined {
  const sig = ctx.report.signature;
  const id = `${sig.keyName}+${sig.keyId}`;
  const key = ctx.keys.find((k) => k.name === sig.keyName && k.keyId === sig.keyId);
  if (key === undefined) {
    fail(`the report is signed by ${id}, which is not among the trusted keys (${keyList(ctx) || 'none'})`);
  } else {
    let value: Uint8Array | undefined;
    try {
      value = fromBase64(sig.value);
    } catch {
      fail('the signature value is not base64');
    }
    if (value !== undefined && !ed25519Verify(key.publicKey, reportSigningBytes(ctx.raw as never), value)) {
      fail(`the signature by ${id} does not verify: the report was changed after it was signed`);
    }
  }
  const log = logName(ctx);
  if (log !== undefined && log !== sig.keyName) {
    fail(
      `the report is signed by ${sig.keyName}, not by the log's key (the key named ${log}, the checkpoint's origin)`,
    );
  }
  return `signed by ${id}`;
}

export function checkCheckpoint(ctx: ReportContext, fail: Fail): string | undefined {
  const r = ctx.report;
  let cp: VerifiedCheckpoint;
  try {
    cp = verifyCheckpoint(r.checkpoint.note, ctx.keys);
  } catch (error) {
    fail(`the checkpoint note does not verify with the given keys: ${messageOf(error)}`);
    return undefined;
  }
  const log = logName(ctx);
  if (!cp.origin.endsWith(`/${r.contract.id}`)) {
    fail(`the checkpoint is of the log ${cp.origin}, not of contract ${r.contract.id}`);
  }
  if (!cp.verified.some((v) => v.name === log)) {
    fail(
      `the checkpoint is not signed by the log's key ${log ?? ''} (verified signatures: ${cp.verified.map((v) => v.name).join(', ')})`,
    );
  }
  const root = toHex(cp.root);
  if (cp.size !== r.checkpoint.size || root !== r.checkpoint.root) {
    fail(
      `the signed checkpoint is size ${cp.size} root ${root}, but the report says size ${r.checkpoint.size} root ${r.checkpoint.root}`,
    );
  }
  return `${cp.origin} size ${cp.size} signed by ${log}`;
}

/**
 * The report's list of witnesses is exactly the witnesses whose cosignatures
 * verify with the given keys: a name without a verifying cosignature (none on
 * the checkpoint, one that does not verify, or no key given to check it) fails,
 * and so does a verifying cosignature by a given witness key the list leaves out.
 */
export function checkWitnesses(ctx: ReportContext, fail: Fail): string | undefined {
  const log = logName(ctx);
  const signers = checkSigners(ctx.report.checkpoint.note, ctx.keys).filter((s) => s.name !== log);
  for (const s of signers.filter((x) => x.status === 'invalid')) {
    fail(`the cosignature of ${s.name}+${s.keyId} does not verify`);
  }
  const cosigned = [...new Set(signers.filter((s) => s.status === 'signed').map((s) => s.name))];
  const named = ctx.report.witnesses;
  for (const name of new Set(named.filter((n, i) => named.indexOf(n) !== i))) {
    fail(`the report names ${name} as a witness more than once`);
  }
  for (const name of named) {
    if (cosigned.includes(name)) continue;
    fail(
      signers.some((s) => s.name === name)
        ? `the report names ${name} as a witness, but the checkpoint carries no valid cosignature by its key`
        : `the report names ${name} as a witness, but no verifier key of ${name} was given: its cosignature cannot be checked`,
    );
  }
  for (const name of cosigned.filter((n) => !named.includes(n))) {
    fail(
      `the checkpoint carries a valid cosignature by the witness ${name}, but the report's witnesses (${named.join(', ') || 'none'}) leave it out`,
    );
  }
  return `cosigned by ${cosigned.join(', ') || 'no witness among the given keys'}`;
}
