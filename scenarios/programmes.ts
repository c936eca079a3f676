import type { EvaluationResult } from '#evaluation';
import type { EvidenceInput, StoredRecord } from '#evidence';
import { ApiClient } from '../cli/api-client.ts';
import { readSpecFile } from '../cli/commands/contract.ts';
import { issueToken } from '../functions/adapters/local-token.ts';

/**
 * The other two programmes of the seed, Antares A (antares/run.ts) and
 * Qarmet (qarmet/run.ts), run through the HTTP API as their parties: the
 * ministry (commissioner) registers the contract, the operator submits the
 * evidence month by month, the evaluator evaluates each period and reads the
 * ledger back. This module holds what both runs share: the parties' clients
 * and options, those API steps, and reading metrics out of a result.
 * Idempotent: fixed batch ids, and evaluations at the checkpoint right after
 * the evidence (or the previous evaluation), so a second run replays every
 * write.
 */

export const ANTARES_CONTRACT = 'antares-vko-2017';
export const QARMET_CONTRACT = 'qarmet-karaganda-2026';
/** The Qarmet cohort's seed (qarmet/cohort.ts qarmetEvidence). */
export const QARMET_SEED = 2026;

export type Programme = 'antares' | 'qarmet';
export type Say = (line?: string) => void;

/** One API client per role, each with its own subject's token. */
export interface ScenarioClients {
  readonly ministry: ApiClient;
  readonly operator: ApiClient;
  readonly evaluator: ApiClient;
}

/** The subjects acting for each programme's parties (contracts/*.json `parties`). */
export const PROGRAMME_SUBJECTS: Readonly<Record<Programme, Readonly<Record<keyof ScenarioClients, string>>>> = {
  antares: { ministry: 'vko-akimat', operator: 'antares-a', evaluator: 'independent-evaluator' },
  qarmet: {
    ministry: 'karaganda-akimat',
    operator: 'chamber-of-entrepreneurs',
    evaluator: 'interagency-working-group',
  },
};

export interface ProgrammeOptions {
  /** Where to print (default stdout). */
  readonly say?: Say;
  /** The API's base URL and the data dir whose token key signs the tokens (the local gateway): used unless `clients` is given. */
  readonly url?: string;
  readonly dataDir?: string;
  /** Clients for the three roles, instead of issuing tokens. */
  readonly clients?: ScenarioClients;
  /** Another contract id with the same spec (tests): its file contracts/<id>.json (SIB_CONTRACTS_DIR) is registered. */
  readonly contract?: string;
  /** Today's date (default: the earliest time zone's), the last date evidence may carry. */
  readonly today?: string;
}

/** Development tokens of the local gateway for a programme's three subjects, on `contract` only. */
export async function programmeClients(
  programme: Programme,
  options: { url: string; dataDir: string; contract?: string },
): Promise<ScenarioClients> {
  const contract = options.contract ?? (programme === 'antares' ? ANTARES_CONTRACT : QARMET_CONTRACT);
  const subjects = PROGRAMME_SUBJECTS[programme];
  const client = async (role: keyof ScenarioClients) =>
    new ApiClient({
      baseUrl: options.url,
      token: (await issueToken({ dataDir: options.dataDir, sub: subjects[role], role, contracts: [contract] })).token,
    });
  return {
    ministry: await client('ministry'),
    operator: await client('operator'),
    evaluator: await client('evaluator'),
  };
}

/** Where a run prints: stdout, a line at a time. */
export const stdout: Say = (line = '') => {
  process.stdout.write(`${line}\n`);
};

/** The clients given, or development tokens of the local gateway for the programme's subjects. */
export async function clientsOf(
  programme: Programme,
  options: ProgrammeOptions,
  contract: string,
): Promise<ScenarioClients> {
  if (options.clients !== undefined) return options.clients;
  if (options.url === undefined || options.dataDir === undefined) {
    throw new Error('give the API url and the data dir (for the tokens), or clients');
  }
  return programmeClients(programme, { url: options.url, dataDir: options.dataDir, contract });
}

/** `text` with every line indented. */
export const indent = (text: string, by = '  ') => text.replace(/^/gm, by);

// ---- API steps shared by both programmes

