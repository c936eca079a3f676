/**
 * sib keys show: the log's verifier key, which anyone needs to check our
 * signed checkpoints (e.g. with Go's golang.org/x/mod/sumdb/note); each
 * contract's log signs with it under the name of its origin (--contract).
 * sib keys witness: a witness's key (e.g. the independent evaluator's), with
 * which it cosigns checkpoints (`sib evaluator cosign`); its verifier key is
 * a C2SP tlog-cosignature/v1 key (type 0x04).
 * sib keys party: a deciding party's key (party-keys.ts).
 */
import type { Command } from 'commander';
import type { Signer } from '#kernel';
import { toBase64, toHex, ValidationError } from '#kernel';
import { ALG_COSIGNATURE_V1, cosignerKey, isValidKeyName, keyId, logSigner, verifierKey } from '#ledger';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { runAction } from '../errors.ts';
import { createKeyFile, openKeyFile } from './key-files.ts';
import { registerPartyKeys } from './party-keys.ts';

/** The header line naming the witness in its key file, before the PEM block (RFC 7468 allows text there). */
const NAME_HEADER = 'Witness-Name: ';

/** Now, in whole POSIX seconds: the time a cosignature carries. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface WitnessKey {
  readonly signer: Signer;
  readonly verifierKey: string;
}

/**
 * Loads a witness's Ed25519 private key (PKCS#8 PEM) from `file`. The name is
 * `name`, else the file's `Witness-Name:` header (written by `sib keys
 * witness`). A file group or others could read or write is refused, as for
 * the log's own key.
 */
export async function openWitnessKey(file: string, name?: string): Promise<WitnessKey> {
  const signer = await openKeyFile(file, NAME_HEADER, 'witness', name);
  return { signer, verifierKey: cosignerKey(signer.name, await signer.publicKey()) };
}

/** Creates a new witness key file (mode 0600); refuses to overwrite an existing file. */
export async function createWitnessKey(file: string, name: string): Promise<WitnessKey> {
  if (!isValidKeyName(name)) {
    throw new ValidationError(
      `invalid witness name ${JSON.stringify(name)}: no spaces, no '+', e.g. evaluator.example/witness`,
    );
  }
  await createKeyFile(file, `${NAME_HEADER}${name}\n`);
  return openWitnessKey(file);
}

export function register(program: Command): void {
  const keys = program.command('keys').description("signing keys: the log's, and witnesses' (cosigning checkpoints)");

  keys
    .command('show')
    .description(
      "print the local log's verifier key (<name>+<keyid>+<key>), creating the key on first use; with --contract, the key of that contract's log, named by its checkpoint origin",
    )
    .option('--contract <id>', "the contract whose log's key to print (named <log name>/<contract>)")
    .option('--json', 'print name, key ID, public key, verifier key and key file as JSON')
    .action(
      runAction(async (options: { json?: boolean; contract?: string }) => {
        const base = await LocalSigner.open({ dataDir: dataDir() });
        const signer = options.contract === undefined ? base : logSigner(base, options.contract);
        const publicKey = await signer.publicKey();
        const vkey = verifierKey(signer.name, publicKey);
        // Creating a key is a notable event; say so on stderr so stdout stays just the key.
        if (base.created) console.error(`created a new signing key at ${base.keyFile}`);
        if (options.json) {
          const out = {
            name: signer.name,
            keyId: toHex(keyId(signer.name, publicKey)),
            publicKey: toBase64(publicKey),
            verifierKey: vkey,
            keyFile: base.keyFile,
          };
          console.log(JSON.stringify(out, null, 2));
        } else {
          console.log(vkey);
        }
      }),
    );

  keys
    .command('witness')
    .description("create a witness's Ed25519 key file (e.g. the independent evaluator's) and print its verifier key")
    .requiredOption('--name <name>', 'witness name in signature lines and its verifier key (no spaces, no +)')
    .requiredOption('--file <file>', 'the private key file to create (PEM, mode 0600); an existing file is refused')
    .option('--json', 'print name, key ID, public key, verifier key and key file as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib keys witness --name evaluator.example/witness --file evaluator.pem\n  sib evaluator cosign --contract second-chance-kamchatka --key evaluator.pem\n\nKeep the key file private; give the printed verifier key to whoever verifies (sib ledger verify --witness).',
    )
    .action(
      runAction(async (options: { name: string; file: string; json?: boolean }) => {
        const witness = await createWitnessKey(options.file, options.name);
        const publicKey = await witness.signer.publicKey();
        console.error(`created witness key ${options.file} (mode 0600)`);
        if (options.json) {
          const out = {
            name: witness.signer.name,
            keyId: toHex(keyId(witness.signer.name, publicKey, ALG_COSIGNATURE_V1)),
            publicKey: toBase64(publicKey),
            verifierKey: witness.verifierKey,
            keyFile: options.file,
          };
          console.log(JSON.stringify(out, null, 2));
        } else {
          console.log(witness.verifierKey);
        }
      }),
    );

  registerPartyKeys(keys);
}
