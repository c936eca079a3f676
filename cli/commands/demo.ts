import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { toBase64 } from '../../domain/bytes.ts';
import { computeEvaluation, contractVersions, registerContract, runEvaluation } from '../../domain/contract-ops.ts';
import { ValidationError } from '../../domain/errors.ts';
import { EVIDENCE_TYPES, type EvidenceInput, formatCount, type StoredRecord } from '../../domain/evidence.ts';
import { verifyExportBytes } from '../../domain/export-verify.ts';
import { ingestBatch } from '../../domain/ingest.ts';
import { cosignCheckpoint, exportLog, publishCheckpoint, verifyStoredLog } from '../../domain/ledger.ts';
import { verifyInclusion } from '../../domain/merkle.ts';
import { verifierKey } from '../../domain/note.ts';
import { formatMoney } from '../../domain/payments.ts';
import { issueReport, reportFileName } from '../../domain/report-ops.ts';
import { verifyReport } from '../../domain/report-verify.ts';
import {
  BASELINE_RATES,
  type CohortSummary,
  generateCohort,
  splitIntoBatches,
  summariseCohort,
  withErrors,
} from '../../domain/synthetic-cohort.ts';
import { approvePayment, attestPayment, markPaid } from '../../domain/workflow.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { DOWNLOAD_EXPIRES_IN } from '../../functions/adapters/report-store.ts';
import { dataDir, stackDown, stackUp } from '../../infra/local/stack.ts';
import { ledgerFor } from '../context.ts';
import { runAction } from '../errors.ts';
import { renderEvaluation } from '../evaluation-view.ts';
import { type EvidenceContext, loadProfile, openEvidence } from '../evidence-context.ts';
import { readSpecFile } from './contract.ts';
import { problemTable, todayEarliestZone } from './evidence.ts';
import { createWitnessKey, openWitnessKey } from './keys.ts';
import { envPort } from './stack.ts';

export const DEMO_CONTRACT = 'second-chance-kamchatka';

/**
 * The main job's scenario: the ministry registers the Second Chance contract
 * in its log; the operator enrols a synthetic cohort batch by batch (one
 * entry per batch) and submits a batch with mistakes, which is rejected with
 * its problem table; the evaluator evaluates each period (at fixed
 * checkpoints) and the outcome and payment tables are printed. All
 * idempotent, so re-runs add nothing. Then a signed checkpoint, the log
 * verified as stored and as an offline export, and the cohort's figures read
 * back from the record store.
 */
const MINISTRY = { sub: 'minlabour-kamchatka', role: 'ministry' as const };
/** Separation of duties: who calculates, attests, approves and records the payment are four subjects. */
const ANALYST = { sub: 'evaluator-analyst', role: 'evaluator' as const };
const EVALUATOR = { sub: 'independent-evaluator', role: 'evaluator' as const };
const TREASURY = { sub: 'minfin-kamchatka-treasury', role: 'ministry' as const };

