/**
 * Pushing the log's new checkpoints to its witnesses over HTTP (C2SP
 * tlog-witness add-checkpoint): the witness URLs from SIB_WITNESS_URLS
 * (comma-separated; CDK context `witnessUrls`), a fetch client with a
 * timeout, and the hook the ledger calls once it has stored a new
 * checkpoint. A witness that is down or refuses is logged (URL and status
 * only) and the checkpoint stays published without its cosignature. Each
 * witness's answer is handed to `record` (the runtime remembers it off the
 * log, ledger-witnesses.ts, for `GET /contracts/{contract}/witnesses`); a
 * failure to record is logged too, never thrown.
 */
import { pushCheckpoint, type VerifierKey, type WitnessAnswer, type WitnessClient } from '#ledger';

/** How long one add-checkpoint may take before the witness counts as down. */
const TIMEOUT_MS = 5_000;

/** The witnesses' submission prefixes: SIB_WITNESS_URLS, comma-separated http(s) URLs; a bad one is a deployment fault. */
export function witnessUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const urls = (env.SIB_WITNESS_URLS ?? '')
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter((u) => u !== '');
  for (const url of urls) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {}
    if (!ok) throw new Error(`SIB_WITNESS_URLS: ${JSON.stringify(url)} is not an http(s) URL`);
  }
  return urls;
}

/** add-checkpoint over fetch. */
export const fetchWitnessClient: WitnessClient = {
  async addCheckpoint(url, body) {
    const res = await fetch(`${url}/add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
  },
};

/** What the push needs of the ledger. */
export interface PushLedger {
  consistencyProof(contract: string, oldSize: number, newSize: number): Promise<{ proof: Uint8Array[] }>;
  addCosignature(contract: string, size: number, cosignedNote: string): Promise<string>;
}

export interface WitnessPushOptions {
  readonly urls: readonly string[];
  readonly witnessKeys: readonly (string | VerifierKey)[];
  readonly client?: WitnessClient;
  /** Where a witness that gave no cosignature is reported; default console.warn (JSON). */
  readonly warn?: (message: string, fields: Record<string, unknown>) => void;
  /** Remembers each witness's answer to the push (cosigned, or refused and why). */
  readonly record?: (contract: string, answers: readonly WitnessAnswer[]) => Promise<void>;
}

/**
 * The hook to call with each newly stored checkpoint: pushes it to the
 * witnesses and returns the note as stored afterwards. Never throws.
 */
export function checkpointPusher(
  ledger: () => PushLedger,
  options: WitnessPushOptions,
): (contract: string, size: number, note: string) => Promise<string> {
  const knownSizes = new Map<string, number>();
  const warn =
    options.warn ?? ((message, fields) => console.warn(JSON.stringify({ level: 'WARN', message, ...fields })));
  return async (contract, size, note) => {
    try {
      const result = await pushCheckpoint(
        {
          client: options.client ?? fetchWitnessClient,
          urls: options.urls,
          witnessKeys: options.witnessKeys,
          knownSizes,
          consistencyProof: async (c, from, to) => (await ledger().consistencyProof(c, from, to)).proof,
          addCosignature: (c, s, n) => ledger().addCosignature(c, s, n),
        },
        contract,
        note,
      );
      for (const f of result.failed)
        warn('witness gave no cosignature', { contract, size, witness: f.url, why: f.why });
      if (options.record !== undefined) {
        await options.record(contract, result.answers).catch((error: unknown) =>
          warn('witness answers not recorded', {
            contract,
            size,
            why: error instanceof Error ? error.message : String(error),
          }),
        );
      }
      return result.note;
    } catch (error) {
      warn('witness push failed', { contract, size, why: error instanceof Error ? error.message : String(error) });
      return note;
    }
  };
}
