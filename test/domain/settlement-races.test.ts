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
import { forEachInterleaving } from '../support/interleavings.ts';
import { RACES, runRace } from '../support/settlement-races.ts';

describe('settle once: every order of two concurrent operations has one winner', () => {
  for (const race of RACES) {
    it(race.name, async () => {
      const runs = await forEachInterleaving((interleaving) => runRace(race, interleaving));
      expect(runs).toBeGreaterThan(1);
    });
  }
});
