import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Pseudonymizer } from '#intake';
import type { ByteSource, IngestPorts, IngestReceipt, StreamIngestRequest, StreamProgress } from '#services';
import { ingestStream, registerContract, scanBatch } from '#services';
import { LocalPseudonymizer } from '../functions/adapters/local-pseudonym-key.ts';
import type { StackConfig } from '../functions/adapters/storage-layout.ts';
import { localRuntime } from '../infra/local/runtime.ts';
import { benchProfile, TODAY } from './stream-csv.ts';
import { measured, type StreamBenchStep } from './stream-measure.ts';

/**
 * The measured steps of the streaming benchmark, each run in a process of
 * its own: scan (passes 1 and 2 over the file), pipeline (the whole ingest
 * with ports that do no I/O) and e2e (the ingest into DynamoDB Local and
 * s3rver, its archive checked against the receipt).
 */

export type StepName = 'scan' | 'pipeline' | 'e2e';

export interface StepArgs {
  readonly step: StepName;
  readonly file: string;
  readonly records: number;
  /** Data dir for keys (and, for e2e, the stack config). */
  readonly dir: string;
  readonly stack?: StackConfig;
}

/** The batch file and the ingest request of a step, reporting progress to `onProgress`. */
interface StepInput {
  readonly source: ByteSource;
  readonly request: (onProgress: (p: StreamProgress) => void) => StreamIngestRequest;
}

/** One measured step, in this process (run as a child of benchIngestStream, so its peak RSS is its own). */
export async function runStep(args: StepArgs): Promise<StreamBenchStep> {
  const profile = await benchProfile();
  const input: StepInput = {
    source: () => createReadStream(args.file, { highWaterMark: 256 * 1024 }),
    request: (onProgress) => ({
      profile,
      batchId: `${args.step}-1`,
      submitter: { sub: 'bench', role: 'operator' },
      today: TODAY,
      onProgress,
    }),
  };
  if (args.step === 'scan') return scanStep(args, input);
  if (args.step === 'pipeline') return pipelineStep(args, input);
  return endToEndStep(args, input);
}

/** Passes 1 and 2 over the whole file; the generated batch must have no problems. */
async function scanStep(args: StepArgs, { source, request }: StepInput): Promise<StreamBenchStep> {
  const pseudonymizer = await LocalPseudonymizer.open({ dataDir: args.dir });
  return measured(args.records, async (onProgress) => {
    const result = await scanBatch(request(onProgress), source, pseudonymizer);
    if (result.problems.total > 0) {
      throw new Error(`the generated batch has problems: ${JSON.stringify(result.problems.listed.slice(0, 5))}`);
    }
  });
}

/** The whole ingest with ports that do no I/O; every record must reach the store. */
async function pipelineStep(args: StepArgs, { source, request }: StepInput): Promise<StreamBenchStep> {
  const pseudonymizer = await LocalPseudonymizer.open({ dataDir: args.dir });
  const sink = { records: 0, archiveBytes: 0 };
  return measured(args.records, async (onProgress) => {
    const receipt = await ingestStream(request(onProgress), source, noIoPorts(pseudonymizer, sink));
    if (sink.records !== args.records || receipt.recordCount !== args.records) {
      throw new Error('the pipeline lost records');
    }
  });
}

/** The ingest into the stack given; then the archive (a multipart upload at this size) must hash as the receipt says. */
async function endToEndStep(args: StepArgs, { source, request }: StepInput): Promise<StreamBenchStep> {
  const rt = await localRuntime(args.dir, args.stack as StackConfig);
  try {
    // Evidence is taken only for a registered contract (not timed).
    const spec = JSON.parse(
      await readFile(join(import.meta.dirname, '../contracts/second-chance-kamchatka.json'), 'utf8'),
    );
    await registerContract(
      rt.contracts,
      { ...spec, id: (await benchProfile()).id },
      { sub: 'bench', role: 'ministry' },
    );
    let receipt: IngestReceipt | undefined;
    const step = await measured(args.records, async (onProgress) => {
      receipt = await ingestStream(request(onProgress), source, rt.ports);
    });
    if (receipt?.recordCount !== args.records) {
      throw new Error(`ingested ${receipt?.recordCount} records, not ${args.records}`);
    }
    const object = await rt.s3.send(
      new GetObjectCommand({ Bucket: rt.stack.buckets.archive, Key: receipt.archive.key }),
    );
    const hash = createHash('sha256');
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    if (hash.digest('hex') !== receipt.archive.sha256) throw new Error('the archive does not hash as the receipt says');
    return step;
  } finally {
    rt.dynamo.destroy();
    rt.s3.destroy();
  }
}

/** Ports without I/O: an empty ledger and store that count what they are given. */
function noIoPorts(pseudonymizer: Pseudonymizer, sink: { records: number; archiveBytes: number }): IngestPorts {
  return {
    pseudonymizer,
    store: {
      knownState: async () => ({ enrolled: new Set(), eventIds: new Set(), employments: new Map() }),
      writeRecords: async (_contract, _batch, records) => {
        sink.records += records.length;
      },
      withIngestLease: (_contract, work) => work(undefined),
    },
    archive: {
      put: async () => {},
      putStream: async (_key, body) => {
        for await (const chunk of body) sink.archiveBytes += chunk.length;
      },
    },
    ledger: {
      registered: async () => true,
      batchEntry: async () => undefined,
      append: async (_contract, _key, intent) => ({ seq: 0, entryHash: '0'.repeat(64), body: intent.body }),
      checkpoint: async () => '',
    },
  };
}
