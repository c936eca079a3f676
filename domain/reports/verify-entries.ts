import { canonicalBytes, canonicalize, fromHex, sha256, toHex, utf8 } from '#kernel';
import {
  decodeEntry,
  EvaluationEntryBodySchema,
  entryHash,
  type PaymentState,
  type PaymentStep,
  PaymentStepBodySchema,
  verifyInclusion,
} from '#ledger';
import { FROM, STEP_ROLES } from '#payments';
import { summaryHash, summaryOfReport } from './summary.ts';
import type { ProvenEntry } from './types.ts';
import { type Fail, messageOf, type ReportContext } from './verify-context.ts';

/**
 * The report verifier's checks of the entries the report proves: the
 * contract terms against their hash and registration, each entry's inclusion
 * proof in the signed checkpoint, the evaluation entry against the report,
 * the period against the contract's, and the workflow steps (the lifecycle's
 * order, each step of this payment, each by its role and by another subject).
 */

/** Roles that record an evaluation (the payment's calculation). */
const CALCULATING_ROLES = new Set(['evaluator', 'system']);

export function checkContractHash(ctx: ReportContext, fail: Fail): string | undefined {
  const { report: r, spec } = ctx;
  const hash = toHex(sha256(canonicalBytes(r.contract.spec)));
  if (hash !== r.contract.hash) {
    fail(`the hash of contract.spec is ${hash}, but contract.hash is ${r.contract.hash}: the terms were changed`);
  }
  if (spec.id !== r.contract.id) fail(`contract.spec is of contract ${spec.id}, not ${r.contract.id}`);
  if (spec.version !== r.contract.version) {
    fail(`contract.spec is version ${spec.version}, not version ${r.contract.version}`);
  }
  const entry = ctx.entry(r.contract.registration);
  if (entry === undefined) {
    fail('the registration entry cannot be read');
    return undefined;
  }
  if (entry.body.specHash !== r.contract.hash) {
    fail(`the registration entry registers spec hash ${String(entry.body.specHash)}, not ${r.contract.hash}`);
  }
  if (entry.body.spec === undefined || canonicalize(entry.body.spec) !== canonicalize(r.contract.spec)) {
    fail('the registration entry registers other terms than contract.spec');
  }
  return hash;
}

/** A proven entry: its text hashes to its leaf, it is an entry of `kind` of this contract, its proof leads to the root. */
export function checkProof(ctx: ReportContext, fail: Fail, p: ProvenEntry, kind: string): string | undefined {
  const r = ctx.report;
  const bytes = utf8(p.entry);
  const leaf = entryHash(bytes);
  if (toHex(leaf) !== p.leafHash) fail(`entry ${p.seq}: the entry text does not hash to its leafHash`);
  try {
    decodeEntry(bytes, p.seq);
  } catch (error) {
    fail(`entry ${p.seq}: ${messageOf(error)}`);
  }
  const entry = ctx.entry(p);
  if (entry !== undefined) {
    if (entry.seq !== p.seq) fail(`the entry is seq ${entry.seq}, but the report says seq ${p.seq}`);
    if (entry.contract !== r.contract.id) {
      fail(`entry ${p.seq} is an entry of contract ${entry.contract}, not of ${r.contract.id}`);
    }
    if (entry.kind !== kind) fail(`entry ${p.seq} is a ${entry.kind} entry, not ${kind}`);
  }
  if (!verifyInclusion(leaf, p.seq, r.checkpoint.size, p.proof.map(fromHex), fromHex(r.checkpoint.root))) {
    fail(
      `the inclusion proof of entry ${p.seq} does not lead to the checkpoint root (size ${r.checkpoint.size}): the entry is not in the log the checkpoint signs`,
    );
  }
  return `entry ${p.seq} (${kind}) is in the checkpoint`;
}

