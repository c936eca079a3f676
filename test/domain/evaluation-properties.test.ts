/**
 * Properties of evaluate() over random small per-outcome contracts (Second
 * Chance reduced to two metrics and two per-outcome rules: a price per
 * participant employed within 180 days of release, and a price per day worked
 * in the first year after enrolment), random caps,
 * investor shares and rounding, and random sequences of periods, each adding
 * enrolments, jobs, withdrawals and corrections of earlier records, then
 * evaluated and recorded in the log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContractSpec, ROUNDING_MODES } from '#contracts';
import { type EvaluationResult, encodeResult, keyId, roundToStep } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { addDays, ledgerFor, pseudonym, Records, specWith } from '../support/evaluation-fixtures.ts';

/** Investor shares that sum to exactly 1. */
const SHARE_SETS = [
  ['1'],
  ['0.5', '0.5'],
  ['0.6', '0.4'],
  ['0.25', '0.25', '0.5'],
  ['0.334', '0.333', '0.333'],
  ['0.1', '0.2', '0.3', '0.4'],
] as const;

const money = (max: number) => fc.integer({ min: 0, max }).map(String);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const contractArb = fc.record({
  jobPrice: fc.integer({ min: 1, max: 1_000_000 }).map(String),
  dayPrice: fc.integer({ min: 1, max: 2_000 }).map(String),
  step: fc.constantFrom('1', '100', '5000'),
  mode: fc.constantFrom(...ROUNDING_MODES),
  overall: maybe(money(6_000_000)),
  perPeriod: maybe(money(4_000_000)),
  perOutcomeJob: maybe(money(3_000_000)),
  perOutcomeDays: maybe(money(3_000_000)),
  shares: fc.constantFrom(...SHARE_SETS),
});
type ContractArgs = typeof contractArb extends fc.Arbitrary<infer T> ? T : never;

const periodArb = fc.record({
  enrol: fc.integer({ min: 0, max: 4 }),
  jobs: fc.array(fc.record({ who: fc.nat(), offset: fc.integer({ min: 0, max: 240 }), permanent: fc.boolean() }), {
    maxLength: 5,
  }),
  withdrawals: fc.array(fc.record({ who: fc.nat(), offset: fc.integer({ min: 0, max: 240 }) }), { maxLength: 1 }),
  corrections: fc.array(fc.record({ which: fc.nat(), offset: fc.integer({ min: 0, max: 240 }) }), { maxLength: 2 }),
});
type PeriodArgs = typeof periodArb extends fc.Arbitrary<infer T> ? T : never;

function contractOf(c: ContractArgs): ContractSpec {
  return specWith('second-chance-kamchatka', (raw) => {
    (raw.parties as { investors: unknown }).investors = c.shares.map((share, i) => ({
      id: `investor-${i + 1}`,
      name: `Investor ${i + 1}`,
      share,
    }));
    // Only the metrics paid for (intervals cost time, and the property is about payments).
    raw.metrics = [
      ...(raw.metrics as { id: string }[]).filter((m) => m.id === 'employed'),
      {
        id: 'days-worked',
        title: 'Days worked in the first year after enrolment',
        kind: 'days-employed',
        window: { anchor: 'enrolment', days: 365 },
      },
    ];
    raw.comparisons = [];
    raw.payments = [
      { id: 'job', kind: 'per-outcome', metric: 'employed', price: c.jobPrice },
      { id: 'days', kind: 'per-outcome', metric: 'days-worked', price: c.dayPrice },
    ];
    const perOutcome = {
      ...(c.perOutcomeJob === undefined ? {} : { job: c.perOutcomeJob }),
      ...(c.perOutcomeDays === undefined ? {} : { days: c.perOutcomeDays }),
    };
    raw.caps = {
      ...(c.overall === undefined ? {} : { overall: c.overall }),
      ...(c.perPeriod === undefined ? {} : { perPeriod: c.perPeriod }),
      ...(Object.keys(perOutcome).length === 0 ? {} : { perOutcome }),
    };
    delete raw.returnCap;
    raw.rounding = { mode: c.mode, step: c.step };
  });
}

/** A date `offset` days into a period, not before `notBefore`, not after the period's end. */
function dayIn(period: ContractSpec['periods'][number], offset: number, notBefore = period.from): string {
  const from = notBefore > period.from ? notBefore : period.from;
  const day = addDays(from, offset);
  return day > period.to ? period.to : day;
}

const sum = (values: readonly string[]) => values.reduce((s, v) => s + BigInt(v), 0n);

