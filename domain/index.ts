/**
 * The public API for third-party verifiers: pure functions that check what a
 * sib-ledger log publishes, offline, with no AWS access and none of the
 * ledger's services.
 *
 * - Merkle trees and proofs (RFC 6962): leafHash, rootFromLeaves,
 *   inclusionProof, verifyInclusion, consistencyProof, verifyConsistency.
 * - The log: entries and their hashes, the entry kinds and their body
 *   schemas, signed notes and checkpoints (C2SP) with witness cosignatures,
 *   verifier keys, the log verifier, and the verification of an export
 *   (verifyExportBytes, with VerifyResult and the options it takes).
 * - Audit reports: verifyReport (every signature, every inclusion proof and
 *   every amount of a report, recomputed from the report alone), the
 *   ReportVerification and ReportCheck it returns, and the report's shape
 *   (AuditReport, AuditReportSchema) and signed bytes.
 * - The kernel these rest on: bytes, hex and base64, canonical JSON
 *   (RFC 8785), SHA-256 and Ed25519, exact decimals, days, the error classes.
 *
 * Importing it loads the kernel, ledger, contracts, evidence, evaluation,
 * payments and reports contexts only: nothing of intake (parsing evidence,
 * pseudonyms) or of services (the use cases: ingest, running evaluations).
 */

export * from '#kernel';
export * from '#ledger';
export {
  type AuditReport,
  AuditReportSchema,
  type ProvenEntry,
  REPORT_FORMAT,
  type ReportCheck,
  type ReportGroup,
  type ReportMetric,
  type ReportVerification,
  reportSigningBytes,
  verifyReport,
} from '#reports';
