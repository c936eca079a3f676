/**
 * The public domain API: pure functions a third-party verifier can use
 * without any AWS access (RFC 6962 Merkle proofs, entries, signed checkpoints,
 * log verification).
 */

export * from '#kernel';
export * from '#ledger';
