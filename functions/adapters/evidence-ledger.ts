import type { EntrySchema } from '../../domain/entry.ts';
import type { BatchEntry, BatchRef, EvidenceLedger } from '../../domain/ingest.ts';
import { batchIdempotencyKey } from '../../domain/ingest.ts';
import { publishCheckpoint } from '../../domain/ledger.ts';
import type { Signer } from '../../domain/ports.ts';
import type { CommitCondition, DynamoLedger } from './dynamo-ledger.ts';

/** The ingest use case's view of the contract log: DynamoLedger plus the log's signer. */
export class DynamoEvidenceLedger implements EvidenceLedger {
  readonly #log: DynamoLedger;
  readonly #signer: Signer;

  constructor(log: DynamoLedger, signer: Signer) {
    this.#log = log;
    this.#signer = signer;
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
