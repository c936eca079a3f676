/**
 * The domain's kernel as the console's type checker sees it (console/
 * tsconfig.json maps `#kernel` here): domain/kernel/index.ts with the
 * browser's crypto (kernel.ts) in place of node:crypto's, as console/build.ts
 * bundles it. So `tsc -p console` checks the domain code the console imports
 * against the browser's crypto, and a kernel module missing here fails it.
 */
export * from '../../../domain/kernel/bytes.ts';
export * from '../../../domain/kernel/canonical.ts';
export * from '../../../domain/kernel/days.ts';
export * from '../../../domain/kernel/decimal.ts';
export * from '../../../domain/kernel/errors.ts';
export * from '../../../domain/kernel/ports.ts';
export * from '../../../domain/kernel/words.ts';
export * from './kernel.ts';
