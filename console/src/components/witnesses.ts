/**
 * How a checkpoint note stands against the contract's trust policy, checked
 * in the page by the domain's own code (checkSigners, domain/ledger/note.ts,
 * under withWebCrypto): whether the log key's signature verifies, and for
 * each witness key whether the note carries its cosignature and whether that
 * verifies. A tlog-cosignature/v1 line's timestamp (the 8 bytes after the
 * key ID) says when the witness signed.
 */
import { checkSigners, cosignatureTime } from '#ledger';
import { withWebCrypto } from '../crypto/kernel.ts';

export interface WitnessStanding {
  readonly name: string;
  readonly keyId: string;
  readonly key: string;
  /** `signed`: cosigned, and the cosignature verifies; `missing`: no line by this key; `invalid`: a line that does not verify. */
  readonly status: 'signed' | 'missing' | 'invalid';
  /** When it cosigned (POSIX seconds), from its cosignature's timestamp. */
  readonly time?: number;
}

export interface CheckpointStanding {
  /** Whether the log key's signature on the note verifies. */
  readonly logSigned: boolean;
  readonly witnesses: readonly WitnessStanding[];
}

function base64Bytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The note's signature lines: name, key ID (8 hex digits) and the bytes after it. */
export function signatureLines(note: string): { name: string; keyId: string; rest: Uint8Array }[] {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return [];
  return note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l.startsWith('\u2014 '))
    .flatMap((l) => {
      const [name, b64] = l.slice(2).split(' ');
      const bytes = b64 === undefined ? undefined : base64Bytes(b64);
      if (name === undefined || bytes === undefined || bytes.length < 4) return [];
      return [{ name, keyId: hex(bytes.subarray(0, 4)), rest: bytes.subarray(4) }];
    });
}

/** The note checked against the log key and the witness keys (throws if the note or a key is malformed). */
export async function checkpointStanding(
  note: string,
  logKey: string,
  witnessKeys: readonly string[],
): Promise<CheckpointStanding> {
  const [log, witnesses] = await withWebCrypto(() => [checkSigners(note, [logKey]), checkSigners(note, witnessKeys)]);
  const lines = signatureLines(note);
  return {
    logSigned: log?.every((c) => c.status === 'signed') === true,
    witnesses: witnessKeys.map((key) => {
      const [name = key, keyId = ''] = key.split('+');
      const check = witnesses?.find((c) => c.name === name && c.keyId === keyId.toLowerCase());
      const line = lines.find((l) => l.name === name && l.keyId === keyId);
      const time = line === undefined ? undefined : cosignatureTime(line.rest);
      return { name, keyId, key, status: check?.status ?? 'missing', ...(time === undefined ? {} : { time }) };
    }),
  };
}
