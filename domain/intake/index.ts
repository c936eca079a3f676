/**
 * intake: submitting evidence, the pure parts. Strict JSON and CSV parsing
 * of a batch (UTF-8 checked, problems named by line, record and field), the
 * keyed pseudonyms that replace participant references before anything is
 * stored, the checks of a batch against what the ledger holds, the archived
 * form of a batch and its keys, and how a rejected batch is reported; the
 * header and rows every table shares (CSV here, XLSX in an adapter) and the
 * per-contract fill-in template.
 */
export * from './archive.ts';
export * from './batch-check.ts';
export * from './check-tape.ts';
export * from './csv.ts';
export * from './csv-dialect.ts';
export * from './csv-reader.ts';
export * from './encoding.ts';
export * from './json.ts';
export * from './parse-options.ts';
export * from './pseudonym.ts';
export * from './record-rows.ts';
export * from './rejection.ts';
export * from './template.ts';
export * from './template-labels.ts';
export * from './utf8.ts';