export function checkEvaluationEntry(ctx: ReportContext, fail: Fail): string | undefined {
  const r = ctx.report;
  const ev = r.evaluation;
  const entry = ctx.entry(ev.entry);
  if (entry === undefined) {
    fail('the evaluation entry cannot be read');
    return undefined;
  }
  const parsed = EvaluationEntryBodySchema.safeParse(entry.body);
  if (!parsed.success) {
    fail(`the evaluation entry's body is not an evaluation body`);
    return undefined;
  }
  const b = parsed.data;
  if (b.period !== r.period.id) fail(`the evaluation entry is of period ${b.period}, the report of ${r.period.id}`);
  if (b.result.sha256 !== ev.resultSha256) {
    fail(`the evaluation entry records result ${b.result.sha256}, the report says ${ev.resultSha256}`);
  }
  if (b.total !== r.payments.total) {
    fail(
      `the evaluation entry records a total of ${ctx.money(b.total)}, but the report's payments total ${ctx.money(r.payments.total)}`,
    );
  }
  if (b.currency !== r.payments.currency) {
    fail(`the evaluation entry is in ${b.currency}, the report's payments in ${r.payments.currency}`);
  }
  if (b.contract.version !== r.contract.version || b.contract.hash !== r.contract.hash) {
    fail(
      `the evaluation cites contract version ${b.contract.version} (${b.contract.hash}), not the report's version ${r.contract.version} (${r.contract.hash})`,
    );
  }
  if (b.checkpoint.size !== ev.evaluatedAt.size || b.checkpoint.root !== ev.evaluatedAt.root) {
    fail(`the evaluation entry read the log at size ${b.checkpoint.size}, the report says size ${ev.evaluatedAt.size}`);
  }
  if (r.contract.registration.seq >= ev.evaluatedAt.size) {
    fail(
      `the registration (entry ${r.contract.registration.seq}) is not in the log prefix the evaluation read (size ${ev.evaluatedAt.size})`,
    );
  }
  if (ev.entry.seq < ev.evaluatedAt.size) {
    fail(
      `the evaluation entry (${ev.entry.seq}) lies inside the log prefix it evaluated (size ${ev.evaluatedAt.size})`,
    );
  }
  return `entry ${ev.entry.seq}: period ${b.period}, result ${b.result.sha256}, total ${ctx.money(b.total)}`;
}

export function checkPeriod(ctx: ReportContext, fail: Fail): string | undefined {
  const { report: r, spec } = ctx;
  const p = spec.periods.find((x) => x.id === r.period.id);
  if (p === undefined) {
    fail(`${r.period.id} is not a period of the contract (${spec.periods.map((x) => x.id).join(', ')})`);
    return undefined;
  }
  if (canonicalize(p) !== canonicalize(r.period)) fail(`period ${p.id} differs from the contract's period ${p.id}`);
  if (spec.effectiveFrom > p.to) {
    fail(`contract version ${spec.version} is effective from ${spec.effectiveFrom}, after period ${p.id}`);
  }
  return `${p.id}: ${p.from}..${p.to}, payment date ${p.paymentDate}`;
}

export function checkWorkflow(ctx: ReportContext, fail: Fail): string | undefined {
  const r = ctx.report;
  let state: PaymentState = 'calculated';
  let last = r.evaluation.entry.seq;
  const path: string[] = [];
  for (const { step, entry: p } of r.workflow.steps) {
    path.push(`${step} (entry ${p.seq})`);
    if (p.seq <= last) fail(`the ${step} step (entry ${p.seq}) is not after the step before it (entry ${last})`);
    last = Math.max(last, p.seq);
    if (FROM[step] !== state) {
      fail(
        step === 'paid'
          ? `the paid step (entry ${p.seq}) follows ${state}, not an approval: a payment is paid only once approved`
          : `the ${step} step (entry ${p.seq}) follows ${state}: a payment goes calculated -> attested -> approved or rejected -> paid`,
      );
    }
    state = step;
    checkStepBody(ctx, fail, step, p);
  }
  if (r.workflow.state !== state) fail(`the workflow state is ${r.workflow.state}, but the steps give ${state}`);
  return `${['calculated', ...path].join(' -> ')}: ${state}`;
}