/**
 * The synthetic Second Chance cohort (domain/synthetic-cohort.ts): a fixed
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

async function runDemo(options: { serve: boolean }): Promise<boolean> {
  const dir = dataDir();
  const dynamoPort = envPort('SIB_DYNAMO_PORT');
  const s3Port = envPort('SIB_S3_PORT');
  const up = await stackUp({
    dataDir: dir,
    ...(dynamoPort === undefined ? {} : { dynamoPort }),
    ...(s3Port === undefined ? {} : { s3Port }),
  });
  const startedHere = up.status === 'started';
  for (const m of up.messages) say(m);
  const { store, client } = ledgerFor(up.stack);
  let evidence: EvidenceContext | undefined;
  let ok = false;
  try {
    evidence = await openEvidence(dir, up.stack);
    const signer = await LocalSigner.open({ dataDir: dir });
    const key = verifierKey(signer.name, await signer.publicKey());
    say(`\nLog key (verifier): ${key}`);

    const registered = await registerContract(
      evidence.contracts,
      await readSpecFile({ contract: DEMO_CONTRACT }),
      MINISTRY,
    );
    say(
      `\nThe ministry registers ${DEMO_CONTRACT} version ${registered.version} (contracts/${DEMO_CONTRACT}.json):` +
        `\n  seq ${registered.seq}  contract.registered  spec hash ${registered.specHash}${registered.replayed ? '  (already there)' : ''}`,
    );

    const cohort = await enrolCohort(evidence);
    const periods = await runPeriods(evidence);
    const last = periods.payments.at(-1);
    const reported = last === undefined ? false : await auditReport(evidence, dir, last);

    const note = await publishCheckpoint(store, signer, DEMO_CONTRACT);
    say('\nSigned checkpoint (C2SP signed note):');
    say(note.trimEnd().replace(/^/gm, '  '));

    const stored = await verifyStoredLog(store, DEMO_CONTRACT, [key]);
    say(
      `\nVerify as stored in DynamoDB: ${stored.ok ? `OK, ${stored.entries} entries` : `FAILED: ${stored.failure?.message}`}`,
    );

    const exportDir = join(dir, 'exports');
    await mkdir(exportDir, { recursive: true });
    const exportFile = join(exportDir, `${DEMO_CONTRACT}.jsonl`);
    let text = '';
    for await (const line of exportLog(store, signer, DEMO_CONTRACT)) text += line;
    await writeFile(exportFile, text);
    const offline = await verifyExportBytes(new TextEncoder().encode(text), [key]);
    say(`Verify the export offline (${exportFile}): ${offline.ok ? 'OK' : `FAILED: ${offline.failure?.message}`}`);

    const seq = 1;
    const proof = await store.inclusionProof(DEMO_CONTRACT, seq);
    const included = verifyInclusion(proof.leafHash, seq, proof.size, proof.proof, proof.root);
    say(
      `\nInclusion proof of seq ${seq} in the tree of size ${proof.size}: ${included ? 'verifies' : 'DOES NOT VERIFY'}`,
    );
    say(`  leaf hash ${toBase64(proof.leafHash)}`);
    for (const [i, h] of proof.proof.entries()) say(`  path[${i}]   ${toBase64(h)}`);
    say(`  root      ${toBase64(proof.root)}`);

    const summaryOk = await printSummary(evidence, cohort.submitted);

    ok = stored.ok && offline.ok && included && cohort.ok && summaryOk && periods.ok && reported;
    say(`\n${ok ? 'Everything verified.' : 'VERIFICATION FAILED.'}`);
    say(
      `Try: npx sib ledger verify --contract ${DEMO_CONTRACT}    npx sib ledger proof --contract ${DEMO_CONTRACT} --seq 2`,
    );

    if (options.serve) {
      say(
        `\nThe local stack is serving (DynamoDB ${up.stack.dynamodb.endpoint}, S3 ${up.stack.s3.endpoint}). Press Ctrl-C to stop.`,
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
      say('');
    }
  } finally {
    evidence?.close();
    client.destroy();
    if (startedHere) for (const m of (await stackDown(dir)).messages) say(m);
  }
  return ok;
}

/**
 * Enrols the synthetic cohort batch by batch through the ingest use case,
 * then submits the next batch with deliberate mistakes, which must be
 * rejected with every mistake reported and nothing written.
 */
