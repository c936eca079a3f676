/**
 * A model test of the payment workflow under random interleavings: each run
 * is a few rounds of operations started together (evaluate or re-evaluate a
 * period, attest, approve, reject, record as paid), each by one of several
 * subjects, on a payment chosen from the log as the operation finds it; the
 * order of their log calls is drawn too (test/support/interleavings.ts). Any
 * operation may be refused; none may break a rule of settling once:
 * - at most one approved or paid payment per period, none attested or
 *   approved while superseded, no period recalculated once its payment is
 *   attested (test/support/settlement.ts);
 * - what is approved or paid stays within the overall and per-period caps;
 * - the log verifies (entries chained, leaves hashing to the stored root) and
 *   its payment states follow from it;
 * - a refusal is a domain error (conflict, forbidden, not found), never an
 *   integrity error or a crash.
 *
 * Seeded and replayable: the seed is printed; WORKFLOW_MODEL_SEED=<seed>
 * (and WORKFLOW_MODEL_PATH=<path>, from fast-check's failure report) replays
 * one run exactly, as the interleavings are drawn from the seed too;
 * WORKFLOW_MODEL_RUNS=<n> runs more (60 by default).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError, IntegrityError } from '#kernel';
import type { Actor } from '#ledger';
import {
  approvePayment,
  attestPayment,
  type ContractLog,
  markPaid,
  readPayments,
  rejectPayment,
  runEvaluation,
} from '#services';
import { Records, specWith } from '../support/evaluation-fixtures.ts';
import { Interleaving } from '../support/interleavings.ts';
import { cohort, SettlementWorld, settlementProblems } from '../support/settlement.ts';

const SEED = Number(process.env.WORKFLOW_MODEL_SEED ?? 20261206);
const PATH = process.env.WORKFLOW_MODEL_PATH;
const RUNS = Number(process.env.WORKFLOW_MODEL_RUNS ?? 60);

/** Caps that bite: y1 pays 30,000,000.00 of 50,000,000.00 overall, at most 32,000,000.00 a period; no return cap. */
const SPEC = specWith('second-chance-kamchatka', (raw) => {
  raw.caps = { overall: '5000000000', perPeriod: '3200000000' };
  delete raw.returnCap;
});
const PERIODS = SPEC.periods.map((p) => p.id);

const EVALUATORS: readonly Actor[] = ['analyst-1', 'analyst-2', 'evaluator-1'].map((sub) => ({
  sub,
  role: 'evaluator',
}));
const MINISTRY: readonly Actor[] = ['ministry-1', 'ministry-2', 'treasury-1'].map((sub) => ({ sub, role: 'ministry' }));

const KINDS = ['evaluate', 'attest', 'approve', 'reject', 'mark-paid'] as const;
/** The state each step follows. */
const FROM = { attest: 'calculated', approve: 'attested', reject: 'attested', 'mark-paid': 'approved' } as const;

interface Action {
  readonly kind: (typeof KINDS)[number];
  /** Which subject of the role acts. */
  readonly subject: number;
  /** Which period (evaluate) or which payment of the log (the steps), modulo how many there are. */
  readonly target: number;
}

const actionArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant('evaluate' as const), weight: 3 },
    { arbitrary: fc.constantFrom(...KINDS.slice(1)), weight: 8 },
  ),
  subject: fc.nat({ max: 2 }),
  target: fc.nat({ max: 7 }),
});

/** Rounds of 1 to 3 operations started together, and the choices that order their log calls. */
const runArb = fc.record({
  rounds: fc.array(fc.array(actionArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 10 }),
  choices: fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 64 }),
});

/** One operation as a client makes it: read the payments, pick one, take the step. */
async function act(world: SettlementWorld, log: ContractLog, action: Action): Promise<unknown> {
  const { contract } = world;
  if (action.kind === 'evaluate') {
    const period = PERIODS[action.target % PERIODS.length] as string;
    const actor = EVALUATORS[action.subject] as Actor;
    return runEvaluation(world.ports(log), { contract, period, actor });
  }
  // A client picks a payment its step can follow (else any), as the log showed it when it looked.
  const payments = await readPayments({ log }, contract);
  const ready = payments.filter((p) => p.state === FROM[action.kind as keyof typeof FROM]);
  const pool = ready.length > 0 ? ready : payments;
  const payment = pool[action.target % Math.max(1, pool.length)]?.payment ?? 0;
  const request = (actors: readonly Actor[]) => ({ contract, payment, actor: actors[action.subject] as Actor });
  switch (action.kind) {
    case 'attest':
      return attestPayment({ log }, request(EVALUATORS));
    case 'approve':
      return approvePayment({ log }, request(MINISTRY));
    case 'reject':
      return rejectPayment({ log }, { ...request(MINISTRY), reason: 'the figures need a review' });
    case 'mark-paid':
      return markPaid({ log }, { ...request(MINISTRY), paymentOrder: `po-${payment}`, paidOn: '2024-09-30' });
  }
}

/** The invariants on the log as it is now (read back verified: chained, hashing to the stored root). */
async function checkInvariants(world: SettlementWorld): Promise<void> {
  const entries = await world.entries();
  expect(settlementProblems(entries)).toEqual([]);
  const settled = (await readPayments({ log: world.log }, world.contract)).filter(
    (s) => s.state === 'approved' || s.state === 'paid',
  );
  const sum = (list: typeof settled) => list.reduce((n, s) => n + BigInt(s.total), 0n);
  expect(sum(settled) <= BigInt(SPEC.caps.overall as string), 'within the overall cap').toBe(true);
  for (const period of PERIODS) {
    const ofPeriod = settled.filter((s) => s.period === period);
    expect(sum(ofPeriod) <= BigInt(SPEC.caps.perPeriod as string), `${period} within the per-period cap`).toBe(true);
  }
}

describe('the payment workflow under random interleavings of steps by different subjects', () => {
  it(`keeps every period settled at most once, within the caps, on a log that verifies (seed ${SEED})`, async () => {
    console.info(
      `workflow model: seed ${SEED}, ${RUNS} runs (replay one with WORKFLOW_MODEL_SEED=${SEED} WORKFLOW_MODEL_PATH=<path>)`,
    );
    const taken = new Set<string>();
    const ev = new Records();
    const records = cohort(ev, 200, 63);
    await fc.assert(
      fc.asyncProperty(runArb, async ({ rounds, choices }) => {
        const world = await SettlementWorld.create(SPEC);
        await world.addBatch(records);
        let next = 0;
        const choose = (arity: number) => (choices[next++ % choices.length] as number) % arity;
        // The first calculation of y1 is made before anything else (a step needs a payment).
        await act(world, world.log, { kind: 'evaluate', subject: 0, target: 0 });
        for (const round of rounds) {
          const outcomes = await new Interleaving(choose).run(
            world.log,
            round.map((action) => (log: ContractLog) => act(world, log, action)),
            'size-and-append',
          );
          outcomes.forEach((o, i) => {
            if (o.status === 'fulfilled') taken.add(round[i]?.kind as string);
          });
          for (const o of outcomes) {
            if (o.status === 'fulfilled') continue;
            expect(o.reason).toBeInstanceOf(DomainError);
            expect(o.reason).not.toBeInstanceOf(IntegrityError);
          }
          await checkInvariants(world);
        }
      }),
      { seed: SEED, numRuns: RUNS, ...(PATH === undefined ? {} : { path: PATH }) },
    );
    // Not vacuous: over the runs, every kind of operation was taken at least once.
    expect([...taken].sort()).toEqual([...KINDS].sort());
  }, 300_000);
});
