/**
 * The use cases store a party's signature only over what they append: an
 * evaluation (`calculated`, its payment the seq the entry gets), each
 * payment step, a published comparison figure. A signed note over anything
 * else is refused naming the field that differs, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '#kernel';
import {
  type Actor,
  comparisonStatement,
  type DecisionFacts,
  decisionProblem,
  decisionStatement,
  decisionsOfLog,
  type PartySignature,
} from '#ledger';
import { publicSummary, summaryHash } from '#reports';
import {
  approvePayment,
  attestPayment,
  computeEvaluation,
  markPaid,
  publishComparison,
  rejectPayment,
  runEvaluation,
} from '#services';
import { loadSpec, Records } from '../support/evaluation-fixtures.ts';
import { memoryParties } from '../support/parties.ts';
import { cohort, SettlementWorld } from '../support/settlement.ts';

const SPEC = loadSpec('second-chance-kamchatka');
const analyst: Actor = { sub: 'calc-analyst', role: 'evaluator' };
const evaluator: Actor = { sub: 'attesting-evaluator', role: 'evaluator' };
const approver: Actor = { sub: 'ministry-approver', role: 'ministry' };
const treasury: Actor = { sub: 'ministry-treasury', role: 'ministry' };

async function world(): Promise<SettlementWorld> {
  const w = await SettlementWorld.create(SPEC);
  await w.addBatch(cohort(new Records(), 120, 70));
  return w;
}

/** What the analyst signs for an evaluation of `period` recorded at the log's current size. */
async function calculation(w: SettlementWorld, period: string): Promise<DecisionFacts> {
  const size = await w.log.size(w.contract);
  const { result, sha256 } = await computeEvaluation(w.ports(), { contract: w.contract, period, checkpoint: size });
  return {
    contract: w.contract,
    payment: size,
    period,
    step: 'calculated',
    result: sha256,
    summary: summaryHash(publicSummary(result)),
    total: result.payments.total,
    minorUnit: result.payments.minorUnit,
    currency: result.payments.currency,
  };
}

const parties = memoryParties();

describe('a signed evaluation', () => {
  it("stores the analyst's signature over the calculated statement of the entry it appends", async () => {
    const w = await world();
    const facts = await calculation(w, 'y1');
    const run = await runEvaluation(w.ports(), {
      contract: w.contract,
      period: 'y1',
      checkpoint: facts.payment,
      actor: analyst,
      signature: parties.analyst.signed(decisionStatement(facts)),
    });
    expect(run.entry.seq).toBe(facts.payment);
    const entries = await w.entries();
    const signature = entries[run.entry.seq]?.body.signature as unknown as PartySignature;
    expect(signature).toEqual(parties.analyst.sign(decisionStatement(facts)));
    const [decision] = decisionsOfLog(w.contract, entries);
    expect(decision?.statement).toBe(decisionStatement(facts));
    expect(decisionProblem(decision as never, [parties.analyst.key])).toBeUndefined();
    // The same signed evaluation again, on a log grown since: the original entry.
    await w.addBatch([]);
    const again = await runEvaluation(w.ports(), {
      contract: w.contract,
      period: 'y1',
      checkpoint: facts.payment,
      actor: analyst,
      signature: parties.analyst.signed(decisionStatement(facts)),
    });
    expect(again.entry).toMatchObject({ seq: run.entry.seq, replayed: true });
  });

  it('over an earlier checkpoint names the seq the entry gets, and verifies as every decision does', async () => {
    const w = await world();
    const facts = await calculation(w, 'y1');
    await w.addBatch([]);
    const now = await w.log.size(w.contract);
    expect(now).toBeGreaterThan(facts.payment);
    // The log as it was at facts.payment, recorded now: the statement names entry `now`.
    const signed = { ...facts, payment: now };
    const run = await runEvaluation(w.ports(), {
      contract: w.contract,
      period: 'y1',
      checkpoint: facts.payment,
      actor: analyst,
      signature: parties.analyst.signed(decisionStatement(signed)),
    });
    expect(run.entry.seq).toBe(now);
    expect(run.result.checkpoint.size).toBe(facts.payment);
    const entries = await w.entries();
    const decision = decisionsOfLog(w.contract, entries).find((d) => d.seq === now);
    expect(decision?.statement).toBe(decisionStatement(signed));
    expect(decisionProblem(decision as never, [parties.analyst.key])).toBeUndefined();
    // The same request again: the original entry, whatever the log's size now.
    await w.addBatch([]);
    const again = await runEvaluation(w.ports(), {
      contract: w.contract,
      period: 'y1',
      checkpoint: facts.payment,
      actor: analyst,
      signature: parties.analyst.signed(decisionStatement(signed)),
    });
    expect(again.entry).toMatchObject({ seq: now, replayed: true });
  });

  it('is refused, naming the field, when the signed amount is not the computed one', async () => {
    const w = await world();
    const facts = await calculation(w, 'y1');
    const before = await w.log.size(w.contract);
    const attempt = runEvaluation(w.ports(), {
      contract: w.contract,
      period: 'y1',
      checkpoint: facts.payment,
      actor: analyst,
      signature: parties.analyst.signed(decisionStatement({ ...facts, total: `${BigInt(facts.total) + 100n}` })),
    });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ problems: [{ field: 'signature.amount' }] });
    expect(await w.log.size(w.contract)).toBe(before);
  });

  it('is refused as a conflict when the log moved past the signed checkpoint', async () => {
    const w = await world();
    const facts = await calculation(w, 'y1');
    await w.addBatch([]);
    const attempt = runEvaluation(w.ports(), {
      contract: w.contract,
      period: 'y1',
      checkpoint: facts.payment,
      actor: analyst,
      signature: parties.analyst.signed(decisionStatement(facts)),
    });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect((await w.entries()).filter((e) => e.kind === 'evaluation.recorded')).toEqual([]);
  });
});

