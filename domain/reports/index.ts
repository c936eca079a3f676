/**
 * reports: the signed audit report of a payment. Its shape, how it is built
 * and signed from the log and the evaluation result, how anyone verifies it
 * offline (signatures, proofs, every amount recomputed), and the INDIGO export.
 */
export * from './build.ts';
export * from './earlier.ts';
export * from './indigo.ts';
export * from './indigo-schema.ts';
export * from './report-schema.ts';
export * from './summary.ts';
export * from './suppress.ts';
export * from './types.ts';
export * from './verify.ts';
