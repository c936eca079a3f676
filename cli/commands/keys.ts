/**
 * sib keys show: the log's verifier key, which anyone needs to check our
 * signed checkpoints (e.g. with Go's golang.org/x/mod/sumdb/note).
 */
import type { Command } from 'commander';
import { toBase64, toHex } from '../../domain/bytes.ts';
import { keyId, verifierKey } from '../../domain/note.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { runAction } from '../errors.ts';

export function register(program: Command): void {
  const keys = program.command('keys').description("the log's signing key");

  keys
    .command('show')
    .description("print the local log's verifier key (<name>+<keyid>+<key>), creating the key on first use")
    .option('--json', 'print name, key ID, public key, verifier key and key file as JSON')
    .action(
      runAction(async (options: { json?: boolean }) => {
        const signer = await LocalSigner.open({ dataDir: dataDir() });
        const publicKey = await signer.publicKey();
        const vkey = verifierKey(signer.name, publicKey);
        // Creating a key is a notable event; say so on stderr so stdout stays just the key.
        if (signer.created) console.error(`created a new signing key at ${signer.keyFile}`);
        if (options.json) {
          const out = {
            name: signer.name,
            keyId: toHex(keyId(signer.name, publicKey)),
            publicKey: toBase64(publicKey),
            verifierKey: vkey,
            keyFile: signer.keyFile,
          };
          console.log(JSON.stringify(out, null, 2));
        } else {
          console.log(vkey);
        }
      }),
    );
}
