/**
 * The scenario's periods through the API: the evaluator publishes the
 * comparison group's figure; then each period in order is evaluated,
 * re-evaluated by the independent evaluator (the same bytes), attested,
 * approved (its audit report issued) and, when it pays, recorded as paid.
 */
import type { ContractSpec } from '#contracts';
import { type EvaluationResult, formatMoney } from '#evaluation';
import type { DecisionFacts, PaymentStep } from '#ledger';
import type { PaymentStatus } from '#payments';
import { renderEvaluation } from '../evaluation-view.ts';
import { say } from '../output.ts';
import { type Clients, COHORT, DEMO_CONTRACT, EVALUATOR, MINISTRY, olderDataDir, TREASURY } from './cast.ts';
import { type PartyKeys, signComparison, signDecision } from './parties.ts';

interface StepReceipt {
  readonly seq: number;
  readonly replayed: boolean;
}

interface Evaluated {
  readonly sha256: string;
  readonly key: string;
  readonly entry: StepReceipt;
  readonly result: EvaluationResult;
}

const params = { contract: DEMO_CONTRACT };

const step = (what: string, r: StepReceipt, by: string) =>
  say(`  seq ${r.seq}  ${what.padEnd(17)} by ${by}${r.replayed ? '  (already there)' : ''}`);

/**
 * Each period in order, through the API: the evaluator's analyst evaluates
 * it at the checkpoint right after the previous step (so a re-run finds the
 * same evaluation recorded), the independent evaluator has it evaluated
 * again at the same checkpoint and compares the bytes, then attests; the
 * ministry approves (its audit report is issued), and the treasury records
 * the payment order. Each decision is signed with its party's own key.
 */
