/**
 * ledger: the verifiable log of one contract. Entries and their hashes, the
 * one list of entry kinds with their body schemas, the RFC 6962 Merkle tree
 * and its proofs, signed notes and checkpoints (C2SP), witness cosignatures,
 * the log verifier, the log operations over the LogStore port, and the
 * verification of an export.
 */
export * from './checkpoint.ts';
export * from './cosignature.ts';
export * from './decisions.ts';
export * from './entry.ts';
export * from './export-parties.ts';
export * from './export-scan.ts';
export * from './export-verify.ts';
export * from './kinds.ts';
export * from './log.ts';
export * from './log-verifier.ts';
export * from './merkle.ts';
export * from './note.ts';
export * from './proof.ts';
export * from './rollback.ts';
export * from './statement.ts';
export * from './trust.ts';
export * from './trust-check.ts';
export * from './verify-result.ts';
export * from './witness.ts';
export * from './witness-push.ts';
