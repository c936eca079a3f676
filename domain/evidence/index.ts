/**
 * evidence: the evidence model. The vocabulary of evidence records (types,
 * sources, statuses, limits, patterns), the free-text policy (no personal
 * data), the record schemas and their validation, and the participant
 * timelines built from records.
 */
export * from './free-text.ts';
export * from './records.ts';
export * from './timeline.ts';
export * from './timeline-consistency.ts';
export * from './vocabulary.ts';
export * from './well-formed.ts';