export async function runPeriods(
  clients: Clients,
  parties: PartyKeys,
  options: { leaveLastAttested?: boolean } = {},
): Promise<{ ok: boolean; payments: { period: string; seq: number }[]; awaiting?: { period: string; seq: number } }> {
  const versions = (await clients.ministry.call<{ versions: { spec: ContractSpec }[] }>('getContract', { params })).body
    .versions;
  const spec = versions.at(-1)?.spec;
  if (spec === undefined) return { ok: false, payments: [] };
  await checkScenarioLog(clients);
  const published = await publishComparison(clients, parties);
  // The log after the registration, the cohort's batches and the comparison figure.
  let checkpoint = published.seq + 1;
  let paid = 0n;
  let ok = true;
  const payments: { period: string; seq: number }[] = [];
  for (const [i, period] of spec.periods.entries()) {
    const run = await evaluate(clients, period.id, checkpoint, parties);
    ok &&= run.same;
    const total = BigInt(run.result.payments.total);
    say(`\nPayment ${run.entry.seq} (${period.id}, ${formatMoney(total, spec.minorUnit)} ${spec.currency}):`);
    if (options.leaveLastAttested === true && i === spec.periods.length - 1) {
      // npm start: the last payment waits, attested, for an official to decide it in the web console.
      const state = await attestOnly(clients, parties, run.entry.seq);
      if (state === 'attested') {
        say(
          `  left attested: the ministry decides it in the web console (sign in as ${MINISTRY.sub}; the payment order as ${TREASURY.sub})`,
        );
        return { ok, payments, awaiting: { period: period.id, seq: run.entry.seq } };
      }
      say(`  already ${state} (an earlier run decided it)`);
      payments.push({ period: period.id, seq: run.entry.seq });
      return { ok, payments };
    }
    const last = await payment(clients, parties, run.entry.seq, total > 0n ? period.paymentDate : undefined);
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
 * The evaluator publishes the comparison group's figure: re-offending among released prisoners of the region
 * outside the programme (illustrative), which the reoffending comparison reads.
 */
async function publishComparison(clients: Clients, parties: PartyKeys): Promise<StepReceipt> {
  const figure = { comparison: 'reoffending-vs-comparison-group', group: 'all', value: '0.25', denominator: 412 };
  const signature = await signComparison(parties.evaluator, { contract: DEMO_CONTRACT, ...figure });
  const published = (
    await clients.evaluator.call<StepReceipt>('publishComparison', {
      params,
      body: {
        ...figure,
        note: 'released prisoners of the region outside the programme, same release months (illustrative)',
        signature,
      },
    })
  ).body;
  say(
    `\nThe evaluator publishes the comparison group's re-offending rate, 25.0% of 412 (POST /contracts/{contract}/comparisons): seq ${published.seq}  comparison.published${published.replayed ? '  (already there)' : ''}`,
  );
  return published;
}

interface Preview {
  readonly sha256: string;
  readonly summary: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
}

/**
 * The analyst evaluates a period at a checkpoint: a dry run tells what the
 * entry will name, the analyst signs it (its payment: the checkpoint, the
 * seq the entry gets) and records it. The independent evaluator's own dry
 * run at the same checkpoint must give the same bytes.
 */
async function evaluate(
  clients: Clients,
  period: string,
  checkpoint: number,
  parties: PartyKeys,
): Promise<Evaluated & { same: boolean }> {
  const body = { period, checkpoint };
  const preview = (await clients.analyst.call<Preview>('evaluate', { params, body: { ...body, dryRun: true } })).body;
  const signature = await signDecision(parties.analyst, {
    contract: DEMO_CONTRACT,
    payment: checkpoint,
    period,
    step: 'calculated',
    result: preview.sha256,
    summary: preview.summary,
    total: preview.total,
    minorUnit: preview.minorUnit,
    currency: preview.currency,
  });
  const run = (await clients.analyst.call<Evaluated>('evaluate', { params, body: { ...body, signature } })).body;
  say(
    `\nThe evaluator evaluates period ${period} at checkpoint ${checkpoint}: seq ${run.entry.seq}  evaluation.recorded${run.entry.replayed ? '  (already there)' : ''}`,
  );
  say(renderEvaluation(run.result, { key: run.key, sha256: run.sha256 }, { groups: false }).replace(/^/gm, '  '));
  // Recomputed from the log, the same checkpoint must give the same bytes.
  const again = (await clients.evaluator.call<Preview>('evaluate', { params, body: { ...body, dryRun: true } })).body;
  const same = again.sha256 === run.sha256 && run.entry.seq === checkpoint;
  if (!same) say(`  RECOMPUTATION DIFFERS: ${again.sha256}`);
  return { ...run, same };
}

/** The evaluator attests a payment (unless a step was taken already); the payment's state after. */
async function attestOnly(clients: Clients, parties: PartyKeys, seq: number): Promise<PaymentStatus['state']> {
  const target = { ...params, payment: String(seq) };
  const status = (await clients.ministry.call<PaymentStatus>('getPayment', { params: target })).body;
  if (status.state !== 'calculated') return status.state;
  const attested = (
    await clients.evaluator.call<StepReceipt>('attestPayment', {
      params: target,
      body: {
        signature: await signDecision(parties.evaluator, {
          contract: DEMO_CONTRACT,
          payment: seq,
          period: status.period,
          step: 'attested',
          result: status.result,
          summary: status.summary,
          total: status.total,
          minorUnit: status.minorUnit,
          currency: status.currency,
        }),
      },
    })
  ).body;
  step('payment.attested', attested, EVALUATOR.sub);
  return 'attested';
}

/** A payment's steps, each signed by its party: attested, approved (its report issued), and paid on `paidOn` when it pays. */
async function payment(clients: Clients, parties: PartyKeys, seq: number, paidOn: string | undefined): Promise<number> {
  const target = { ...params, payment: String(seq) };
  const status = (await clients.ministry.call<PaymentStatus>('getPayment', { params: target })).body;
  const facts = (step: PaymentStep, extra: Partial<DecisionFacts> = {}): DecisionFacts => ({
    contract: DEMO_CONTRACT,
    payment: seq,
    period: status.period,
    step,
    result: status.result,
    summary: status.summary,
    total: status.total,
    minorUnit: status.minorUnit,
    currency: status.currency,
    ...extra,
  });
  const attested = (
    await clients.evaluator.call<StepReceipt>('attestPayment', {
      params: target,
      body: { signature: await signDecision(parties.evaluator, facts('attested')) },
    })
  ).body;
  step('payment.attested', attested, EVALUATOR.sub);
  const approved = (
    await clients.ministry.call<{ receipt: StepReceipt; report: { issued: boolean; sha256?: string } }>(
      'approvePayment',
      { params: target, body: { lang: 'ru', signature: await signDecision(parties.ministry, facts('approved')) } },
    )
  ).body;
  step('payment.approved', approved.receipt, MINISTRY.sub);
  if (paidOn === undefined) return approved.receipt.seq;
  const order = `PP-${paidOn.slice(0, 4)}-${String(seq).padStart(6, '0')}`;
  const marked = (
    await clients.treasury.call<StepReceipt>('markPaid', {
      params: target,
      body: {
        paymentOrder: order,
        paidOn,
        signature: await signDecision(parties.treasury, facts('paid', { paymentOrder: order, paidOn })),
      },
    })
  ).body;
  step('payment.paid', marked, `${TREASURY.sub} (order ${order}, ${paidOn})`);
  return marked.seq;
}

/** A log whose entry after the cohort's batches is not the comparison figure is an older scenario's. */
async function checkScenarioLog(clients: Clients): Promise<void> {
  const size = (await clients.investor.call<{ size: number }>('getCheckpoint', { params })).body.size;
  const at = 1 + COHORT.batches;
  if (size <= at) return;
  const proof = (await clients.investor.call<{ entry: string }>('getEntryProof', { params: { ...params, seq: at } }))
    .body;
  if ((JSON.parse(proof.entry) as { kind?: string }).kind !== 'comparison.published') {
    throw olderDataDir(`entry ${at} is not the comparison figure`);
  }
}