/** A step entry is a step of this payment: its payment, period, result and total, and the fields its step needs. */
function checkStepBody(ctx: ReportContext, fail: Fail, step: PaymentStep, p: ProvenEntry): void {
  const r = ctx.report;
  const payment = r.evaluation.entry.seq;
  const entry = ctx.entry(p);
  if (entry === undefined) {
    fail(`the ${step} step (entry ${p.seq}) cannot be read`);
    return;
  }
  const parsed = PaymentStepBodySchema.safeParse(entry.body);
  if (!parsed.success) {
    fail(`the ${step} step (entry ${p.seq}) has no payment step body`);
    return;
  }
  const b = parsed.data;
  if (b.payment !== payment)
    fail(`the ${step} step (entry ${p.seq}) is a step of payment ${b.payment}, not ${payment}`);
  if (b.period !== r.period.id) fail(`the ${step} step (entry ${p.seq}) is for period ${b.period}, not ${r.period.id}`);
  if (b.result !== r.evaluation.resultSha256) {
    fail(`the ${step} step (entry ${p.seq}) is for result ${b.result}, not ${r.evaluation.resultSha256}`);
  }
  if (b.total !== r.payments.total) {
    fail(
      `the ${step} step (entry ${p.seq}) is for a total of ${ctx.money(b.total)}, not ${ctx.money(r.payments.total)}`,
    );
  }
  if (step === 'paid' && (b.paymentOrder === undefined || b.paidOn === undefined)) {
    fail(`the paid step (entry ${p.seq}) names no payment order or day`);
  }
  if (step === 'rejected' && (b.reason ?? '').trim() === '') fail(`the rejection (entry ${p.seq}) gives no reason`);
}

export function checkDuties(ctx: ReportContext, fail: Fail): string | undefined {
  const r = ctx.report;
  const taken: { what: string; sub: string }[] = [];
  const evaluation = ctx.entry(r.evaluation.entry);
  if (evaluation === undefined) fail('the evaluation entry cannot be read');
  else {
    if (!CALCULATING_ROLES.has(evaluation.actor.role)) {
      fail(
        `the evaluation is recorded by ${evaluation.actor.sub} acting as ${evaluation.actor.role}, not the evaluator`,
      );
    }
    taken.push({ what: 'calculated', sub: evaluation.actor.sub });
  }
  for (const { step, entry: p } of r.workflow.steps) {
    const entry = ctx.entry(p);
    if (entry === undefined) {
      fail(`the ${step} step (entry ${p.seq}) cannot be read`);
      continue;
    }
    const { sub, role } = entry.actor;
    if (role !== STEP_ROLES[step]) {
      fail(`the ${step} step (entry ${p.seq}) is by ${sub} acting as ${role}: only the ${STEP_ROLES[step]} takes it`);
    }
    const same = taken.find((t) => t.sub === sub);
    if (same !== undefined) {
      fail(`${sub} both ${same.what} and ${step} the payment: each step must be taken by another subject`);
    }
    taken.push({ what: step, sub });
  }
  return taken.map((t) => `${t.what} by ${t.sub}`).join(', ');
}

/**
 * The report's figures are exactly the public summary the evaluation entry
 * commits to (and the parties' signatures name): any figure changed after
 * the evaluation was recorded shows here.
 */
export function checkSummary(ctx: ReportContext, fail: Fail): string | undefined {
  const entry = ctx.entry(ctx.report.evaluation.entry);
  const parsed = EvaluationEntryBodySchema.safeParse(entry?.body);
  if (!parsed.success) {
    fail('the evaluation entry cannot be read');
    return undefined;
  }
  const summary = summaryHash(summaryOfReport(ctx.report));
  if (parsed.data.summary !== summary) {
    fail(
      `the report's figures hash to ${summary}, but the evaluation entry commits to ${parsed.data.summary}: a figure was changed after the evaluation was recorded`,
    );
  }
  return `the figures hash to ${summary}, as the evaluation entry records`;
}
