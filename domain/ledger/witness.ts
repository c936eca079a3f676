/**
 * The C2SP tlog-witness protocol (https://c2sp.org/tlog-witness), pure: the
 * add-checkpoint request format, the witness's decision over its recorded
 * state of each log (status code, body, content type, the new state, the
 * refusal to remember), and the cosignature lines of a success. Reading and
 * writing the state and serving HTTP are the adapter's business.
 */
import type { Signer } from '#kernel';
import { bytesEqual, fromBase64, IntegrityError, toBase64, toHex, ValidationError } from '#kernel';
import { noteOrigin, parseCheckpoint, verifyCheckpoint } from './checkpoint.ts';
import { ALG_COSIGNATURE_V1 } from './cosignature.ts';
import { emptyRoot, verifyConsistency } from './merkle.ts';
import { cosignNote, keyId, parseVerifierKey, type VerifierKey } from './note.ts';

/** The spec's limit on consistency proof lines. */
export const MAX_PROOF_LINES = 63;
/** Content type of a 409 body holding the witness's size for the origin. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, as sent. */
  readonly note: string;
}

/** What the witness keeps per log: the latest checkpoint it cosigned, and the refusals it made. */
export interface WitnessLogState {
  readonly origin: string;
  readonly size: number;
  /** base64 of the root hash at `size`. */
  readonly root: string;
  readonly refusals: readonly WitnessRefusal[];
}

/** A checkpoint refused as a rollback (smaller than cosigned) or a fork (other root, or no consistency proof). */
export interface WitnessRefusal {
  readonly kind: 'rollback' | 'fork';
  readonly size: number;
  readonly root: string;
  /** POSIX seconds. */
  readonly time: number;
  readonly reason: string;
}

/** At most this many refusals are kept per log (the latest). */
export const MAX_REFUSALS_KEPT = 20;

export interface WitnessResponse {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
}

/** The witness's decision on one request: the response, and the state to persist before answering. */
export interface AddCheckpointDecision {
  readonly response: WitnessResponse;
  /** The state of the log to write (durably) before the response is sent, when it changed. */
  readonly state?: WitnessLogState;
  /** Set on success: the verified checkpoint to cosign, with the log's key. */
  readonly cosign?: { readonly note: string; readonly logKey: VerifierKey };
}

const text = (status: WitnessResponse['status'], body: string): AddCheckpointDecision => ({
  response: { status, contentType: 'text/plain; charset=utf-8', body: body.endsWith('\n') ? body : `${body}\n` },
});

/** Parses an add-checkpoint body. Throws ValidationError (a 400) saying what is wrong. */
export function parseAddCheckpoint(body: Uint8Array | string): AddCheckpointRequest {
  let msg: string;
  try {
    msg = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new ValidationError('the request body is not valid UTF-8');
  }
  const blank = msg.indexOf('\n\n');
  if (blank < 0) throw new ValidationError('the request has no empty line before the checkpoint');
  const [oldLine = '', ...proofLines] = msg.slice(0, blank).split('\n');
  const old = /^old (0|[1-9][0-9]*)$/.exec(oldLine);
  if (!old) throw new ValidationError(`the first line must be "old <size>", not ${JSON.stringify(oldLine)}`);
  const oldSize = Number(old[1]);
  if (!Number.isSafeInteger(oldSize)) throw new ValidationError(`old size ${old[1]} is too large`);
  if (proofLines.length > MAX_PROOF_LINES) {
    throw new ValidationError(`more than ${MAX_PROOF_LINES} consistency proof lines (${proofLines.length})`);
  }
  const proof = proofLines.map((line, k) => {
    let hash: Uint8Array | undefined;
    try {
      hash = fromBase64(line);
    } catch {
      hash = undefined;
    }
    if (hash?.byteLength !== 32) throw new ValidationError(`consistency proof line ${k + 1} is not a base64 hash`);
    return hash;
  });
  return { oldSize, proof, note: msg.slice(blank + 2) };
}

/** The body of an add-checkpoint request (the log's side). */
export function formatAddCheckpoint(request: AddCheckpointRequest): string {
  return `old ${request.oldSize}\n${request.proof.map((h) => `${toBase64(h)}\n`).join('')}\n${request.note}`;
}

/** Indexes the logs a witness serves by origin (each log's verifier key is named by its origin). */
export function witnessedLogs(keys: readonly (string | VerifierKey)[]): Map<string, VerifierKey[]> {
  const logs = new Map<string, VerifierKey[]>();
  for (const k of keys) {
    const key = typeof k === 'string' ? parseVerifierKey(k) : k;
    if (key.type === ALG_COSIGNATURE_V1) {
      throw new ValidationError(`${key.name}+${key.keyId} is a witness key (type 0x04), not a log's key`);
    }
    logs.set(key.name, [...(logs.get(key.name) ?? []), key]);
  }
  return logs;
}

