import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, type ContractProfile, ContractProfileSchema } from '#contracts';
import { EVIDENCE_TYPES, type EvidenceInput, type StoredRecord, validateRecord } from '#evidence';
import { ContractKeyPseudonymizer, checkBatch, type KnownState } from '#intake';
import type { Problem } from '#kernel';
import { prepareBatch } from '#services';
import { splitIntoBatches } from '../../scenarios/batches.ts';
import { mulberry32 } from '../../scenarios/random.ts';
import { generateCohort } from '../../scenarios/second-chance/cohort.ts';
import { MISTAKE_KINDS, type MistakeKind, withErrors } from '../../scenarios/second-chance/mistakes.ts';
import { BASELINE_RATES, PROGRAMME_RATES } from '../../scenarios/second-chance/population.ts';
import { summariseCohort } from '../../scenarios/second-chance/summary.ts';

const KAMCHATKA: ContractProfile = ContractProfileSchema.parse(
  JSON.parse(readFileSync(new URL('../../contracts/second-chance-kamchatka.json', import.meta.url), 'utf8')),
);
/** The last day of the term: no generated record may be dated after it, so it is "today" at its strictest. */
const TODAY = '2026-03-31';
const SEED = 2023;
const cohort = generateCohort({ seed: SEED, participants: 300, profile: KAMCHATKA });
const pseudonymizer = new ContractKeyPseudonymizer(async () => new Uint8Array(32).fill(7));

/** Validates and pseudonymises like the ingest use case (records at their indexes). */
function prepare(records: readonly unknown[], batchId = 'test-batch') {
  return prepareBatch(
    {
      profile: KAMCHATKA,
      batchId,
      submitter: { sub: 'test-operator', role: 'operator' },
      records: records.map((value, at) => ({ at, value })),
      today: TODAY,
    },
    pseudonymizer,
  );
}

/** KnownState after the ledger took `records`. */
function remember(known: KnownState, records: readonly StoredRecord[]): KnownState {
  const enrolled = new Set(known.enrolled);
  const eventIds = new Set(known.eventIds);
  const employments = new Map([...known.employments].map(([k, v]) => [k, [...v]]));
  for (const r of records) {
    eventIds.add(r.eventId);
    if (r.type === 'enrolment') enrolled.add(r.participant);
    if (r.type === 'employment-started') {
      employments.set(r.participant, [
        ...(employments.get(r.participant) ?? []),
        { employerId: r.employerId, date: r.date },
      ]);
    }
  }
  return { enrolled, eventIds, employments };
}

const NOTHING_KNOWN: KnownState = { enrolled: new Set(), eventIds: new Set(), employments: new Map() };

