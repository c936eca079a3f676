/**
 * The log's side of C2SP tlog-witness: pushing a newly signed checkpoint to
 * each configured witness (add-checkpoint with the old size the log last
 * knew that witness to hold, following a 409's size once, with a
 * consistency proof), and keeping from each answer only the cosignatures of
 * configured witnesses that verify. A witness that is down or refuses is
 * reported, never thrown: witnessing must not fail an append or a publish.
 */

import { parseCheckpoint } from './checkpoint.ts';
import { checkSigners, type VerifierKey } from './note.ts';
import { formatAddCheckpoint, TLOG_SIZE_CONTENT_TYPE } from './witness.ts';

/** One HTTP exchange with a witness: POST <url>/add-checkpoint. */
export interface WitnessClient {
  addCheckpoint(url: string, body: string): Promise<{ status: number; contentType: string; body: string }>;
}

export interface WitnessPushPorts {
  readonly client: WitnessClient;
  /** The witnesses' submission prefixes. */
  readonly urls: readonly string[];
  /** The configured witnesses' verifier keys: only their cosignatures are kept. */
  readonly witnessKeys: readonly (string | VerifierKey)[];
  /** The size each witness last cosigned, per `<url> <origin>` (kept by the caller; 0 when unknown). */
  readonly knownSizes: Map<string, number>;
  consistencyProof(contract: string, oldSize: number, newSize: number): Promise<readonly Uint8Array[]>;
  /** Stores the note with the signature lines it lacks; returns the stored note. */
  addCosignature(contract: string, size: number, cosignedNote: string): Promise<string>;
}

export interface WitnessPushResult {
  /** The checkpoint as stored after the push (with the cosignatures kept). */
  readonly note: string;
  /** URLs whose cosignature was stored. */
  readonly cosigned: string[];
  /** URLs that gave none, with why (status or error; no personal data: a checkpoint holds none); not those that hold a newer one. */
  readonly failed: { url: string; why: string }[];
  /** Each witness's answer, for the log to remember (the witness status the API shows). */
  readonly answers: WitnessAnswer[];
}

/**
 * What one witness answered to one checkpoint: cosigned it (with the names
 * of the configured keys whose cosignature verified), or refused it. A
 * refusal is a `rollback` when the witness holds a larger size of the log
 * than the checkpoint (409 with its size), a `fork` when it holds another
 * tree (409 on the same size, or 422: no valid consistency proof), and
 * `other` for any other status or a witness that could not be reached.
 */
export type WitnessAnswer =
  | { readonly url: string; readonly outcome: 'cosigned'; readonly size: number; readonly witnesses: string[] }
  | {
      readonly url: string;
      readonly outcome: 'refused';
      readonly kind: 'rollback' | 'fork' | 'other';
      /** The HTTP status, absent when the witness could not be reached. */
      readonly status?: number;
      /** The checkpoint's size. */
      readonly size: number;
      /** The size the witness said it holds (a 409's body), if it said one. */
      readonly witnessSize?: number;
      readonly why: string;
    };

const SIZE_BODY = /^(0|[1-9][0-9]*)\n$/;

/** The signature lines of `body` that verify, on `note`, with one of `keys`. */
export function configuredCosignatures(note: string, body: string, keys: readonly (string | VerifierKey)[]): string[] {
  if (keys.length === 0) return [];
  return body
    .split('\n')
    .filter((line) => line.startsWith('\u2014 '))
    .filter((line) => {
      try {
        return checkSigners(`${note}${line}\n`, keys).some((c) => c.status === 'signed');
      } catch {
        return false;
      }
    });
}

async function pushOne(
  ports: WitnessPushPorts,
  contract: string,
  note: string,
  url: string,
): Promise<{ lines: string[] } | { why: string; refusal: Refusal } | { older: number }> {
  const cp = parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1));
  const known = `${url} ${cp.origin}`;
  let old = ports.knownSizes.get(known) ?? 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    // A checkpoint older than the witness holds (an entry proof at an earlier size) is not news to it
    // (but the witness refused it as a rollback, and says so in its state: the answer is kept).
    if (old > cp.size) return { older: old };
    const proof = old === 0 || old === cp.size ? [] : await ports.consistencyProof(contract, old, cp.size);
    const answer = await ports.client.addCheckpoint(url, formatAddCheckpoint({ oldSize: old, proof, note }));
    if (answer.status === 200) {
      ports.knownSizes.set(known, cp.size);
      const lines = configuredCosignatures(note, answer.body, ports.witnessKeys);
      return lines.length > 0
        ? { lines }
        : { why: 'no cosignature by a configured witness key', refusal: { kind: 'other', status: 200 } };
    }
    const size = SIZE_BODY.exec(answer.body);
    if (answer.status !== 409 || !answer.contentType.startsWith(TLOG_SIZE_CONTENT_TYPE) || size === null) {
      const kind = answer.status === 409 || answer.status === 422 ? 'fork' : 'other';
      return { why: `status ${answer.status}`, refusal: { kind, status: answer.status } };
    }
    old = Number(size[1]);
    ports.knownSizes.set(known, old);
  }
  return { why: 'status 409 twice', refusal: { kind: 'other', status: 409, witnessSize: old } };
}

/** A refusal's kind, status and the witness's size, as pushOne saw it. */
interface Refusal {
  readonly kind: 'rollback' | 'fork' | 'other';
  readonly status: number;
  readonly witnessSize?: number;
}

/**
 * Pushes the signed checkpoint `note` of `contract` to every witness, at
 * once, and stores the configured witnesses' cosignatures on it.
 */
export async function pushCheckpoint(
  ports: WitnessPushPorts,
  contract: string,
  note: string,
): Promise<WitnessPushResult> {
  const cosigned: string[] = [];
  const failed: { url: string; why: string }[] = [];
  const answers: WitnessAnswer[] = [];
  const lines: string[] = [];
  const cpSize = parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)).size;
  await Promise.all(
    ports.urls.map(async (url) => {
      try {
        const r = await pushOne(ports, contract, note, url);
        if ('why' in r) {
          failed.push({ url, why: r.why });
          answers.push({ url, outcome: 'refused', size: cpSize, ...r.refusal, why: r.why });
        } else if ('lines' in r) {
          cosigned.push(url);
          lines.push(...r.lines);
          const witnesses = r.lines.map((l) => l.slice(2).split(' ')[0] as string);
          answers.push({ url, outcome: 'cosigned', size: cpSize, witnesses });
        } else {
          const why = `the witness holds size ${r.older}, above the checkpoint's ${cpSize}`;
          answers.push({
            url,
            outcome: 'refused',
            kind: 'rollback',
            status: 409,
            size: cpSize,
            witnessSize: r.older,
            why,
          });
        }
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        failed.push({ url, why });
        answers.push({ url, outcome: 'refused', kind: 'other', size: cpSize, why });
      }
    }),
  );
  if (lines.length === 0) return { note, cosigned, failed, answers };
  const stored = await ports.addCosignature(contract, cpSize, `${note}${lines.map((l) => `${l}\n`).join('')}`);
  return { note: stored, cosigned, failed, answers };
}
