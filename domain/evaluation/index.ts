/**
 * evaluation: the formulas. Metrics over timelines, statistics (intervals,
 * tests), comparisons with a published or computed group, what the figures
 * decide (targets, indicators), entitlements per payment rule, caps, money
 * (rounding, allocation), the payment engine, and the canonical evaluation
 * result. The calculator and the offline report verifier both compute with
 * these functions: one source for each formula.
 */
export * from './caps.ts';
export * from './claims.ts';
export * from './comparisons.ts';
export * from './formula.ts';
export * from './metric-values.ts';
export * from './metrics.ts';
export * from './money.ts';
export * from './outcome-keys.ts';
export * from './payment-lines.ts';
export * from './result.ts';
export * from './stats.ts';
export * from './targets.ts';