describe('mulberry32', () => {
  it('is deterministic per seed and spreads over [0, 1)', () => {
    // Prepare
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);

    // Act
    const xs = Array.from({ length: 10_000 }, () => a());
    const ys = Array.from({ length: 10_000 }, () => b());
    const zs = Array.from({ length: 10 }, () => c());

    // Assess
    expect(xs).toEqual(ys);
    expect(zs).not.toEqual(xs.slice(0, 10));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe('generateCohort', () => {
  it('is deterministic for a seed, and another seed gives another cohort', () => {
    // Act
    const again = generateCohort({ seed: SEED, participants: 300, profile: KAMCHATKA });
    const other = generateCohort({ seed: SEED + 1, participants: 300, profile: KAMCHATKA });

    // Assess
    expect(again).toEqual(cohort);
    expect(other).not.toEqual(cohort);
  });

  it('gives each participant the same timeline whatever the cohort size (the correction aside)', () => {
    // Prepare
    const small = generateCohort({ seed: SEED, participants: 40, profile: KAMCHATKA });
    const byParticipant = (records: readonly EvidenceInput[]) => {
      const map = new Map<string, EvidenceInput[]>();
      for (const r of records) map.set(r.participant, [...(map.get(r.participant) ?? []), r]);
      return map;
    };
    const corrected = (records: readonly EvidenceInput[]) =>
      new Set(records.filter((r) => r.type === 'correction').map((r) => r.participant));

    // Act
    const a = byParticipant(small);
    const b = byParticipant(cohort);
    const skip = new Set([...corrected(small), ...corrected(cohort)]);

    // Assess
    expect(a.size).toBe(40);
    for (const [participant, records] of a) {
      if (!skip.has(participant)) expect(b.get(participant), participant).toEqual(records);
    }
  });

  it('gives disjoint participants and event ids for another range of participant numbers', () => {
    // Act
    const more = generateCohort({ seed: SEED, participants: 20, profile: KAMCHATKA, firstParticipant: 301 });

    // Assess
    const ids = new Set(cohort.map((r) => r.eventId));
    const participants = new Set(cohort.map((r) => r.participant));
    expect(more.some((r) => ids.has(r.eventId))).toBe(false);
    expect(more.some((r) => participants.has(r.participant))).toBe(false);
    expect(new Set(more.map((r) => r.participant)).size).toBe(20);
  });

  it('makes records that each pass validateRecord, dated inside the term and not after 2026-03-31', () => {
    // Act
    const problems = cohort.flatMap((r, at) =>
      validateRecord(r, { profile: KAMCHATKA, today: TODAY }).problems.map((p) => ({ at, ...p })),
    );

    // Assess
    expect(problems).toEqual([]);
    expect(cohort.length).toBeGreaterThan(1_000);
    for (const r of cohort) {
      expect(r.date >= '2023-08-01' && r.date <= '2026-03-31', r.eventId).toBe(true);
      if (r.type === 'enrolment') expect(r.date <= '2025-12-31', r.eventId).toBe(true);
    }
    expect(cohort.map((r) => r.date)).toEqual(cohort.map((r) => r.date).sort());
  });

  it.each(['antares-vko-2017', 'qarmet-karaganda-2026'])(
    'makes valid records for another contract too (%s: a short pilot, named cohorts)',
    async (name) => {
      // Prepare
      const profile = ContractProfileSchema.parse(
        JSON.parse(readFileSync(new URL(`../../contracts/${name}.json`, import.meta.url), 'utf8')),
      );

      // Act
      const records = generateCohort({ seed: SEED, participants: 100, profile });
      const problems = records.flatMap((r) => validateRecord(r, { profile, today: profile.term.to }).problems);
      const prepared = await prepareBatch(
        {
          profile,
          batchId: 'other',
          submitter: { sub: 'test-operator', role: 'operator' },
          records: records.map((value, at) => ({ at, value })),
          today: profile.term.to,
        },
        pseudonymizer,
      );

      // Assess
      expect(problems).toEqual([]);
      expect(prepared.problems).toEqual([]);
      expect(
        checkBatch(
          prepared.records.map((r) => r.record),
          NOTHING_KNOWN,
        ),
      ).toEqual([]);
      expect(() => generateCohort({ seed: SEED, participants: 1, profile, until: profile.term.from })).toThrow(
        RangeError,
      );
    },
  );

  it('holds no personal data: operator codes SC-000123, no national ID numbers, notes without names', () => {
    // Act
    const participants = new Set(cohort.map((r) => r.participant));
    const text = JSON.stringify(cohort);

    // Assess
    expect(participants.size).toBe(300);
    for (const p of participants) expect(p).toMatch(/^SC-[0-9]{6}$/);
    // SNILS (123-456-789 01), passport (4510 123456), INN: runs of 9 or more digits are ID-like; hashes aside.
    const withoutHashes = text.replace(/"[0-9a-f]{64}"/g, '""');
    expect(withoutHashes).not.toMatch(/[0-9](?:[\s-]?[0-9]){8,}/);
  });

  it('passes the cross-record rules over the whole cohort, as one batch and batch by batch', async () => {
    // Prepare
    const whole = await prepare(cohort);
    const batches = splitIntoBatches(cohort, 5);

    // Act
    const wholeProblems = checkBatch(
      whole.records.map((r) => r.record),
      NOTHING_KNOWN,
    );
    let known = NOTHING_KNOWN;
    const batchProblems: Problem[] = [];
    for (const [i, batch] of batches.entries()) {
      const prepared = await prepare(batch, `batch-${i + 1}`);
      batchProblems.push(...prepared.problems);
      const stored = prepared.records.map((r) => r.record);
      batchProblems.push(...checkBatch(stored, known).map((p) => ({ ...p, at: `batch ${i + 1} record ${p.at}` })));
      known = remember(known, stored);
    }

    // Assess
    expect(whole.problems).toEqual([]);
    expect(whole.records).toHaveLength(cohort.length);
    expect(wholeProblems).toEqual([]);
    expect(batchProblems).toEqual([]);
  });

  it('tells a plausible story: every type, the category mix, one correction, a few withdrawals', () => {
    // Act
    const summary = summariseCohort(cohort);
    const categories = new Map<string, number>();
    for (const r of cohort)
      if (r.type === 'enrolment') categories.set(r.category, (categories.get(r.category) ?? 0) + 1);
    const wages = cohort.flatMap((r) => (r.type === 'employment-started' ? [Number(r.monthlyWage) / 100] : []));
    const cohorts = new Set(cohort.flatMap((r) => (r.type === 'enrolment' ? [r.cohort] : [])));

    // Assess
    for (const type of EVIDENCE_TYPES) expect(summary.eventsByType[type], type).toBeGreaterThan(0);
    expect(summary.eventsByType.correction).toBe(1);
    expect(summary.eventsByType.withdrawal).toBeLessThan(30);
    for (const c of CATEGORIES) expect(categories.get(c) ?? 0, c).toBeGreaterThan(50);
    expect([...cohorts].sort()).toEqual(KAMCHATKA.cohorts);
    expect(Math.min(...wages)).toBeGreaterThanOrEqual(45_000);
    expect(Math.max(...wages)).toBeLessThanOrEqual(120_000);
    const correction = cohort.find((r) => r.type === 'correction');
    const superseded = cohort.findIndex(
      (r) => r.eventId === (correction?.type === 'correction' && correction.supersedes),
    );
    expect(superseded).toBeGreaterThanOrEqual(0);
    expect(superseded).toBeLessThan(cohort.indexOf(correction as EvidenceInput));
  });

  it.each([2023, 1, 7, 99])('is calibrated above the seed baseline (seed %i)', (seed) => {
    // Prepare
    const records = seed === SEED ? cohort : generateCohort({ seed, participants: 300, profile: KAMCHATKA });

    // Act
    const { rates } = summariseCohort(records);

    // Assess: the programme's targets within sampling tolerance, and above the baseline.
    expect(Math.abs(rates.employed - PROGRAMME_RATES.employed)).toBeLessThan(0.06);
    expect(Math.abs(rates.permanent - PROGRAMME_RATES.permanent)).toBeLessThan(0.035);
    expect(rates.employed).toBeGreaterThan(BASELINE_RATES.employed);
    expect(rates.permanent).toBeGreaterThan(BASELINE_RATES.permanent);
    expect(rates.reconvicted).toBeGreaterThan(0.06);
    expect(rates.reconvicted).toBeLessThan(PROGRAMME_RATES.reconvicted + 0.05);
  });
});

describe('splitIntoBatches', () => {
  it('splits in order into nearly equal, non-empty batches', () => {
    // Act
    const batches = splitIntoBatches(cohort, 5);

    // Assess
    expect(batches).toHaveLength(5);
    expect(batches.flat()).toEqual(cohort);
    const sizes = batches.map((b) => b.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(splitIntoBatches(cohort.slice(0, 3), 5)).toHaveLength(3);
    expect(() => splitIntoBatches(cohort, 0)).toThrow(RangeError);
  });

  it("keeps each participant's enrolment in the same or an earlier batch than their other events, whatever the input order", () => {
    // Prepare
    const reversed = [...cohort].reverse();

    // Act
    const batches = splitIntoBatches(reversed, 5);

    // Assess
    expect(batches.flat()).toHaveLength(cohort.length);
    const enrolledIn = new Map<string, number>();
    for (const [i, batch] of batches.entries()) {
      for (const r of batch) {
        if (r.type === 'enrolment') enrolledIn.set(r.participant, i);
        else expect(enrolledIn.get(r.participant), r.eventId).toBeLessThanOrEqual(i);
      }
    }
  });
});

describe('withErrors', () => {
  const base = generateCohort({ seed: SEED, participants: 20, profile: KAMCHATKA, firstParticipant: 301 });

  /** The problems of a batch as the ingest use case finds them (every record, then the cross-record rules). */
  async function problemsOf(records: readonly unknown[]): Promise<Problem[]> {
    const prepared = await prepare(records);
    const cross = checkBatch(
      prepared.records.map((r) => r.record),
      NOTHING_KNOWN,
      { at: prepared.at },
    );
    return [...prepared.problems, ...cross];
  }

  const EXPECTED: Record<MistakeKind, RegExp> = {
    'future-date': /is in the future/,
    'ended-before-start': /employment ends before it started/,
    'non-string-wage': /must be a string of digits/,
    'negative-wage': /must not be negative/,
    'unknown-service-type': /is not a service type of this contract/,
    'not-enrolled': /participant is not enrolled/,
    'duplicate-event-id': /duplicate eventId/,
    'name-in-note': /personal name/,
  };

  it('starts from a valid batch', async () => {
    // Act
    const problems = await problemsOf(base);

    // Assess
    expect(problems).toEqual([]);
  });

  it('injects each kind of mistake once, into a copy, and each is caught where it was made (and nowhere else)', async () => {
    // Prepare
    const before = structuredClone(base);

    // Act
    const { records, mistakes } = withErrors(base);
    const problems = await problemsOf(records);

    // Assess
    expect(base).toEqual(before);
    expect(records).toHaveLength(base.length);
    expect(mistakes.map((m) => m.kind).sort()).toEqual([...MISTAKE_KINDS].sort());
    for (const m of mistakes) {
      const here = problems.filter((p) => p.at === m.at);
      expect(here.length, m.kind).toBeGreaterThan(0);
      expect(
        here.some((p) => EXPECTED[m.kind].test(p.message)),
        `${m.kind}: ${JSON.stringify(here)}`,
      ).toBe(true);
    }
    expect(new Set(problems.map((p) => p.at))).toEqual(new Set(mistakes.map((m) => m.at)));
  });

  it('still makes every mistake in a batch without the records to host them (only enrolments)', async () => {
    // Prepare
    const enrolments = base.filter((r) => r.type === 'enrolment').slice(0, 2);

    // Act
    const { records, mistakes } = withErrors(enrolments);
    const problems = await problemsOf(records);

    // Assess
    expect(records.length).toBeGreaterThan(enrolments.length);
    expect(mistakes.map((m) => m.kind).sort()).toEqual([...MISTAKE_KINDS].sort());
    for (const m of mistakes) {
      expect(
        problems.some((p) => p.at === m.at && EXPECTED[m.kind].test(p.message)),
        `${m.kind}: ${JSON.stringify(problems.filter((p) => p.at === m.at))}`,
      ).toBe(true);
    }
  });

  it('refuses an empty batch', () => {
    // Assess
    expect(() => withErrors([])).toThrow(RangeError);
  });
});
