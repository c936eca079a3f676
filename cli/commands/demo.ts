import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type EvaluationResult, formatMoney } from '#evaluation';
import { EVIDENCE_TYPES, type EvidenceInput, formatCount, type StoredRecord } from '#evidence';
import type { Signer } from '#kernel';
import { IntegrityError } from '#kernel';
import {
  checkEntryProof,
  cosignNote,
  type EntryProofDocument,
  verifierKey,
  verifyExportBytes,
  verifyStoredLog,
} from '#ledger';
import { verifyReport } from '#reports';
import { computeEvaluation, contractVersions } from '#services';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { announceGateway, startGateway } from '../../infra/local/gateway.ts';
import { dataDir, stackDown, stackUp } from '../../infra/local/stack.ts';
import { runAntares } from '../../scenarios/antares/run.ts';
import { splitIntoBatches } from '../../scenarios/batches.ts';
import { ANTARES_CONTRACT, QARMET_CONTRACT } from '../../scenarios/programmes.ts';
import { runQarmet } from '../../scenarios/qarmet/run.ts';
import { generateCohort } from '../../scenarios/second-chance/cohort.ts';
import { withErrors } from '../../scenarios/second-chance/mistakes.ts';
import { BASELINE_RATES } from '../../scenarios/second-chance/population.ts';
import { type CohortSummary, summariseCohort } from '../../scenarios/second-chance/summary.ts';
import { ApiClient, ApiError } from '../api-client.ts';
import { ledgerFor } from '../context.ts';
import { runAction } from '../errors.ts';
import { renderEvaluation } from '../evaluation-view.ts';
import { type EvidenceContext, loadProfile, openEvidence } from '../evidence-context.ts';
import { readSpecFile } from './contract.ts';
import { problemTable } from './evidence.ts';
import { createWitnessKey, openWitnessKey } from './keys.ts';
import { envPort } from './stack.ts';

export const DEMO_CONTRACT = 'second-chance-kamchatka';

/**
 * The main job's scenario, through the HTTP API (the local gateway serving
 * the same handlers as API Gateway in AWS) as the four roles, each subject
 * with its own token: the ministry registers the Second Chance contract; the
 * operator enrols a synthetic cohort batch by batch and submits a batch with
 * mistakes, which is rejected with its problem table; for each period the
 * evaluator evaluates and attests, the ministry approves (an audit report is
 * issued) and records the payment; the evaluator cosigns the checkpoint as a
 * witness; the investor downloads the final report and verifies it offline;
 * the log is verified. All idempotent, so re-runs add nothing.
 */
const MINISTRY = { sub: 'minlabour-kamchatka', role: 'ministry' as const };
/** Separation of duties: who calculates, attests, approves and records the payment are four subjects. */
const ANALYST = { sub: 'evaluator-analyst', role: 'evaluator' as const };
const EVALUATOR = { sub: 'independent-evaluator', role: 'evaluator' as const };
const TREASURY = { sub: 'minfin-kamchatka-treasury', role: 'ministry' as const };
const INVESTOR = { sub: 'veb-dv-investor', role: 'investor' as const };

/**
 * The synthetic Second Chance cohort (scenarios/second-chance/): a fixed
 * seed and fixed batch ids, so a second run replays every batch. Then the
 * next participants' batch, with deliberate mistakes: rejected every run.
 */
const COHORT = { seed: 2023, participants: 300, batches: 5 } as const;
const ERROR_BATCH = { participants: 20, firstParticipant: COHORT.participants + 1 } as const;
const cohortBatchId = (n: number) => `sc-cohort-${COHORT.seed}-${n}`;
const OPERATOR = { sub: 'veb-rf-operator', role: 'operator' as const };

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** The tokens of the scenario's subjects (development tokens of the local gateway), one API client each. */
interface Clients {
  readonly ministry: ApiClient;
  readonly treasury: ApiClient;
  readonly operator: ApiClient;
  readonly analyst: ApiClient;
  readonly evaluator: ApiClient;
  readonly investor: ApiClient;
}

