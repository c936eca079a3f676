/**
 * sib keys party: a deciding party's Ed25519 key (the analyst's, the
 * independent evaluator's, the ministry's, the treasury's), with which its
 * role commands sign their decisions (`--key FILE`); its verifier key is a
 * plain Ed25519 note key (type 0x01), which trust policies name per role.
 * Also the signing itself: the statement printed, then signed as a C2SP
 * signed note.
 */
import type { Command } from 'commander';
import type { Signer } from '#kernel';
import { toBase64, toHex, ValidationError } from '#kernel';
import { isValidKeyName, keyId, type SignedStatement, signNote, verifierKey } from '#ledger';
import { Exit, runAction } from '../errors.ts';
import { createKeyFile, openKeyFile } from './key-files.ts';

/** The header line naming the party in its key file, before the PEM block. */
const PARTY_HEADER = 'Party-Name: ';

export interface PartyKey {
  readonly signer: Signer;
  readonly verifierKey: string;
}

/** Loads a party key file (mode 0600, named by its `Party-Name:` line). */
export async function openPartyKey(file: string): Promise<PartyKey> {
  const signer = await openKeyFile(file, PARTY_HEADER, 'party').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Exit(1, `cannot read ${file}: no such file`);
    throw error;
  });
  return { signer, verifierKey: verifierKey(signer.name, await signer.publicKey()) };
}

/** Creates a party key file (mode 0600); refuses to overwrite an existing file. */
export async function createPartyKey(file: string, name: string): Promise<PartyKey> {
  if (!isValidKeyName(name)) {
    throw new ValidationError(
      `invalid party name ${JSON.stringify(name)}: no spaces, no '+', e.g. ministry.example/anna`,
    );
  }
  await createKeyFile(file, `${PARTY_HEADER}${name}\n`);
  return openPartyKey(file);
}

/**
 * Signs a decision statement with the party key in `file`: prints (to
 * stderr, so that --json output stays JSON) what the signature covers, and
 * answers the signed note a request carries.
 */
export async function signStatement(file: string, statement: string): Promise<SignedStatement> {
  const party = await openPartyKey(file);
  process.stderr.write(`signing as ${party.verifierKey}:\n${statement.replace(/^/gm, '  ')}`);
  return { key: party.verifierKey, note: await signNote(statement, [party.signer]) };
}

export function registerPartyKeys(keys: Command): void {
  keys
    .command('party')
    .description(
      "create a deciding party's Ed25519 key file (analyst, evaluator, ministry, treasury) and print its verifier key",
    )
    .requiredOption('--name <name>', 'party name in signature lines and its verifier key (no spaces, no +)')
    .requiredOption('--file <file>', 'the private key file to create (PEM, mode 0600); an existing file is refused')
    .option('--json', 'print name, key ID, public key, verifier key and key file as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib keys party --name ministry.example/anna --file ministry.pem\n  sib ministry approve --contract second-chance-kamchatka --payment 13 --key ministry.pem\n\nKeep the key file private; give the printed verifier key to whoever verifies (the trust policy names it for your role).',
    )
    .action(
      runAction(async (options: { name: string; file: string; json?: boolean }) => {
        const party = await createPartyKey(options.file, options.name);
        const publicKey = await party.signer.publicKey();
        console.error(`created party key ${options.file} (mode 0600)`);
        if (options.json) {
          const out = {
            name: party.signer.name,
            keyId: toHex(keyId(party.signer.name, publicKey)),
            publicKey: toBase64(publicKey),
            verifierKey: party.verifierKey,
            keyFile: options.file,
          };
          console.log(JSON.stringify(out, null, 2));
        } else {
          console.log(party.verifierKey);
        }
      }),
    );
}
