import { batchIdempotencyKey } from '#intake';
import type { Signer } from '#kernel';
import { IntegrityError, NotFoundError, toBase64, toHex } from '#kernel';
import type { EntrySchema, RecordProofDocument } from '#ledger';
import { CONTRACT_REGISTERED_KIND, inclusionProof, publishCheckpoint, rootFromLeaves } from '#ledger';
import type { BatchEntry, BatchRef, EvidenceLedger } from '#services';
import type { DynamoEvidenceStore } from './dynamo-evidence.ts';
import type { CommitCondition, DynamoLedger } from './dynamo-ledger.ts';

/** The ingest use case's view of the contract log: DynamoLedger plus the log's signer. */
export class DynamoEvidenceLedger implements EvidenceLedger {
  readonly #log: DynamoLedger;
  readonly #signer: Signer;

  constructor(log: DynamoLedger, signer: Signer) {
    this.#log = log;
    this.#signer = signer;
  }

  async registered(contract: string): Promise<boolean> {
    let first: Uint8Array;
    try {
      first = await this.#log.entry(contract, 0);
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
    return (JSON.parse(new TextDecoder().decode(first)) as { kind?: unknown }).kind === CONTRACT_REGISTERED_KIND;
  }

  async batchEntry(contract: string, batchId: string): Promise<BatchEntry | undefined> {
    const receipt = await this.#log.receipt(contract, batchIdempotencyKey(batchId));
    if (!receipt) return undefined;
    const entry = JSON.parse(new TextDecoder().decode(await this.#log.entry(contract, receipt.seq))) as ReturnType<
      typeof EntrySchema.parse
    >;
    return { seq: receipt.seq, entryHash: receipt.entryHash, body: entry.body as Record<string, unknown> };
  }

  /** Whether a batch is committed with exactly this content (what readers of records check). */
  async committed(contract: string, batch: BatchRef): Promise<boolean> {
    const entry = await this.batchEntry(contract, batch.batchId);
    return (entry?.body.archive as { sha256?: string } | undefined)?.sha256 === batch.contentHash;
  }

  async append(
    contract: string,
    idempotencyKey: string,
    intent: Parameters<EvidenceLedger['append']>[2],
    fence: unknown,
  ): Promise<BatchEntry> {
    const receipt = await this.#log.append({
      contract,
      idempotencyKey,
      intent,
      conditions: (fence ?? []) as CommitCondition[],
    });
    return { seq: receipt.seq, entryHash: receipt.entryHash, body: intent.body };
  }

  checkpoint(contract: string, size: number): Promise<string> {
    return publishCheckpoint(this.#log, this.#signer, contract, size);
  }
}

/**
 * The lower level of a record proof (`sib operator record-proof`, GET
 * .../records/{eventId}/proof): the committed record, proved into its
 * batch's records root, which is checked against the batch's entry. `seq`
 * is that entry's, for the upper level (the entry into the checkpoint).
 */
export async function recordInBatch(
  store: DynamoEvidenceStore,
  ledger: DynamoEvidenceLedger,
  contract: string,
  eventId: string,
): Promise<{ seq: number } & Pick<RecordProofDocument, 'eventId' | 'record' | 'batch'>> {
  const found = await store.byEvent(contract, eventId);
  if (!found) throw new NotFoundError(`no committed record with event id ${eventId} in ${contract}`);
  const batch = await ledger.batchEntry(contract, found.batchId);
  if (!batch) throw new NotFoundError(`batch ${found.batchId} has no entry in the log of ${contract}`);
  const records = await store.byBatch(contract, found.batchId);
  const leaves = records.map((r) => new TextEncoder().encode(r.text));
  const recordsRoot = toHex(rootFromLeaves(leaves));
  if (recordsRoot !== batch.body.recordsRoot || records.length !== batch.body.recordCount) {
    throw new IntegrityError(`the stored records of batch ${found.batchId} do not match its entry's records root`);
  }
  return {
    seq: batch.seq,
    eventId,
    record: found.text,
    batch: {
      batchId: found.batchId,
      index: found.index,
      count: records.length,
      recordsRoot,
      proof: inclusionProof(leaves, found.index).map(toBase64),
    },
  };
}
