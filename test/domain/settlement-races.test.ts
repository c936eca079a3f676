/**
 * Settle once, enforced by the write: two use cases run concurrently on one
 * in-memory log under EVERY order of their log calls (test/support/interleavings.ts
 * gates each call and enumerates the orders; no timers), and each order must
 * end with exactly one winner, a log that verifies, payment states that
 * follow from it, and none of the settlement invariants broken
 * (test/support/settlement.ts): one approved or paid payment per period, no
 * attestation or approval of a superseded calculation, no recalculation of a
 * period whose payment is attested, approved or paid.
 *
 * A step's reads of entries and roots read a prefix fixed by a size it read
 * before, which no append changes (the log only grows), so in the longer
 * pairs only size() and append() are gated: every other call commutes with
 * the other operation's calls, and the orders left out are equivalent to ones
 * run. The shortest pair (attest vs re-evaluate) gates every call.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '#kernel';
import type { Actor } from '#ledger';
import {
  approvePayment,
  attestPayment,
  type ContractLog,
  markPaid,
  readVerifiedEntries,
  rejectPayment,
  runEvaluation,
} from '#services';
import { loadSpec } from '../support/evaluation-fixtures.ts';
import { forEachInterleaving, type Gating, type Interleaving } from '../support/interleavings.ts';
import { SettlementWorld, settlementProblems } from '../support/settlement.ts';

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

interface Race {
  readonly name: string;
  /** How far payment A of y1 has gone before the race. */
  readonly start: 'calculated' | 'attested';
  readonly ops: readonly [Op, Op];
  readonly gating: Gating;
}

const RACES: readonly Race[] = [
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

/** One order of one race: its outcomes, checked. */
async function runOnce(race: Race, interleaving: Interleaving): Promise<void> {
  const world = await SettlementWorld.create(SPEC);
  const a = await reEvaluate(world, world.ledger.log);
  if (race.start === 'attested') await attestPayment({ log: world.ledger.log }, step(world, a, EVALUATOR));
  const outcomes = await interleaving.run(
    world.ledger.log,
    race.ops.map((op) => (log: ContractLog) => op(world, log, a)),
    race.gating,
  );
  const where = `${race.name}, order ${interleaving.trace.join(' ')}`;
  const won = outcomes.filter((o) => o.status === 'fulfilled');
  const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  const entries = world.ledger.entries();
  expect(settlementProblems(entries), where).toEqual([]);
  expect(won.length, `${where}: exactly one winner (${lost.map((e) => e.message).join('; ')})`).toBe(1);
  expect(lost[0], where).toBeInstanceOf(ConflictError);
  expect(lost[0]?.message, where).toMatch(/cannot|meanwhile|nothing was written/);
  await readVerifiedEntries(world.ledger.log, world.contract, entries.length);
}

describe('settle once: every order of two concurrent operations has one winner', () => {
  for (const race of RACES) {
    it(race.name, async () => {
      const runs = await forEachInterleaving((interleaving) => runOnce(race, interleaving));
      expect(runs).toBeGreaterThan(1);
    });
  }
});