async function enrolCohort(evidence: EvidenceContext): Promise<{ ok: boolean; submitted: EvidenceInput[][] }> {
  const profile = await loadProfile(DEMO_CONTRACT);
  const today = todayEarliestZone();
  const cohort = generateCohort({ seed: COHORT.seed, participants: COHORT.participants, profile });
  const batches = splitIntoBatches(cohort, COHORT.batches);
  say(
    `\nEnrolling a synthetic Second Chance cohort (seed ${COHORT.seed}: ${COHORT.participants} participants, ${formatCount(cohort.length)} records) in ${batches.length} batches:`,
  );
  for (const [i, records] of batches.entries()) {
    const batchId = cohortBatchId(i + 1);
    const receipt = await ingestBatch(
      {
        profile,
        batchId,
        submitter: OPERATOR,
        records: records.map((value, at) => ({ at, value })),
        today,
      },
      evidence.ports,
    );
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
  const before = await evidence.log.head(DEMO_CONTRACT);
  let problems: readonly { at?: number | string }[] | undefined;
  try {
    const receipt = await ingestBatch(
      {
        profile,
        batchId,
        submitter: OPERATOR,
        records: faulty.records.map((value, at) => ({ at, value })),
        today,
      },
      evidence.ports,
    );
    say(`  ACCEPTED (seq ${receipt.seq}): it should have been rejected`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems = error.problems;
    say(`  Rejected as expected: ${error.message}`);
    say(problemTable(error.problems, 'record').replace(/^/gm, '    '));
  }
  const after = await evidence.log.head(DEMO_CONTRACT);
  const entry = await evidence.ledger.batchEntry(DEMO_CONTRACT, batchId);
  const missed = faulty.mistakes.filter((m) => !problems?.some((p) => p.at === m.at));
  const untouched = after.size === before.size && entry === undefined;
  const rejectedOk = problems !== undefined && missed.length === 0 && untouched;
  if (problems !== undefined) {
    say(
      missed.length === 0
        ? `  Every injected mistake was reported; ${untouched ? `nothing was written (the log still has ${after.size} entries)` : 'BUT THE LOG CHANGED'}.`
        : `  NOT REPORTED: ${missed.map((m) => `record ${m.at} (${m.kind})`).join(', ')}`,
    );
  }
  return { ok: rejectedOk, submitted: batches };
}

/**
 * Each period in order: the evaluator's analyst evaluates it at the
 * checkpoint right after the previous step (so a re-run finds the same
 * evaluation recorded), the independent evaluator attests, the ministry
 * approves, and the treasury records the payment order. Prints the outcome
 * and payment tables and each step.
 */
async function runPeriods(
  evidence: EvidenceContext,
): Promise<{ ok: boolean; payments: { period: string; seq: number }[] }> {
  const versions = await contractVersions(evidence.contracts, DEMO_CONTRACT);
  const spec = versions.at(-1)?.spec;
  if (spec === undefined) return { ok: false, payments: [] };
  // The log after the registration and the cohort's batches.
  let checkpoint = 1 + COHORT.batches;
  let paid = 0n;
  let ok = true;
  const payments: { period: string; seq: number }[] = [];
  const step = (what: string, r: { seq: number; replayed: boolean }, by: string) =>
    say(`  seq ${r.seq}  ${what.padEnd(17)} by ${by}${r.replayed ? '  (already there)' : ''}`);
  for (const period of spec.periods) {
    const run = await runEvaluation(evidence.contracts, {
      contract: DEMO_CONTRACT,
      period: period.id,
      checkpoint,
      actor: ANALYST,
    });
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
    const payment = { contract: DEMO_CONTRACT, payment: run.entry.seq };
    const total = BigInt(run.result.payments.total);
    say(`\nPayment ${run.entry.seq} (${period.id}, ${formatMoney(total, spec.minorUnit)} ${spec.currency}):`);
    const attested = await attestPayment(evidence.contracts, { ...payment, actor: EVALUATOR });
    step('payment.attested', attested, EVALUATOR.sub);
    const approved = await approvePayment(evidence.contracts, { ...payment, actor: MINISTRY });
    step('payment.approved', approved, MINISTRY.sub);
    let last = approved.seq;
    if (total > 0n) {
      const order = `PP-${period.paymentDate.slice(0, 4)}-${String(run.entry.seq).padStart(6, '0')}`;
      const marked = await markPaid(evidence.contracts, {
        ...payment,
        actor: TREASURY,
        paymentOrder: order,
        paidOn: period.paymentDate,
      });
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
 * The investor's side: the evaluator cosigns the log's checkpoint as a
 * witness, an audit report of the final payment is issued (JSON signed with
 * the log key, and a Russian PDF), downloaded through presigned URLs, and
 * verified offline: signatures, proofs and every amount recomputed.
 */
async function auditReport(
  evidence: EvidenceContext,
  dir: string,
  payment: { period: string; seq: number },
): Promise<boolean> {
  const logKey = verifierKey(evidence.signer.name, await evidence.signer.publicKey());
  const witnessFile = join(dir, 'keys', 'witness-evaluator.pem');
  const witness = existsSync(witnessFile)
    ? await openWitnessKey(witnessFile)
    : await createWitnessKey(witnessFile, 'evaluator.kamchatka.example');
  const size = (await evidence.log.head(DEMO_CONTRACT)).size;
  await publishCheckpoint(evidence.log, evidence.signer, DEMO_CONTRACT, size);
  const cosigned = await cosignCheckpoint(evidence.log, DEMO_CONTRACT, logKey, witness.signer, { size });
  say(
    `\nThe evaluator cosigns the checkpoint of size ${size} as a witness (${witness.verifierKey})${cosigned.added ? '' : '  (already cosigned)'}`,
  );
  const issued = await issueReport(evidence.reporting, {
    contract: DEMO_CONTRACT,
    payment: payment.seq,
    lang: 'ru',
    issuedAt: new Date().toISOString(),
    witnessKeys: [witness.verifierKey],
  });
  say(
    `Audit report of payment ${payment.seq} (${payment.period}), ${issued.reused ? 'already issued' : 'issued'}: ${issued.sha256}`,
  );
  say(`  in the reports bucket: ${issued.jsonKey}`);
  // The investor downloads it through short-lived presigned URLs.
  const outDir = join(dir, 'reports');
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const [key, ext] of [
    [issued.jsonKey, 'json'],
    [issued.pdfKeys.ru, 'ru.pdf'],
  ] as const) {
    if (key === undefined) continue;
    const url = await evidence.reports.presignGet(key);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`download of ${key} failed: HTTP ${response.status}`);
    const file = join(outDir, reportFileName(issued, ext));
    await writeFile(file, new Uint8Array(await response.arrayBuffer()));
    files.push(file);
  }
  say(`  downloaded (presigned URLs, ${DOWNLOAD_EXPIRES_IN} s): ${files.join(', ')}`);
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
 * Reads the cohort's batches back from the record store (committed records,
 * pseudonymised), checks they hold what was submitted, and prints the figures.
 */
async function printSummary(evidence: EvidenceContext, submitted: readonly EvidenceInput[][]): Promise<boolean> {
  const stored: StoredRecord[] = [];
  let ok = true;
  for (const [i, records] of submitted.entries()) {
    const back = await evidence.store.byBatch(DEMO_CONTRACT, cohortBatchId(i + 1));
    const same = back.length === records.length && back.every((q, j) => q.record.eventId === records[j]?.eventId);
    if (!same) {
      ok = false;
      say(`\nBatch ${cohortBatchId(i + 1)} reads back ${back.length} records, not the ${records.length} submitted`);
    }
    stored.push(...back.map((q) => q.record));
  }
  const fromLedger = summariseCohort(stored);
  const fromGenerator = summariseCohort(submitted.flat());
  const matches = JSON.stringify(fromLedger) === JSON.stringify(fromGenerator);
  ok &&= matches;
  say(
    `\nThe synthetic cohort, read back from the record store (${formatCount(stored.length)} records, pseudonymised): ${matches ? 'the figures match what was generated' : 'FIGURES DIFFER from what was generated'}`,
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
    .description('the main job: start the local stack if needed, run the Second Chance scenario, verify everything')
    .option('--serve', 'keep the stack up until Ctrl-C (npm start); otherwise stop what was started (npm run demo)')
    .action(
      runAction(async (opts: { serve?: boolean }) => {
        if (!(await runDemo({ serve: opts.serve === true }))) process.exitCode = 1;
      }),
    );
}
