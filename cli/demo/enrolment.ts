/**
 * The scenario's first steps through the API: the ministry registers the
 * contract; the operator enrols the synthetic cohort batch by batch, then
 * submits a batch with deliberate mistakes, which must be refused whole.
 */
import type { EvidenceInput } from '#evidence';
import { formatCount } from '#evidence';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { splitIntoBatches } from '../../scenarios/batches.ts';
import { generateCohort } from '../../scenarios/second-chance/cohort.ts';
import { withErrors } from '../../scenarios/second-chance/mistakes.ts';
import { ApiError } from '../api-client.ts';
import { readSpecFile } from '../commands/contract.ts';
import { say } from '../output.ts';
import { problemTable } from '../problems.ts';
import { type Clients, COHORT, cohortBatchId, DEMO_CONTRACT, ERROR_BATCH, olderDataDir } from './cast.ts';

/** The ministry registers the contract spec (POST /contracts); a conflicting older log is named. */
export async function registerContract(clients: Clients): Promise<void> {
  const registered = (
    await clients.ministry
      .call<{ version: number; seq: number; specHash: string; replayed: boolean }>('registerContract', {
        body: await readSpecFile({ contract: DEMO_CONTRACT }),
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 409) throw olderDataDir(error.problem.detail ?? '');
        throw error;
      })
  ).body;
  say(
    `\nThe ministry registers ${DEMO_CONTRACT} version ${registered.version} (POST /contracts, contracts/${DEMO_CONTRACT}.json):` +
      `\n  seq ${registered.seq}  contract.registered  spec hash ${registered.specHash}${registered.replayed ? '  (already there)' : ''}`,
  );
}

interface BatchReceipt {
  readonly seq: number;
  readonly recordCount: number;
  readonly replayed: boolean;
}

/**
 * The operator enrols the synthetic cohort batch by batch (POST
 * /contracts/{contract}/batches), then submits the next batch with
 * deliberate mistakes, which must be rejected (422) with every mistake
 * reported and nothing written.
 */
export async function enrolCohort(clients: Clients): Promise<{ ok: boolean; submitted: EvidenceInput[][] }> {
  const profile = await loadProfile(DEMO_CONTRACT);
  const cohort = generateCohort({ seed: COHORT.seed, participants: COHORT.participants, profile });
  const batches = splitIntoBatches(cohort, COHORT.batches);
  const params = { contract: DEMO_CONTRACT };
  say(
    `\nThe operator enrols a synthetic Second Chance cohort (seed ${COHORT.seed}: ${COHORT.participants} participants, ${formatCount(cohort.length)} records) in ${batches.length} batches (POST /contracts/{contract}/batches):`,
  );
  for (const [i, records] of batches.entries()) {
    const batchId = cohortBatchId(i + 1);
    const receipt = (await clients.operator.call<BatchReceipt>('submitBatch', { params, body: { batchId, records } }))
      .body;
    const span = `${records[0]?.date} .. ${records.at(-1)?.date}`;
    say(
      `  ${batchId}  ${String(receipt.recordCount).padStart(4)} records  ${span}  seq ${receipt.seq}${receipt.replayed ? '  (already there)' : '  accepted'}`,
    );
  }
  const rejectedOk = await submitFaultyBatch(clients, cohortBatchId(batches.length + 1));
  return { ok: rejectedOk, submitted: batches };
}

/** The next participants' batch, with mistakes: refused (422) with every mistake reported, nothing written. */
async function submitFaultyBatch(clients: Clients, batchId: string): Promise<boolean> {
  const profile = await loadProfile(DEMO_CONTRACT);
  const params = { contract: DEMO_CONTRACT };
  const faulty = withErrors(generateCohort({ seed: COHORT.seed, profile, ...ERROR_BATCH }));
  say(
    `\nBatch ${batchId}: the next ${ERROR_BATCH.participants} participants, ${faulty.records.length} records with ${faulty.mistakes.length} deliberate mistakes:`,
  );
  for (const m of faulty.mistakes) say(`  record ${String(m.at).padStart(3)}  ${m.kind.padEnd(20)} ${m.description}`);
  const size = async () => (await clients.operator.call<{ size: number }>('getCheckpoint', { params })).body.size;
  const before = await size();
  let problems: readonly { at?: number | string }[] | undefined;
  try {
    const receipt = await clients.operator.call<BatchReceipt>('submitBatch', {
      params,
      body: { batchId, records: faulty.records },
    });
    say(`  ACCEPTED (seq ${receipt.body.seq}): it should have been rejected`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    problems = error.problem.errors ?? [];
    say(`  Rejected as expected (${error.status}): ${error.problem.detail}`);
    say(problemTable(error.problem.errors ?? [], 'record').replace(/^/gm, '    '));
  }
  const after = await size();
  const missing = await clients.operator
    .call('getBatch', { params: { ...params, batchId } })
    .then(() => false)
    .catch((error: unknown) => error instanceof ApiError && error.status === 404);
  const missed = faulty.mistakes.filter((m) => !problems?.some((p) => p.at === m.at));
  const untouched = after === before && missing;
  if (problems !== undefined) {
    say(
      missed.length === 0
        ? `  Every injected mistake was reported; ${untouched ? `nothing was written (the log still has ${after} entries)` : 'BUT THE LOG CHANGED'}.`
        : `  NOT REPORTED: ${missed.map((m) => `record ${m.at} (${m.kind})`).join(', ')}`,
    );
  }
  return problems !== undefined && missed.length === 0 && untouched;
}
