import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { Signer } from '#kernel';
import { toBase64 } from '#kernel';
import {
  ed25519PublicKeyFromSpki,
  keyId,
  type PartySignature,
  type SignedStatement,
  type SigningRole,
  verifierKey,
} from '#ledger';

/** A party's in-memory Ed25519 key: its verifier key (type 0x01), a Signer, and a synchronous signature of a statement. */
export interface MemoryParty {
  readonly name: string;
  readonly key: string;
  readonly signer: Signer;
  /** The signature an entry stores: the key and the note's signature line over `statement`. */
  sign(statement: string): PartySignature;
  /** The signature a request carries: the key and the whole signed note. */
  signed(statement: string): SignedStatement;
}

export function memoryParty(name: string): MemoryParty {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = ed25519PublicKeyFromSpki(
    new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })),
  );
  const key = verifierKey(name, publicKey);
  const line = (statement: string) => {
    const sig = new Uint8Array(sign(null, Buffer.from(statement, 'utf8'), privateKey));
    const raw = new Uint8Array(4 + sig.byteLength);
    raw.set(keyId(name, publicKey));
    raw.set(sig, 4);
    return `\u2014 ${name} ${toBase64(raw)}`;
  };
  return {
    name,
    key,
    signer: {
      name,
      publicKey: async () => publicKey,
      sign: async (message) => new Uint8Array(sign(null, message, privateKey)),
    },
    sign: (statement) => ({ key, line: line(statement) }),
    signed: (statement) => ({ key, note: `${statement}\n${line(statement)}\n` }),
  };
}

export type Parties = Readonly<Record<SigningRole, MemoryParty>>;

/** One fresh key per signing role. */
export function memoryParties(): Parties {
  return {
    analyst: memoryParty('analyst.test'),
    evaluator: memoryParty('evaluator.test'),
    ministry: memoryParty('ministry.test'),
    treasury: memoryParty('treasury.test'),
  };
}

/** The verifier keys of parties, per role, as a trust policy names them. */
export function partyKeysOf(parties: Parties): Record<SigningRole, string[]> {
  return {
    analyst: [parties.analyst.key],
    evaluator: [parties.evaluator.key],
    ministry: [parties.ministry.key],
    treasury: [parties.treasury.key],
  };
}