describe('signed payment steps', () => {
  it('store the signature of each deciding party; the log verifies against the role keys', async () => {
    const w = await world();
    const calc = await calculation(w, 'y1');
    const payment = (
      await runEvaluation(w.ports(), { contract: w.contract, period: 'y1', checkpoint: calc.payment, actor: analyst })
    ).entry.seq;
    const at = (step: DecisionFacts['step'], extra: Partial<DecisionFacts> = {}) =>
      decisionStatement({ ...calc, payment, step, ...extra });
    const target = { contract: w.contract, payment };
    await attestPayment(w.ports(), {
      ...target,
      actor: evaluator,
      signature: parties.evaluator.signed(at('attested')),
    });
    await approvePayment(w.ports(), { ...target, actor: approver, signature: parties.ministry.signed(at('approved')) });
    const paid = { paymentOrder: 'ПП-1842', paidOn: '2024-09-30' };
    await markPaid(w.ports(), {
      ...target,
      actor: treasury,
      ...paid,
      signature: parties.treasury.signed(at('paid', paid)),
    });
    const decisions = decisionsOfLog(w.contract, await w.entries());
    expect(decisions.map((d) => [d.step, d.role, d.signature !== undefined])).toEqual([
      ['calculated', 'analyst', false],
      ['attested', 'evaluator', true],
      ['approved', 'ministry', true],
      ['paid', 'treasury', true],
    ]);
    for (const d of decisions.slice(1)) {
      expect(decisionProblem(d, [parties[d.role].key])).toBeUndefined();
    }
    expect(decisions[3]?.statement).toContain('\npayment-order ПП-1842\npaid-on 2024-09-30\n');
  });

  it('refuse a note signed for another step, another payment order or another reason, writing nothing', async () => {
    const w = await world();
    const calc = await calculation(w, 'y1');
    const payment = (await runEvaluation(w.ports(), { contract: w.contract, period: 'y1', actor: analyst })).entry.seq;
    const at = (step: DecisionFacts['step'], extra: Partial<DecisionFacts> = {}) =>
      decisionStatement({ ...calc, payment, step, ...extra });
    const target = { contract: w.contract, payment };
    const before = await w.log.size(w.contract);
    await expect(
      attestPayment(w.ports(), { ...target, actor: evaluator, signature: parties.evaluator.signed(at('approved')) }),
    ).rejects.toMatchObject({
      problems: [{ field: 'signature.step', message: 'step: signed approved, expected attested' }],
    });
    expect(await w.log.size(w.contract)).toBe(before);
    await attestPayment(w.ports(), { ...target, actor: evaluator });
    await expect(
      rejectPayment(w.ports(), {
        ...target,
        actor: approver,
        reason: 'the 2025 cohort is counted twice',
        signature: parties.ministry.signed(at('rejected', { reason: 'another reason' })),
      }),
    ).rejects.toMatchObject({ problems: [{ field: 'signature.reason-sha256' }] });
    const rejected = await rejectPayment(w.ports(), {
      ...target,
      actor: approver,
      reason: 'the 2025 cohort is counted twice',
      signature: parties.ministry.signed(at('rejected', { reason: 'the 2025 cohort is counted twice' })),
    });
    expect(rejected.replayed).toBe(false);
  });
});

describe('a signed comparison figure', () => {
  const figure = { comparison: 'reoffending-vs-comparison-group', group: 'all', value: '0.42', denominator: 1200 };

  it("stores the evaluator's signature over the figure's statement", async () => {
    const w = await world();
    const statement = comparisonStatement({ contract: w.contract, ...figure });
    const receipt = await publishComparison(
      w.ports(),
      w.contract,
      figure,
      evaluator,
      parties.evaluator.signed(statement),
    );
    const entries = await w.entries();
    expect(entries[receipt.seq]?.body.signature).toEqual(parties.evaluator.sign(statement));
    const decision = decisionsOfLog(w.contract, entries).find((d) => d.seq === receipt.seq);
    expect(decision).toMatchObject({ step: 'comparison', role: 'evaluator', statement });
    expect(decisionProblem(decision as never, [parties.evaluator.key])).toBeUndefined();
  });

  it('refuses a note over another value, naming the field', async () => {
    const w = await world();
    const signed = parties.evaluator.signed(comparisonStatement({ contract: w.contract, ...figure, value: '0.40' }));
    await expect(publishComparison(w.ports(), w.contract, figure, evaluator, signed)).rejects.toMatchObject({
      problems: [{ field: 'signature.value', message: 'value: signed 0.40, expected 0.42' }],
    });
  });
});