async function clientsFor(dir: string, url: string): Promise<Clients> {
  const client = async (who: { sub: string; role: 'operator' | 'ministry' | 'investor' | 'evaluator' }) =>
    new ApiClient({
      baseUrl: url,
      token: (await issueToken({ dataDir: dir, sub: who.sub, role: who.role, contracts: [DEMO_CONTRACT] })).token,
    });
  return {
    ministry: await client(MINISTRY),
    treasury: await client(TREASURY),
    operator: await client(OPERATOR),
    analyst: await client(ANALYST),
    evaluator: await client(EVALUATOR),
    investor: await client(INVESTOR),
  };
}

async function runDemo(options: { serve: boolean; scenario: string }): Promise<boolean> {
  const dir = dataDir();
  const dynamoPort = envPort('SIB_DYNAMO_PORT');
  const s3Port = envPort('SIB_S3_PORT');
  const apiPort = envPort('SIB_API_PORT');
  const up = await stackUp({
    dataDir: dir,
    ...(dynamoPort === undefined ? {} : { dynamoPort }),
    ...(s3Port === undefined ? {} : { s3Port }),
  });
  const startedHere = up.status === 'started';
  for (const m of up.messages) say(m);
  process.env.SIB_DATA_DIR ??= dir;
  const { store, client } = ledgerFor(up.stack);
  let evidence: EvidenceContext | undefined;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  let ok = false;
  try {
    evidence = await openEvidence(dir, up.stack);
    // A log whose HEAD an older version kept elsewhere cannot be continued: say so before anything runs.
    for (const contract of [DEMO_CONTRACT, ANTARES_CONTRACT, QARMET_CONTRACT]) {
      await store.head(contract).catch((error: unknown) => {
        throw error instanceof IntegrityError ? olderDataDir(error.message) : error;
      });
    }
    const signer = await LocalSigner.open({ dataDir: dir });
    const key = verifierKey(signer.name, await signer.publicKey());
    // The evaluator's witness key: reports name the witnesses whose keys the API knows (SIB_WITNESS_KEYS).
    const witness = await witnessKey(dir);
    process.env.SIB_WITNESS_KEYS = witness.verifierKey;
    // The handlers run in this process: their JSON logs and metrics would drown the scenario's story.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    gateway = await startGateway({ dataDir: dir, port: apiPort ?? 0 });
    say(`\nThe HTTP API is up at ${gateway.url} (OpenAPI: ${gateway.url}/openapi.json); log key (verifier): ${key}`);
    const clients = await clientsFor(dir, gateway.url);

    if (options.scenario === 'antares' || options.scenario === 'qarmet') {
      ok = await runProgramme(options.scenario, dir, gateway.url);
    } else {
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

      const cohort = await enrolCohort(clients);
      const periods = await runPeriods(evidence, clients);
      const last = periods.payments.at(-1);
      const reported = last === undefined ? false : await auditReport(clients, dir, last, key, witness);

      const checkpoint = (
        await clients.investor.call<{ note: string }>('getCheckpoint', { params: { contract: DEMO_CONTRACT } })
      ).body;
      say('\nSigned checkpoint (C2SP signed note, GET /contracts/{contract}/checkpoint):');
      say(checkpoint.note.trimEnd().replace(/^/gm, '  '));

      const stored = await verifyStoredLog(store, DEMO_CONTRACT, [key]);
      say(
        `\nVerify as stored in DynamoDB: ${stored.ok ? `OK, ${stored.entries} entries` : `FAILED: ${stored.failure?.message}`}`,
      );

      const exportDir = join(dir, 'exports');
      await mkdir(exportDir, { recursive: true });
      const exportFile = join(exportDir, `${DEMO_CONTRACT}.jsonl`);
      const text = (await clients.investor.call<string>('exportLog', { params: { contract: DEMO_CONTRACT } })).text;
      await writeFile(exportFile, text);
      const offline = await verifyExportBytes(new TextEncoder().encode(text), [key]);
      say(
        `Verify the export offline (GET /contracts/{contract}/export -> ${exportFile}): ${offline.ok ? 'OK' : `FAILED: ${offline.failure?.message}`}`,
      );

      const seq = 1;
      const proof = (
        await clients.investor.call<EntryProofDocument>('getEntryProof', { params: { contract: DEMO_CONTRACT, seq } })
      ).body;
      const problem = checkEntryProof(proof, [key]);
      const included = problem === undefined;
      say(
        `\nInclusion proof of seq ${seq} in the tree of size ${proof.size}: ${included ? 'verifies' : `DOES NOT VERIFY (${problem})`}`,
      );
      say(`  leaf hash ${proof.leafHash}`);
      for (const [i, h] of proof.proof.entries()) say(`  path[${i}]   ${h}`);
      say(`  root      ${proof.root}`);

      const summaryOk = await printSummary(clients, cohort.submitted);

      ok = stored.ok && offline.ok && included && cohort.ok && summaryOk && periods.ok && reported;
      say(`\n${ok ? 'Everything verified.' : 'VERIFICATION FAILED.'}`);
      say(
        `Try: npx sib ledger verify --contract ${DEMO_CONTRACT}    npx sib report verify ${join(dir, 'reports')}/<file>.json`,
      );
    }

    if (options.serve) {
      const unannounce = await announceGateway(dir, gateway.url);
      say(
        `\nThe HTTP API is serving at ${gateway.url} (OpenAPI ${gateway.url}/openapi.json; tokens: npx sib login --as <role> --contract ${DEMO_CONTRACT}). Press Ctrl-C to stop.`,
      );
      // A signal listener alone does not keep Node running: a timer does, until the signal.
      const keepAlive = setInterval(() => {}, 60_000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(keepAlive);
      // npm forwards the terminal's Ctrl-C too: let a second signal not cut the shutdown short.
      process.on('SIGINT', () => {});
      process.on('SIGTERM', () => {});
      await unannounce();
      say('');
    }
  } finally {
    await gateway?.close();
    evidence?.close();
    client.destroy();
    if (startedHere) for (const m of (await stackDown(dir)).messages) say(m);
  }
  return ok;
}

/** The evaluator's witness key file under the data dir, created on first use. */
async function witnessKey(dir: string) {
  const file = join(dir, 'keys', 'witness-evaluator.pem');
  return existsSync(file) ? openWitnessKey(file) : createWitnessKey(file, 'evaluator.kamchatka.example');
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
async function enrolCohort(clients: Clients): Promise<{ ok: boolean; submitted: EvidenceInput[][] }> {
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

  // The next participants' batch, with mistakes.
  const next = generateCohort({ seed: COHORT.seed, profile, ...ERROR_BATCH });
  const faulty = withErrors(next);
  const batchId = cohortBatchId(batches.length + 1);
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
  const rejectedOk = problems !== undefined && missed.length === 0 && untouched;
  if (problems !== undefined) {
    say(
      missed.length === 0
        ? `  Every injected mistake was reported; ${untouched ? `nothing was written (the log still has ${after} entries)` : 'BUT THE LOG CHANGED'}.`
        : `  NOT REPORTED: ${missed.map((m) => `record ${m.at} (${m.kind})`).join(', ')}`,
    );
  }
  return { ok: rejectedOk, submitted: batches };
}

interface StepReceipt {
  readonly seq: number;
  readonly replayed: boolean;
}

/**
 * Each period in order, through the API: the evaluator's analyst evaluates
 * it at the checkpoint right after the previous step (so a re-run finds the
 * same evaluation recorded), the independent evaluator attests, the ministry
 * approves (its audit report is issued), and the treasury records the
 * payment order. The evaluator recomputes each result from the log on its
 * own (in-process) and compares the bytes.
 */
async function runPeriods(
  evidence: EvidenceContext,
  clients: Clients,
): Promise<{ ok: boolean; payments: { period: string; seq: number }[] }> {
  const versions = await contractVersions(evidence.contracts, DEMO_CONTRACT);
  const spec = versions.at(-1)?.spec;
  if (spec === undefined) return { ok: false, payments: [] };
  const params = { contract: DEMO_CONTRACT };
  await checkScenarioLog(clients);
  // The evaluator publishes the comparison group's figure: re-offending among released prisoners of the region
  // outside the programme (illustrative), which the reoffending comparison reads.
  const published = (
    await clients.evaluator.call<StepReceipt>('publishComparison', {
      params,
      body: {
        comparison: 'reoffending-vs-comparison-group',
        group: 'all',
        value: '0.25',
        denominator: 412,
        note: 'released prisoners of the region outside the programme, same release months (illustrative)',
      },
    })
  ).body;
  say(
    `\nThe evaluator publishes the comparison group's re-offending rate, 25.0% of 412 (POST /contracts/{contract}/comparisons): seq ${published.seq}  comparison.published${published.replayed ? '  (already there)' : ''}`,
  );
  // The log after the registration, the cohort's batches and the comparison figure.
  let checkpoint = published.seq + 1;
  let paid = 0n;
  let ok = true;
  const payments: { period: string; seq: number }[] = [];
  const step = (what: string, r: StepReceipt, by: string) =>
    say(`  seq ${r.seq}  ${what.padEnd(17)} by ${by}${r.replayed ? '  (already there)' : ''}`);
  for (const period of spec.periods) {
    const run = (
      await clients.analyst.call<{ sha256: string; key: string; entry: StepReceipt; result: EvaluationResult }>(
        'evaluate',
        { params, body: { period: period.id, checkpoint } },
      )
    ).body;
    say(
      `\nThe evaluator evaluates period ${period.id} at checkpoint ${checkpoint}: seq ${run.entry.seq}  evaluation.recorded${run.entry.replayed ? '  (already there)' : ''}`,
    );
    say(renderEvaluation(run.result, { key: run.key, sha256: run.sha256 }, { groups: false }).replace(/^/gm, '  '));
    // Recomputed from scratch, the same checkpoint must give the same bytes.
    const again = await computeEvaluation(evidence.contracts, {
      contract: DEMO_CONTRACT,
      period: period.id,
      checkpoint,
    });
    if (again.sha256 !== run.sha256) {
      ok = false;
      say(`  RECOMPUTATION DIFFERS: ${again.sha256}`);
    }
    const payment = { ...params, payment: String(run.entry.seq) };
    const total = BigInt(run.result.payments.total);
    say(`\nPayment ${run.entry.seq} (${period.id}, ${formatMoney(total, spec.minorUnit)} ${spec.currency}):`);
    const attested = (await clients.evaluator.call<StepReceipt>('attestPayment', { params: payment })).body;
    step('payment.attested', attested, EVALUATOR.sub);
    const approved = (
      await clients.ministry.call<{ receipt: StepReceipt; report: { issued: boolean; sha256?: string } }>(
        'approvePayment',
        { params: payment, body: { lang: 'ru' } },
      )
    ).body;
    step('payment.approved', approved.receipt, MINISTRY.sub);
    let last = approved.receipt.seq;
    if (total > 0n) {
      const order = `PP-${period.paymentDate.slice(0, 4)}-${String(run.entry.seq).padStart(6, '0')}`;
      const marked = (
        await clients.treasury.call<StepReceipt>('markPaid', {
          params: payment,
          body: { paymentOrder: order, paidOn: period.paymentDate },
        })
      ).body;
      step('payment.paid', marked, `${TREASURY.sub} (order ${order}, ${period.paymentDate})`);
      last = marked.seq;
    }
    paid += total;
    payments.push({ period: period.id, seq: run.entry.seq });
    checkpoint = last + 1;
  }
  say(
    `\nPaid over the term: ${formatMoney(paid, spec.minorUnit)} ${spec.currency}, every payment attested and approved`,
  );
  return { ok, payments };
}

/**
 * A data dir kept from an older version of this scenario (or of sib-ledger)
 * holds a log of another shape (entries in other places), which this run cannot continue:
 * say so plainly instead of failing on a refused step.
 */
function olderDataDir(why: string): Error {
  return new Error(
    `the data dir holds a ${DEMO_CONTRACT} log written by an older version of this scenario (${why}): delete the data dir (${dataDir()}) or set SIB_DATA_DIR to a new one, and run again`,
  );
}

async function checkScenarioLog(clients: Clients): Promise<void> {
  const params = { contract: DEMO_CONTRACT };
  const size = (await clients.investor.call<{ size: number }>('getCheckpoint', { params })).body.size;
  const at = 1 + COHORT.batches;
  if (size <= at) return;
  const proof = (await clients.investor.call<{ entry: string }>('getEntryProof', { params: { ...params, seq: at } }))
    .body;
  if ((JSON.parse(proof.entry) as { kind?: string }).kind !== 'comparison.published') {
    throw olderDataDir(`entry ${at} is not the comparison figure`);
  }
}

/**
 * The investor's side: the evaluator cosigns the log's checkpoint as a
 * witness (its own key, POST .../checkpoint/cosignatures), the audit report
 * of the final payment is issued at the cosigned checkpoint, and the
 * investor downloads it through presigned URLs and verifies it offline:
 * signatures, proofs and every amount recomputed.
 */
async function auditReport(
  clients: Clients,
  dir: string,
  payment: { period: string; seq: number },
  logKey: string,
  witness: { signer: Signer; verifierKey: string },
): Promise<boolean> {
  const params = { contract: DEMO_CONTRACT };
  const checkpoint = (await clients.evaluator.call<{ note: string; size: number }>('getCheckpoint', { params })).body;
  const cosigned = (
    await clients.evaluator.call<{ added: boolean; size: number }>('cosignCheckpoint', {
      params,
      body: { note: await cosignNote(checkpoint.note, logKey, witness.signer), witnessKey: witness.verifierKey },
    })
  ).body;
  say(
    `\nThe evaluator cosigns the checkpoint of size ${cosigned.size} as a witness (${witness.verifierKey})${cosigned.added ? '' : '  (already cosigned)'}`,
  );
  const issued = (
    await clients.ministry.call<{ sha256: string; jsonKey: string; reused: boolean }>('issueReport', {
      params,
      body: { payment: payment.seq, lang: 'ru' },
    })
  ).body;
  say(
    `Audit report of payment ${payment.seq} (${payment.period}), ${issued.reused ? 'already issued' : 'issued'}: ${issued.sha256}`,
  );
  say(`  in the reports bucket: ${issued.jsonKey}`);
  // The investor lists the reports and downloads this one through short-lived presigned URLs.
  const links = (
    await clients.investor.call<{
      expiresIn: number;
      json: { url: string; fileName: string };
      pdf: { ru?: { url: string; fileName: string } };
    }>('downloadReport', { params: { ...params, report: issued.sha256 } })
  ).body;
  const outDir = join(dir, 'reports');
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const link of [links.json, links.pdf.ru]) {
    if (link === undefined) continue;
    const response = await fetch(link.url);
    if (!response.ok) throw new Error(`download of ${link.fileName} failed: HTTP ${response.status}`);
    const file = join(outDir, link.fileName);
    await writeFile(file, new Uint8Array(await response.arrayBuffer()));
    files.push(file);
  }
  say(`  downloaded (presigned URLs, ${links.expiresIn} s): ${files.join(', ')}`);
  const json = files[0] as string;
  const verification = verifyReport(new Uint8Array(await readFile(json)), [logKey, witness.verifierKey]);
  const failed = verification.checks.filter((c) => !c.ok);
  say(
    `  npx sib report verify ${json} --key ${logKey} --key ${witness.verifierKey}: ${
      verification.ok
        ? `OK, ${verification.checks.length} checks (signatures, proofs, every amount recomputed)`
        : `FAILED: ${failed.map((c) => `${c.name}: ${c.message ?? ''}`).join('; ')}`
    }`,
  );
  return verification.ok;
}

const percent = (share: number, digits = 1) => `${(share * 100).toFixed(digits)}%`;

/**
 * The evaluator reads the cohort's batches back through the API (GET
 * /contracts/{contract}/records?batch=…: committed records, pseudonymised),
 * checks they hold what was submitted, and prints the figures.
 */
async function printSummary(clients: Clients, submitted: readonly EvidenceInput[][]): Promise<boolean> {
  const stored: StoredRecord[] = [];
  let ok = true;
  for (const [i, records] of submitted.entries()) {
    const back: StoredRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = (
        await clients.evaluator.call<{ records: { record: StoredRecord }[]; next?: string }>('queryRecords', {
          params: { contract: DEMO_CONTRACT },
          query: { batch: cohortBatchId(i + 1), cursor },
        })
      ).body;
      back.push(...page.records.map((r) => r.record));
      cursor = page.next;
    } while (cursor !== undefined);
    const same = back.length === records.length && back.every((r, j) => r.eventId === records[j]?.eventId);
    if (!same) {
      ok = false;
      say(`\nBatch ${cohortBatchId(i + 1)} reads back ${back.length} records, not the ${records.length} submitted`);
    }
    stored.push(...back);
  }
  const fromLedger = summariseCohort(stored);
  const fromGenerator = summariseCohort(submitted.flat());
  const matches = JSON.stringify(fromLedger) === JSON.stringify(fromGenerator);
  ok &&= matches;
  say(
    `\nThe synthetic cohort, read back through the API (${formatCount(stored.length)} records, pseudonymised): ${matches ? 'the figures match what was generated' : 'FIGURES DIFFER from what was generated'}`,
  );
  say(`  participants     ${fromLedger.participants}`);
  say(`  events by type   ${eventsByType(fromLedger, 19)}`);
  say(
    `  employed         ${percent(fromLedger.rates.employed)} (${fromLedger.employed}; baseline without the programme: below ${percent(BASELINE_RATES.employed, 0)})`,
  );
  say(
    `  permanent job    ${percent(fromLedger.rates.permanent)} (${fromLedger.permanent}; baseline: about ${percent(BASELINE_RATES.permanent, 0)})`,
  );
  say(`  reconvicted      ${percent(fromLedger.rates.reconvicted)} (${fromLedger.reconvicted})`);
  return ok;
}

