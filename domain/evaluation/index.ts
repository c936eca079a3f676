/**
 * evaluation: the formulas. Metrics over timelines, statistics (intervals,
 * tests), comparisons with a published or computed group, payment lines, caps
 * and allocation, and the canonical evaluation result. The calculator and the
 * offline report verifier both compute with these functions: one source for
 * each formula.
 */
export * from './comparisons.ts';
export * from './metrics.ts';
export * from './payment-lines.ts';
export * from './result.ts';
export * from './stats.ts';
