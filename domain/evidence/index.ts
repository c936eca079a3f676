/**
 * evidence: the evidence model. The vocabulary of evidence records (types,
 * sources, statuses, limits), their schemas and validation, the free-text
 * policy (no personal data), and the participant timelines built from records.
 */
export * from './records.ts';
export * from './timeline.ts';
