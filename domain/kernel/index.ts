/**
 * kernel: what every context shares and nothing owns. Bytes and hex/base64,
 * canonical JSON (RFC 8785), SHA-256 and Ed25519 (the one module that touches
 * node:crypto), exact decimals, calendar days, the error classes every refusal
 * is thrown as, and the ports for the outside world every context needs (a
 * Signer, a Clock).
 */
export * from './bytes.ts';
export * from './canonical.ts';
export * from './crypto.ts';
export * from './days.ts';
export * from './decimal.ts';
export * from './errors.ts';
export * from './ports.ts';
export * from './words.ts';