interface Appended {
  readonly seq: number;
  readonly replayed: boolean;
}

export interface EvaluationRun {
  readonly sha256: string;
  readonly key: string;
  readonly entry: Appended & { readonly treeSize: number };
  readonly result: EvaluationResult;
}

/** The ministry registers the contract spec (contracts/<id>.json); returns it with its entry. */
export async function registerSpec(
  clients: ScenarioClients,
  contract: string,
  say: Say,
): Promise<{ spec: unknown; seq: number }> {
  const spec = await readSpecFile({ contract });
  const receipt = (
    await clients.ministry.call<{ version: number; seq: number; specHash: string; replayed: boolean }>(
      'registerContract',
      { body: spec },
    )
  ).body;
  say(
    `The ministry registers ${contract} version ${receipt.version} (POST /contracts): seq ${receipt.seq}  contract.registered${receipt.replayed ? '  (already there)' : ''}`,
  );
  return { spec, seq: receipt.seq };
}

/** The operator submits the records month by month (batch `<prefix>-YYYY-MM`); returns the last seq. */
export async function submitMonthly(
  clients: ScenarioClients,
  contract: string,
  records: readonly EvidenceInput[],
  prefix: string,
  say: Say,
): Promise<number> {
  const months = new Map<string, EvidenceInput[]>();
  for (const r of records) {
    const month = r.date.slice(0, 7);
    const list = months.get(month) ?? [];
    list.push(r);
    months.set(month, list);
  }
  say(
    `The operator submits ${new Set(records.map((r) => r.participant)).size} participants' evidence (${records.length} records) in ${months.size} monthly batches (POST /contracts/{contract}/batches):`,
  );
  let last = 0;
  for (const [month, batch] of months) {
    const batchId = `${prefix}-${month}`;
    const receipt = (
      await clients.operator.call<{ seq: number; recordCount: number; replayed: boolean }>('submitBatch', {
        params: { contract },
        body: { batchId, records: batch },
      })
    ).body;
    last = Math.max(last, receipt.seq);
    say(
      `  ${batchId}  ${String(receipt.recordCount).padStart(4)} records  ${batch[0]?.date} .. ${batch.at(-1)?.date}  seq ${receipt.seq}${receipt.replayed ? '  (already there)' : '  accepted'}`,
    );
  }
  return last;
}

/** The evaluator evaluates a period at a checkpoint (recorded in the ledger); returns the run. */
export async function evaluate(
  clients: ScenarioClients,
  contract: string,
  period: string,
  checkpoint: number,
  say: Say,
): Promise<EvaluationRun> {
  const run = (
    await clients.evaluator.call<EvaluationRun>('evaluate', { params: { contract }, body: { period, checkpoint } })
  ).body;
  say(
    `The evaluator evaluates period ${period} at checkpoint ${checkpoint} (POST /contracts/{contract}/evaluations): seq ${run.entry.seq}  evaluation.recorded${run.entry.replayed ? '  (already there)' : ''}`,
  );
  return run;
}

/** Every record of a type in the ledger, page by page (the evaluator: pseudonyms, never references). */
export async function recordsOfType(clients: ScenarioClients, contract: string, type: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = (
      await clients.evaluator.call<{ records: { record: StoredRecord }[]; next?: string }>('queryRecords', {
        params: { contract },
        query: { type, limit: 1000, cursor },
      })
    ).body;
    out.push(...page.records.map((r) => r.record));
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

// ---- Reading a result

export type MetricOf = EvaluationResult['metrics'][number];

/** A metric of the result, which must have it. */
export function metric(result: EvaluationResult, id: string): MetricOf {
  const m = result.metrics.find((x) => x.id === id);
  if (m === undefined) throw new Error(`the evaluation of ${result.contract.id} has no metric ${id}`);
  return m;
}

/** A metric's groups as numbers, by group id. */
export function groupsOf(result: EvaluationResult, id: string): Map<string, number> {
  return new Map((metric(result, id).groups ?? []).map((g) => [g.group, Number(g.value)]));
}

/** How a table's "same?" column says whether two figures agree. */
export const mark = (same: boolean) => (same ? 'yes' : 'NO');