function refused(
  state: WitnessLogState,
  refusal: Omit<WitnessRefusal, 'time'>,
  time: number,
  response: AddCheckpointDecision,
): AddCheckpointDecision {
  const refusals = [...state.refusals, { ...refusal, time }].slice(-MAX_REFUSALS_KEPT);
  return { ...response, state: { ...state, refusals } };
}

/**
 * The witness's checks, in the spec's order: a known origin (404), a log
 * signature that verifies (403), old size not above the checkpoint's (400),
 * old size equal to the size last cosigned (409, body the witness's size as
 * `text/x.tlog.size`), the consistency proof (422), and at equal sizes equal
 * roots (409). A checkpoint smaller than the one cosigned is remembered as a
 * rollback, a failed proof or another root at the same size as a fork: the
 * state never moves back, so either is refused for good. `state` is the
 * log's recorded state (undefined: never cosigned); `time` in POSIX seconds.
 */
export function decideAddCheckpoint(
  request: AddCheckpointRequest,
  logs: ReadonlyMap<string, readonly VerifierKey[]>,
  state: WitnessLogState | undefined,
  time: number,
): AddCheckpointDecision {
  const origin = noteOrigin(request.note);
  const keys = logs.get(origin);
  if (keys === undefined) return text(404, `unknown log origin ${JSON.stringify(origin)}`);
  let cp: ReturnType<typeof parseCheckpoint>;
  try {
    const split = request.note.lastIndexOf('\n\n');
    cp = parseCheckpoint(split < 0 ? request.note : request.note.slice(0, split + 1));
  } catch (error) {
    return text(400, (error as Error).message);
  }
  let logKey: VerifierKey;
  try {
    const verified = verifyCheckpoint(request.note, keys, { origin });
    const signed = verified.verified[0];
    logKey = keys.find((k) => k.name === signed?.name && k.keyId === signed.keyId) as VerifierKey;
  } catch (error) {
    return text(403, error instanceof IntegrityError ? error.message : 'the checkpoint signature does not verify');
  }
  if (request.oldSize > cp.size)
    return text(400, `old size ${request.oldSize} is above the checkpoint size ${cp.size}`);
  const current: WitnessLogState = state ?? { origin, size: 0, root: toBase64(emptyRoot()), refusals: [] };
  const root = toBase64(cp.root);
  const sizeConflict: AddCheckpointDecision = {
    response: { status: 409, contentType: TLOG_SIZE_CONTENT_TYPE, body: `${current.size}\n` },
  };
  if (cp.size < current.size) {
    const reason = `checkpoint of size ${cp.size} is smaller than the one cosigned, of size ${current.size}`;
    return refused(current, { kind: 'rollback', size: cp.size, root, reason }, time, sizeConflict);
  }
  if (request.oldSize !== current.size) return sizeConflict;
  if (cp.size === current.size && root !== current.root) {
    const reason = `checkpoint of size ${cp.size} has another root than the one cosigned at that size`;
    return refused(current, { kind: 'fork', size: cp.size, root, reason }, time, text(409, reason));
  }
  const oldRoot = fromBase64(current.root);
  if (!verifyConsistency(current.size, cp.size, oldRoot, cp.root, request.proof)) {
    const reason = `no valid consistency proof from size ${current.size} to ${cp.size}`;
    return refused(current, { kind: 'fork', size: cp.size, root, reason }, time, text(422, reason));
  }
  const unchanged = cp.size === current.size && bytesEqual(oldRoot, cp.root) && state !== undefined;
  return {
    response: { status: 200, contentType: 'text/plain; charset=utf-8', body: '' },
    state: unchanged ? undefined : { ...current, size: cp.size, root },
    cosign: { note: request.note, logKey },
  };
}

/**
 * The witness's cosignature line(s) on `note` (a checkpoint the log signed
 * with `logKey`), made at `time`: the body of a 200 response.
 */
export async function witnessCosignatureLines(
  note: string,
  logKey: VerifierKey,
  witness: Signer,
  time: number,
): Promise<string> {
  // Only the log's own line is kept, so a line already there from this witness is signed afresh.
  const split = note.lastIndexOf('\n\n');
  const own = `\u2014 ${logKey.name} `;
  const logLines = note
    .slice(split + 2)
    .split('\n')
    .filter((line) => line.startsWith(own));
  const base = `${note.slice(0, split + 2)}${logLines.map((l) => `${l}\n`).join('')}`;
  const cosigned = await cosignNote(base, logKey, witness, time);
  const id = toHex(keyId(witness.name, await witness.publicKey(), ALG_COSIGNATURE_V1));
  const line = cosigned.slice(base.length);
  if (
    !line.startsWith(`\u2014 ${witness.name} `) ||
    toHex(fromBase64(line.trim().split(' ')[2] ?? '').subarray(0, 4)) !== id
  ) {
    throw new IntegrityError('the witness produced no cosignature line');
  }
  return line;
}
