/**
 * Which of the trust policy's witnesses cosigned a checkpoint note: each
 * signature line (`— <name> base64(keyid || …)`) is matched to a witness
 * verifier key (`<name>+<keyid>+base64`) by name and key ID, and a
 * tlog-cosignature/v1 line's timestamp (the 8 bytes after the key ID) says
 * when the witness signed. Reading only: the signatures themselves are
 * checked by the investor's log watch and by `sib ledger verify`.
 */

export interface WitnessStanding {
  readonly name: string;
  readonly keyId: string;
  readonly key: string;
  readonly cosigned: boolean;
  /** When it cosigned (POSIX seconds), from its cosignature's timestamp. */
  readonly time?: number;
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

/** Each witness key of the policy, and whether (and when) the note carries its cosignature. */
export function witnessStanding(note: string, witnessKeys: readonly string[]): WitnessStanding[] {
  const lines = signatureLines(note);
  return witnessKeys.map((key) => {
    const [name = key, keyId = ''] = key.split('+');
    const line = lines.find((l) => l.name === name && l.keyId === keyId.toLowerCase());
    let time: number | undefined;
    if (line !== undefined && line.rest.length >= 8) {
      const t = new DataView(line.rest.buffer, line.rest.byteOffset, 8).getBigUint64(0);
      time = Number(t);
    }
    return { name, keyId, key, cosigned: line !== undefined, ...(time === undefined ? {} : { time }) };
  });
}
