/**
 * The domain as the web console bundles it, for the browser kernel's tests:
 * verifyReport, signNote and openNote with console/build.ts's plugin putting
 * the browser's WebCrypto kernel (console/src/crypto/kernel.ts) in place of
 * node:crypto's, plus withWebCrypto and webCryptoSigner from that same
 * bundle (one memo). One ESM text, to import in Node or serve to a browser.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { openNote, signNote } from '#ledger';
import type { verifyReport } from '#reports';
import { browserKernel } from '../../console/build.ts';
import type { withWebCrypto } from '../../console/src/crypto/kernel.ts';
import type { webCryptoSigner } from '../../console/src/crypto/signer.ts';

/** What the bundle exports. */
export interface BrowserDomain {
  verifyReport: typeof verifyReport;
  signNote: typeof signNote;
  openNote: typeof openNote;
  withWebCrypto: typeof withWebCrypto;
  webCryptoSigner: typeof webCryptoSigner;
}

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The bundle's text. `hideBuffer` makes Node's Buffer invisible to the
 * bundled code, so running it in Node takes the paths a browser takes.
 */
export async function browserDomainBundle(options: { hideBuffer?: boolean } = {}): Promise<string> {
  const out = await build({
    stdin: {
      contents: [
        "export { verifyReport } from '#reports';",
        "export { signNote, openNote } from '#ledger';",
        "export { withWebCrypto } from './console/src/crypto/kernel.ts';",
        "export { webCryptoSigner } from './console/src/crypto/signer.ts';",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox128', 'safari17'],
    write: false,
    ...(options.hideBuffer === true ? { define: { 'globalThis.Buffer': 'undefined' } } : {}),
    plugins: [browserKernel],
    logLevel: 'silent',
  });
  const text = out.outputFiles[0]?.text;
  if (text === undefined) throw new Error('browser domain bundle: no output');
  return text;
}
