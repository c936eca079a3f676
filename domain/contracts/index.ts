/**
 * contracts: what a SIB contract says. The contract spec language (metrics,
 * targets, comparisons, payment rules, caps), its validation and hash, the
 * per-contract evidence profile, and the versions a log registers with the
 * version in force for a period.
 */
export * from './profile.ts';
export * from './shares.ts';
export * from './spec.ts';
export * from './spec-checks.ts';
export * from './spec-schema.ts';
export * from './versions.ts';
