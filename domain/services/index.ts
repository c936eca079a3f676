/**
 * services: the application layer. Each use case as a function over ports
 * (the log, the object store, the evidence store, the signer): register a
 * contract, publish a comparison figure, ingest a batch (whole or streamed),
 * run and record an evaluation, take a payment step, issue a report.
 */
export * from './byte-pipe.ts';
export * from './contracts.ts';
export * from './evaluation-run.ts';
export * from './ingest.ts';
export * from './ingest-stream.ts';
export * from './payments.ts';
export * from './reports.ts';
