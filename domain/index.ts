/**
 * The public domain API: pure functions a third-party verifier can use
 * without any AWS access (RFC 6962 Merkle proofs, entries, signed checkpoints,
 * log verification).
 */

export * from './bytes.ts';
export * from './canonical.ts';
export * from './entry.ts';
export * from './errors.ts';
export * from './ledger.ts';
export {
  appendLeaf,
  consistencyPlan,
  consistencyProof,
  emptyRoot,
  foldRange,
  inclusionPlan,
  inclusionProof,
  leafHash,
  type NodeId,
  nodeHash,
  rangeNodes,
  rootFromFrontier,
  rootFromLeaves,
  TreeBuilder,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';
export * from './note.ts';
export type * from './ports.ts';
export * from './verify.ts';
