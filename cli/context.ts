/**
 * What the host's own tools (`sib ledger …`, `sib export indigo`, the demo's
 * checks) open on this machine: the running local stack's log store, the
 * log's signer, the adapters over its tables and buckets, and the verifier
 * keys to trust. The roles' use cases do not come here: they go through the
 * HTTP API.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logVerifierKey } from '#ledger';
import { DynamoLedger } from '../functions/adapters/dynamo-ledger.ts';
import { DEFAULT_KEY_FILE, LocalSigner } from '../functions/adapters/local-signer.ts';
import type { StackConfig } from '../functions/adapters/storage-layout.ts';
import type { Runtime } from '../functions/shared/composition.ts';
import { localRuntime } from '../infra/local/runtime.ts';
import { clientConfig, dataDir, loadStackConfig } from '../infra/local/stack.ts';
import { usage } from './errors.ts';

/** What ledger commands work with: the running stack's log store and the log's signer. */
export interface LedgerContext {
  readonly stack: StackConfig;
  readonly store: DynamoLedger;
  readonly signer: LocalSigner;
  close(): void;
}

export function ledgerFor(stack: StackConfig): { store: DynamoLedger; client: DynamoDBClient } {
  const client = new DynamoDBClient(clientConfig(stack));
  const store = new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: stack.tables });
  return { store, client };
}

/** Opens the log store of the running local stack (a clear error if it is not running). */
export async function openLedger(dir = dataDir()): Promise<LedgerContext> {
  const stack = await loadStackConfig(dir);
  const { store, client } = ledgerFor(stack);
  const signer = await LocalSigner.open({ dataDir: dir });
  return { stack, store, signer, close: () => client.destroy() };
}

export interface RuntimeContext extends Runtime {
  close(): void;
}

/** The adapters over the running local stack's tables and buckets, with the local keys. */
export async function openRuntime(dir = dataDir()): Promise<RuntimeContext> {
  const runtime = await localRuntime(dir, loadStackConfig(dir));
  return {
    ...runtime,
    close: () => {
      runtime.dynamo.destroy();
      runtime.s3.destroy();
    },
  };
}

/**
 * The verifier keys to trust: those given, else the local log's key for the
 * log of `contract` (named by its checkpoint origin; never created here);
 * with neither, a usage error.
 */
export async function trustedKeys(
  given: readonly string[],
  contract: string | undefined,
  dir = dataDir(),
): Promise<string[]> {
  if (given.length > 0) return [...given];
  if (!existsSync(join(dir, 'keys', DEFAULT_KEY_FILE))) {
    throw usage(
      `no verifier key: give --key <name+id+key> (the log's key, from \`sib keys show\` where the log runs); no local log key in ${dir}`,
    );
  }
  if (contract === undefined)
    throw usage("give --key <name+id+key>: the log's verifier key (sib keys show --contract C)");
  return [await logVerifierKey(await LocalSigner.open({ dataDir: dir }), contract)];
}
