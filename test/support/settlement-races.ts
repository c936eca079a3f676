/**
 * The settlement races (docs/reports.md, "Settled once"): pairs of use cases
 * run concurrently on one contract, each order of their log calls given by an
 * Interleaving (interleavings.ts), and the outcome of each order checked:
 * exactly one winner, and a log that verifies and breaks no invariant of
 * settling once (settlement.ts). Run in memory by
 * test/domain/settlement-races.test.ts and on DynamoDB by
 * test/functions/settlement-dynamo.test.ts.
 */
import { expect } from 'vitest';
import type { ContractSpec } from '#contracts';
import { ConflictError } from '#kernel';
import type { Actor } from '#ledger';
import { approvePayment, attestPayment, type ContractLog, markPaid, rejectPayment, runEvaluation } from '#services';
import { loadSpec } from './evaluation-fixtures.ts';
import type { Gating, Interleaving } from './interleavings.ts';
import { SettlementWorld, settlementProblems } from './settlement.ts';

const SPEC = loadSpec('second-chance-kamchatka');

const ANALYST: Actor = { sub: 'calc-analyst', role: 'evaluator' };
const EVALUATOR: Actor = { sub: 'attesting-evaluator', role: 'evaluator' };
const APPROVER: Actor = { sub: 'ministry-approver', role: 'ministry' };
const DEPUTY: Actor = { sub: 'ministry-deputy', role: 'ministry' };
const TREASURY: Actor = { sub: 'ministry-treasury', role: 'ministry' };

type Op = (world: SettlementWorld, log: ContractLog, payment: number) => Promise<unknown>;

const step = (world: SettlementWorld, payment: number, actor: Actor) => ({
  contract: world.contract,
  payment,
  actor,
});

/** Recalculates y1 on the log as it is; answers the new payment's id. */
const reEvaluate = async (world: SettlementWorld, log: ContractLog) =>
  (await runEvaluation(world.ports(log), { contract: world.contract, period: 'y1', actor: ANALYST })).entry.seq;

const attest: Op = (w, log, p) => attestPayment({ log }, step(w, p, EVALUATOR));
const attestThenApprove: Op = async (w, log, p) => {
  await attestPayment({ log }, step(w, p, EVALUATOR));
  return approvePayment({ log }, step(w, p, APPROVER));
};
const approveThenPay: Op = async (w, log, p) => {
  await approvePayment({ log }, step(w, p, APPROVER));
  return markPaid({ log }, { ...step(w, p, TREASURY), paymentOrder: '501', paidOn: '2024-09-30' });
};
const reject: Op = (w, log, p) => rejectPayment({ log }, { ...step(w, p, DEPUTY), reason: 'needs a review' });
/** A second calculation of y1, then its attestation and approval by another ministry subject. */
const reEvaluateThenApprove: Op = async (w, log) => {
  const b = await reEvaluate(w, log);
  await attestPayment({ log }, step(w, b, EVALUATOR));
  return approvePayment({ log }, step(w, b, DEPUTY));
};

export interface Race {
  readonly name: string;
  /** How far payment A of y1 has gone before the race. */
  readonly start: 'calculated' | 'attested';
  readonly ops: readonly [Op, Op];
  readonly gating: Gating;
}

export const RACES: readonly Race[] = [
  {
    name: 're-evaluate vs approve (attest, then approve, the calculation it supersedes)',
    start: 'calculated',
    ops: [(w, log) => reEvaluate(w, log), attestThenApprove],
    gating: 'size-and-append',
  },
  {
    name: 'approve vs approve of two calculations of one period',
    start: 'calculated',
    ops: [attestThenApprove, reEvaluateThenApprove],
    gating: 'size-and-append',
  },
  {
    name: 'mark-paid (after approving) vs reject',
    start: 'attested',
    ops: [approveThenPay, reject],
    gating: 'size-and-append',
  },
  {
    name: 'attest vs re-evaluate',
    start: 'calculated',
    ops: [attest, (w, log) => reEvaluate(w, log)],
    gating: 'every-call',
  },
];

/**
 * One order of one race on a new contract (on `log`, in memory by default;
 * `spec` may give the contract another id): exactly one winner, the loser
 * refused with a conflict, and the log (read back verified: chained, hashing
 * to the stored root) breaking no settlement invariant.
 */
export async function runRace(
  race: Race,
  interleaving: Interleaving,
  options: { readonly spec?: ContractSpec; readonly log?: ContractLog } = {},
): Promise<void> {
  const world = await SettlementWorld.create(options.spec ?? SPEC, options.log);
  const a = await reEvaluate(world, world.log);
  if (race.start === 'attested') await attestPayment({ log: world.log }, step(world, a, EVALUATOR));
  const outcomes = await interleaving.run(
    world.log,
    race.ops.map((op) => (log: ContractLog) => op(world, log, a)),
    race.gating,
  );
  const where = `${race.name}, order ${interleaving.trace.join(' ')}`;
  const won = outcomes.filter((o) => o.status === 'fulfilled');
  const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  const entries = await world.entries();
  expect(settlementProblems(entries), where).toEqual([]);
  expect(won.length, `${where}: exactly one winner (${lost.map((e) => e.message).join('; ')})`).toBe(1);
  expect(lost[0], where).toBeInstanceOf(ConflictError);
  expect(lost[0]?.message, where).toMatch(/cannot|meanwhile|nothing was written/);
}
