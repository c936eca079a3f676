/**
 * intake: reading what an operator submits. Strict JSON and CSV parsing of a
 * batch, with problems named by line, record and field, and the keyed
 * pseudonyms that replace participant references before anything is stored.
 */
export * from './parse.ts';
export * from './pseudonym.ts';
