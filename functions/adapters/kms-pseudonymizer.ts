/**
 * Pseudonymizer backed by an AWS KMS HMAC key (KeySpec HMAC_256, KeyUsage
 * GENERATE_VERIFY_MAC). The master key never leaves KMS: one GenerateMac call
 * per contract derives that contract's key K_c, kept in memory for the life of
 * the object (a Lambda instance), and each reference is then hashed locally
 * under K_c (domain/intake/pseudonym.ts; docs/decisions/0005-pseudonyms.md).
 */
import { GenerateMacCommand, type GenerateMacCommandOutput, KMSClient } from '@aws-sdk/client-kms';
import { ContractKeyPseudonymizer, type ContractKeyPseudonymizerOptions, contractKeyMessage } from '#intake';
import { ValidationError } from '#kernel';

/** A KMS call failed or returned something unusable; `cause` holds the SDK error, if any. */
export class KmsPseudonymizerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsPseudonymizerError';
  }
}

export interface KmsPseudonymizerOptions extends ContractKeyPseudonymizerOptions {
  /** Key ID, key ARN, alias name or alias ARN of an HMAC_256 key. */
  readonly keyId: string;
  readonly client?: KMSClient;
}

export class KmsPseudonymizer extends ContractKeyPseudonymizer {
  readonly keyId: string;

  constructor(options: KmsPseudonymizerOptions) {
    if (options.keyId === '') throw new ValidationError('KMS key id is empty');
    const { keyId } = options;
    const client = options.client ?? new KMSClient({});
    super((contract) => generateContractKey(client, keyId, contract), options);
    this.keyId = keyId;
  }
}

async function generateContractKey(client: KMSClient, keyId: string, contract: string): Promise<Uint8Array> {
  const message = contractKeyMessage(contract);
  let out: GenerateMacCommandOutput;
  try {
    out = await client.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: message }));
  } catch (error) {
    throw new KmsPseudonymizerError(`KMS GenerateMac failed for ${keyId} (contract ${contract}): ${describe(error)}`, {
      cause: error,
    });
  }
  if (out.MacAlgorithm !== undefined && out.MacAlgorithm !== 'HMAC_SHA_256') {
    throw new KmsPseudonymizerError(`KMS GenerateMac for ${keyId} used ${out.MacAlgorithm}, not HMAC_SHA_256`);
  }
  if (out.Mac?.byteLength !== 32) {
    throw new KmsPseudonymizerError(
      `KMS GenerateMac for ${keyId} returned ${out.Mac ? `${out.Mac.byteLength} bytes` : 'no MAC'}, not a 32-byte HMAC-SHA256`,
    );
  }
  return new Uint8Array(out.Mac);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
