/**
 * services: the application layer. Each use case as a function over ports
 * (the log, the object store, the evidence store, the signer): register a
 * contract, publish a comparison figure, enrol a party key, ingest a batch (whole or streamed),
 * run and record an evaluation, take a payment step, issue a report; the
 * ports they share and the verified reading of a log. (log-writer.ts, the
 * append-once the use cases share, stays inside.)
 */
export * from './byte-pipe.ts';
export * from './contracts.ts';
export * from './evaluation-run.ts';
export * from './evaluations.ts';
export * from './evidence-due.ts';
export * from './ingest.ts';
export * from './ingest-stream.ts';
export * from './log-reader.ts';
export * from './party-keys.ts';
export * from './payment-order.ts';
export * from './payment-summary.ts';
export * from './payments.ts';
export * from './ports.ts';
export * from './reports.ts';
