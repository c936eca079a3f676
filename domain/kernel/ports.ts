/** Ports: what the domain needs from the world, implemented by adapters in functions/adapters. */

/** Signs with an Ed25519 key (a local key file, or AWS KMS). */
export interface Signer {
  /** Key name as it appears in signed notes and verifier keys. */
  readonly name: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey(): Promise<Uint8Array>;
  /** Pure Ed25519 (RFC 8032) signature over the message: 64 bytes. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface Clock {
  now(): Date;
}