/** `enrolment 300, release 68, …` wrapped at about 100 characters, continuation lines indented to `indent`. */
function eventsByType(summary: CohortSummary, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const item of EVIDENCE_TYPES.map((t) => `${t} ${summary.eventsByType[t]}`)) {
    if (line !== '' && line.length + item.length + 2 > 100) {
      lines.push(`${line},`);
      line = '';
    }
    line = line === '' ? item : `${line}, ${item}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: start the local stack and the HTTP API if needed, run a scenario through the API as the four roles, verify everything',
    )
    .option(
      '--serve',
      'keep the API and the stack up until Ctrl-C (npm start); otherwise stop what was started (npm run demo)',
    )
    .option(
      '--scenario <name>',
      'second-chance (the Second Chance SIB, default), antares (the Antares A pilot) or qarmet (the Qarmet pilot)',
      'second-chance',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npm start\n  npm start -- --scenario antares\n  npx sib demo --scenario qarmet\n\nExit status: 0 only if everything verified.',
    )
    .action(
      runAction(async (opts: { serve?: boolean; scenario: string }) => {
        if (!['second-chance', 'antares', 'qarmet'].includes(opts.scenario)) {
          throw new Error(`--scenario must be second-chance, antares or qarmet, not ${opts.scenario}`);
        }
        if (!(await runDemo({ serve: opts.serve === true, scenario: opts.scenario }))) process.exitCode = 1;
      }),
    );
}

/** The Antares and Qarmet scenarios (scenarios/antares/run.ts, scenarios/qarmet/run.ts), through the API. */
function runProgramme(name: 'antares' | 'qarmet', dir: string, url: string): Promise<boolean> {
  return (name === 'antares' ? runAntares : runQarmet)({ dataDir: dir, url, say });
}