describe('evaluate over random per-outcome contracts and periods', () => {
  it('never exceeds a cap, splits every total exactly, reproduces its bytes, and never pays an outcome twice', () => {
    fc.assert(
      fc.property(contractArb, fc.array(periodArb, { minLength: 1, maxLength: 3 }), (args, periods) => {
        const spec = contractOf(args);
        const ev = new Records();
        const ledger = ledgerFor(spec);
        const people: { p: string; enrolled: string }[] = [];
        const correctable: StoredRecord[] = [];
        const net = new Map<string, bigint>();
        const netByRule = new Map<string, bigint>();
        const recorded: { period: string; size: number; sha256: string }[] = [];
        const results: EvaluationResult[] = [];
        let running = 0n;
        const jobPrice = roundToStep(args.jobPrice, spec);

        periods.forEach((action: PeriodArgs, k) => {
          const period = spec.periods[k] as ContractSpec['periods'][number];
          const records: StoredRecord[] = [];
          for (let i = 0; i < action.enrol; i++) {
            const p = pseudonym(`prop-${people.length}`);
            const enrolled = dayIn(period, (people.length * 17) % 60);
            const record = ev.enrol(p, enrolled, { cohort: period.from.slice(0, 4) });
            records.push(record);
            correctable.push(record);
            people.push({ p, enrolled });
          }
          for (const job of people.length === 0 ? [] : action.jobs) {
            const person = people[job.who % people.length] as (typeof people)[number];
            const record = ev.job(
              person.p,
              dayIn(period, job.offset, person.enrolled),
              job.permanent ? 'permanent' : 'temporary',
            );
            records.push(record);
            correctable.push(record);
          }
          for (const w of people.length === 0 ? [] : action.withdrawals) {
            const person = people[w.who % people.length] as (typeof people)[number];
            records.push(ev.withdrawal(person.p, dayIn(period, w.offset, person.enrolled)));
          }
          for (const c of action.corrections) {
            // Each enrolment or job is corrected at most once.
            const [target] = correctable.splice(c.which % Math.max(1, correctable.length), 1);
            if (target !== undefined) records.push(ev.correction(target, dayIn(period, c.offset)));
          }
          if (records.length > 0) ledger.addBatch(records);

          // (c) The same checkpoint gives the same bytes.
          const result = ledger.evaluate(period.id);
          const bytes = encodeResult(result);
          expect(encodeResult(ledger.evaluate(period.id)).sha256).toBe(bytes.sha256);
          recorded.push({ period: period.id, size: ledger.size, sha256: bytes.sha256 });
          ledger.record(result);
          results.push(result);

          const p = result.payments;
          const total = BigInt(p.total);
          // (e) The lines, and the outcome lines' paidNow, both sum to the total.
          expect(sum(p.lines.map((l) => l.amount))).toBe(total);
          expect(sum(result.outcomes.map((o) => o.paidNow))).toBe(total);
          // (b) The allocation splits the total exactly, by the contract's investors in order.
          expect(sum(p.allocation.map((a) => a.amount))).toBe(total);
          expect(p.allocation.map((a) => a.share)).toEqual([...args.shares]);
          // The running total: what earlier evaluations paid, plus this one.
          expect(BigInt(p.paidBefore)).toBe(running);
          running += total;
          expect(BigInt(p.cumulative)).toBe(running);

          // (d) Each key: paid before as the earlier lines say; net paid between 0 and its entitlement.
          const seen = new Set<string>();
          for (const o of result.outcomes) {
            const id = keyId(o);
            expect(seen.has(id)).toBe(false);
            seen.add(id);
            const before = net.get(id) ?? 0n;
            expect(BigInt(o.paidBefore)).toBe(before);
            const after = before + BigInt(o.paidNow);
            expect(after >= 0n).toBe(true);
            expect(after <= BigInt(o.entitled)).toBe(true);
            if (o.rule === 'job') expect(BigInt(o.entitled) <= jobPrice).toBe(true);
            net.set(id, after);
            netByRule.set(o.rule, (netByRule.get(o.rule) ?? 0n) + BigInt(o.paidNow));
          }
          // A key holding money is always accounted for (kept or taken back), never dropped silently.
          for (const [id, paid] of net) if (paid !== 0n) expect(seen.has(id)).toBe(true);

          // (a) No cap is exceeded.
          if (args.overall !== undefined) expect(running <= BigInt(args.overall)).toBe(true);
          if (args.perPeriod !== undefined) expect(total <= BigInt(args.perPeriod)).toBe(true);
          if (args.perOutcomeJob !== undefined)
            expect((netByRule.get('job') ?? 0n) <= BigInt(args.perOutcomeJob)).toBe(true);
          if (args.perOutcomeDays !== undefined) {
            expect((netByRule.get('days') ?? 0n) <= BigInt(args.perOutcomeDays)).toBe(true);
          }
          for (const cap of p.caps) expect(BigInt(cap.after) <= BigInt(cap.limit)).toBe(true);
        });

        // (d) No participant is paid for employment more than once, net, over the whole sequence.
        const byParticipant = new Map<string, bigint>();
        for (const [id, paid] of net) {
          const [subject, rule] = id.split('|') as [string, string];
          if (rule === 'job') byParticipant.set(subject, (byParticipant.get(subject) ?? 0n) + paid);
        }
        for (const paid of byParticipant.values()) expect(paid >= 0n && paid <= jobPrice).toBe(true);
        // The running total is the sum of every line ever paid.
        expect(sum(results.flatMap((r) => r.payments.lines.map((l) => l.amount)))).toBe(running);
        // (c) Every checkpoint evaluated before still gives the same bytes with the log grown since.
        for (const r of recorded) expect(encodeResult(ledger.evaluate(r.period, r.size)).sha256).toBe(r.sha256);
      }),
      { numRuns: 60 },
    );
  });
});
