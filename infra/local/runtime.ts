/**
 * The handlers' runtime on the local stack: the adapters of
 * functions/shared/composition.ts wired to DynamoDB Local and s3rver (the
 * endpoints and names of <data dir>/stack.json) and to the key files of the
 * data dir (the local signer and pseudonym key), for the local gateway, the
 * local S3 event player, the CLI and the tests. Deployed functions never load
 * this module: composition.ts builds their runtime from the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalPseudonymizer } from '../../functions/adapters/local-pseudonym-key.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { type Runtime, setRuntimeFactory, wireRuntime } from '../../functions/shared/composition.ts';
import { clientConfig, dataDir, loadStackConfig } from './stack.ts';

/** Adapters for the local stack under `dataDir`. */
export async function localRuntime(dataDir: string, stack: StackConfig = loadStackConfig(dataDir)): Promise<Runtime> {
  return wireRuntime(
    stack,
    { dynamo: new DynamoDBClient(clientConfig(stack)), s3: new S3Client(clientConfig(stack, 's3')) },
    {
      signer: await LocalSigner.open({ dataDir }),
      pseudonymizer: await LocalPseudonymizer.open({ dataDir }),
    },
    // s3rver answers a PUT before the object reads back whole; evaluations read results they just wrote.
    { readBack: true },
  );
}

/**
 * Makes the handlers of this process build their runtime on the local stack
 * of SIB_DATA_DIR (else ./.data), as they build it from the environment in
 * AWS: what the local gateway and the local S3 event player do before
 * invoking a handler. A runtime already built or set (tests) is kept.
 */
export function useLocalRuntime(): void {
  setRuntimeFactory((env) => localRuntime(env.SIB_DATA_DIR ? env.SIB_DATA_DIR : dataDir()));
}
