/**
 * The witness cosignature route of the HTTP API (`POST
 * /contracts/{contract}/checkpoint/cosignatures`, in the api/ledger handler
 * module): a witness sends the log's checkpoint with its own signature line
 * added; that line is checked and merged into the stored checkpoint, never a
 * note the log did not sign nor another line of the note. Only the configured
 * witnesses (SIB_WITNESS_KEYS) may add a line, so lines by keys nobody
 * trusts can never fill a checkpoint up to the most a note may carry.
 */
import type * as z from 'zod';
import { ForbiddenError, fromBase64, IntegrityError, NotFoundError, toHex, ValidationError } from '#kernel';
import {
  checkSigners,
  formatVerifierKey,
  noteOrigin,
  parseVerifierKey,
  type VerifierKey,
  verifyCheckpoint,
} from '#ledger';
import type { HttpResult } from '../shared/middleware.ts';
import { defineRoute, json } from './http.ts';
import { logKey } from './ledger-log.ts';
import { ContractParams, CosignBody, CosignResultSchema } from './ledger-schemas.ts';
import { witnessKeysFromEnv } from './witness-keys.ts';

/** The signature line of `key` on a signed note, if it carries one (without its newline). */
function signatureLineOf(note: string, key: VerifierKey): string | undefined {
  const sep = note.indexOf('\n\n');
  if (sep < 0) return undefined;
  return note
    .slice(sep + 2)
    .split('\n')
    .find((line) => {
      const [dash, name, sig] = line.split(' ');
      if (dash !== '\u2014' || name !== key.name || sig === undefined) return false;
      try {
        return toHex(fromBase64(sig).subarray(0, 4)) === key.keyId;
      } catch {
        return false;
      }
    });
}

/** The signed text of a note (up to the blank line before the signatures). */
function noteText(note: string): string {
  return note.slice(0, note.indexOf('\n\n') + 1);
}

/** Refuses (403) a key that is not among the configured witnesses' verifier keys. */
function requireConfiguredWitness(witness: VerifierKey): void {
  const key = formatVerifierKey(witness);
  if (!witnessKeysFromEnv().includes(key)) {
    throw new ForbiddenError(
      `${witness.name}+${witness.keyId} is not a configured witness of this log: only the witnesses in SIB_WITNESS_KEYS may cosign its checkpoints`,
    );
  }
}

export const cosignCheckpoint = defineRoute(
  { params: ContractParams, body: CosignBody, response: CosignResultSchema, status: 201 },
  async ({ params, body, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const refuse = (message: string, field: string, problem = message): never => {
      throw new ValidationError(message, [{ field, message: problem }]);
    };
    let witness: VerifierKey;
    try {
      witness = parseVerifierKey(body.witnessKey);
    } catch (error) {
      return refuse((error as Error).message, 'witnessKey', 'must be a verifier key name+keyid+base64');
    }
    const log = parseVerifierKey(await logKey(rt, contract));
    if (witness.name === log.name || witness.keyId === log.keyId) {
      refuse("the witness key is the log's own key: a witness cosigns with its own key", 'witnessKey');
    }
    requireConfiguredWitness(witness);
    // The log's signature first: a witness never vouches for text the log did not publish.
    let size = 0;
    // The log's key is named by the origin: a checkpoint of another log is named as such, not as unsigned.
    const origin = noteOrigin(body.note);
    if (origin !== log.name && body.note.includes('\n')) {
      refuse(`the note is a checkpoint of log ${JSON.stringify(origin)}, not of contract ${contract}`, 'note');
    }
    try {
      const cp = verifyCheckpoint(body.note, [log]);
      size = cp.size;
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      if (!(error instanceof IntegrityError)) throw error;
      refuse(`the note is not a checkpoint signed by the log: ${error.message}`, 'note');
    }
    const status = checkSigners(body.note, [witness])[0]?.status;
    if (status !== 'signed') {
      refuse(
        status === 'missing'
          ? `the note carries no signature by the witness key ${witness.name}+${witness.keyId}`
          : `the signature of ${witness.name}+${witness.keyId} on the note does not verify`,
        'note',
      );
    }
    const stored = await rt.log.checkpointAt(contract, size);
    if (stored === undefined)
      throw new NotFoundError(`no checkpoint of size ${size} has been published for ${contract}`);
    if (noteText(stored) !== noteText(body.note)) {
      throw new IntegrityError(`the log signed two different checkpoints of size ${size} of ${contract}`);
    }
    const answer = (code: number, note: string, added: boolean) =>
      json(code, {
        contract,
        size,
        witnessKey: formatVerifierKey(witness),
        added,
        note,
      } satisfies z.input<typeof CosignResultSchema>);
    if (checkSigners(stored, [witness])[0]?.status === 'signed') return answer(200, stored, false);
    // Only the witness's own line is merged: other lines of the note it sent are not its to add.
    const line = signatureLineOf(body.note, witness) as string;
    const merged = await rt.log.addCosignature(contract, size, `${stored}${line}\n`);
    if (checkSigners(merged, [witness])[0]?.status !== 'signed') {
      throw new IntegrityError(`the stored checkpoint of size ${size} does not carry the witness's signature`);
    }
    return answer(201, merged, true);
  },
);
