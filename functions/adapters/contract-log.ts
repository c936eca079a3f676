import type { Intent } from '#ledger';
import type { AppendedEntry, AppendOptions, ContractLog } from '#services';
import type { DynamoLedger } from './dynamo-ledger.ts';

/** The contract use cases' view of a DynamoDB log (an expected size becomes HEAD's condition). */
export class DynamoContractLog implements ContractLog {
  readonly #log: DynamoLedger;

  constructor(log: DynamoLedger) {
    this.#log = log;
  }

  async size(contract: string): Promise<number> {
    return (await this.#log.head(contract)).size;
  }

  rootAt(contract: string, size: number): Promise<Uint8Array> {
    return this.#log.rootAt(contract, size);
  }

  async *entries(contract: string, from: number, to: number): AsyncIterable<Uint8Array> {
    for await (const { bytes } of this.#log.entries(contract, from, to)) yield bytes;
  }

  async append(
    contract: string,
    idempotencyKey: string,
    intent: Intent,
    options: AppendOptions = {},
  ): Promise<AppendedEntry> {
    const { expectedSize } = options;
    const receipt = await this.#log.append({
      contract,
      idempotencyKey,
      intent,
      ...(expectedSize === undefined ? {} : { expectedSize }),
    });
    return { seq: receipt.seq, entryHash: receipt.entryHash, treeSize: receipt.treeSize, replayed: receipt.replayed };
  }
}
