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
 *
 * And a decision whose log grew for another reason (an evidence batch) is
 * checked again and recorded after it, or refused if the log keeps growing.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '#kernel';
import type { Actor } from '#ledger';
import { approvePayment, attestPayment, type ContractLog, runEvaluation } from '#services';
import { loadSpec } from '../support/evaluation-fixtures.ts';
import { forEachInterleaving } from '../support/interleavings.ts';
import { SettlementWorld, settlementProblems } from '../support/settlement.ts';
import { RACES, runRace } from '../support/settlement-races.ts';

const SPEC = loadSpec('second-chance-kamchatka');

describe('settle once: every order of two concurrent operations has one winner', () => {
  for (const race of RACES) {
    it(race.name, async () => {
      const runs = await forEachInterleaving((interleaving) => runRace(race, interleaving));
      expect(runs).toBeGreaterThan(1);
    });
  }
});

/** A log on which `meanwhile` runs (an evidence batch, say) right before each of the first `times` appends. */
function growingLog(world: SettlementWorld, times: number, meanwhile: () => Promise<unknown>): ContractLog {
  const log = world.log;
  let left = times;
  return {
    size: (c) => log.size(c),
    rootAt: (c, n) => log.rootAt(c, n),
    entries: (c, from, to) => log.entries(c, from, to),
    append: async (c, key, intent, options) => {
      if (left-- > 0) await meanwhile();
      return log.append(c, key, intent, options);
    },
  };
}

describe('a decision whose log grew for another reason between its checks and its append', () => {
  const evaluator: Actor = { sub: 'attesting-evaluator', role: 'evaluator' };
  const approver: Actor = { sub: 'ministry-approver', role: 'ministry' };
  const analyst: Actor = { sub: 'calc-analyst', role: 'evaluator' };

  it('is checked again on the grown log and recorded after what was appended', async () => {
    const world = await SettlementWorld.create(SPEC);
    const payment = (await runEvaluation(world.ports(), { contract: world.contract, period: 'y1', actor: analyst }))
      .entry.seq;
    await attestPayment({ log: world.log }, { contract: world.contract, payment, actor: evaluator });
    const log = growingLog(world, 1, () => world.addBatch([]));

    const receipt = await approvePayment({ log }, { contract: world.contract, payment, actor: approver });

    const entries = await world.entries();
    expect(entries.map((e) => e.kind).slice(-2)).toEqual(['evidence.batch', 'payment.approved']);
    expect(receipt).toMatchObject({ seq: entries.length - 1, step: 'approved', replayed: false });
    expect(settlementProblems(entries)).toEqual([]);
    // The same approval again, on a log grown since: the original entry.
    await world.addBatch([]);
    const again = await approvePayment({ log }, { contract: world.contract, payment, actor: approver });
    expect(again).toEqual({ ...receipt, replayed: true });
  });

  it('records an evaluation after an unrelated entry, checked again', async () => {
    const world = await SettlementWorld.create(SPEC);
    const size = await world.log.size(world.contract);
    const log = growingLog(world, 1, () => world.addBatch([]));

    const run = await runEvaluation(world.ports(log), { contract: world.contract, period: 'y1', actor: analyst });

    expect(run.result.checkpoint.size).toBe(size);
    expect(run.entry).toMatchObject({ seq: size + 1, replayed: false });
    expect((await world.entries()).map((e) => e.kind).slice(-2)).toEqual(['evidence.batch', 'evaluation.recorded']);
  });

  it('is refused, nothing written, when the log keeps growing', async () => {
    const world = await SettlementWorld.create(SPEC);
    const payment = (await runEvaluation(world.ports(), { contract: world.contract, period: 'y1', actor: analyst }))
      .entry.seq;
    const log = growingLog(world, Number.POSITIVE_INFINITY, () => world.addBatch([]));

    const attempt = attestPayment({ log }, { contract: world.contract, payment, actor: evaluator });

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `^cannot attest payment ${world.contract}/${payment}: the log of ${world.contract} kept growing while the step was checked \\(5 tries\\); nothing was written, try again$`,
      ),
    );
    expect((await world.entries()).filter((e) => e.kind === 'payment.attested')).toEqual([]);
  });
});
