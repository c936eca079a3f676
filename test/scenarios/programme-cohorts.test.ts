import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ContractProfile, ContractProfileSchema } from '#contracts';
import { type EvidenceInput, validateRecord } from '#evidence';
import { ContractKeyPseudonymizer, checkBatch, type KnownState } from '#intake';
import { prepareBatch } from '#services';
import { antaresBreakdown } from '../../scenarios/antares/breakdown.ts';
import { antaresEvidence } from '../../scenarios/antares/evidence.ts';
import { antaresFlags } from '../../scenarios/antares/flags.ts';
import { YOUTH_MAX_AGE } from '../../scenarios/antares/people.ts';
import {
  ANTARES_AGE_BANDS,
  ANTARES_SERVICES,
  ANTARES_STATUSES,
  antaresPublished,
} from '../../scenarios/antares/published.ts';
import { splitIntoBatches } from '../../scenarios/batches.ts';
import { interleave } from '../../scenarios/interleave.ts';
import { QARMET_EMPLOYER, qarmetEvidence } from '../../scenarios/qarmet/cohort.ts';
import { qarmetFigures } from '../../scenarios/qarmet/figures.ts';

const profileOf = (id: string): ContractProfile =>
  ContractProfileSchema.parse(JSON.parse(readFileSync(new URL(`../../contracts/${id}.json`, import.meta.url), 'utf8')));
const ANTARES = profileOf('antares-vko-2017');
const QARMET = profileOf('qarmet-karaganda-2026');
/** The day the scenarios are evaluated on: both terms are in the past. */
const TODAY = '2026-11-22';
const pseudonymizer = new ContractKeyPseudonymizer(async () => new Uint8Array(32).fill(9));
const NOTHING_KNOWN: KnownState = { enrolled: new Set(), eventIds: new Set(), employments: new Map() };

/** Every record through validateRecord, then the whole list through the ingest's checks and checkBatch. */
async function problemsOf(profile: ContractProfile, records: readonly EvidenceInput[], today: string) {
  const single = records.flatMap((r, at) =>
    validateRecord(r, { profile, today }).problems.map((p) => ({ at, ...p, eventId: r.eventId })),
  );
  const prepared = await prepareBatch(
    {
      profile,
      batchId: 'test',
      submitter: { sub: 'test-operator', role: 'operator' },
      records: records.map((value, at) => ({ at, value })),
      today,
    },
    pseudonymizer,
  );
  const cross = checkBatch(
    prepared.records.map((r) => r.record),
    NOTHING_KNOWN,
  );
  return [...single, ...prepared.problems, ...cross];
}

const countBy = <T>(items: readonly T[], key: (item: T) => string | undefined): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

describe('interleave', () => {
  it('holds each key its count of times, spread evenly', () => {
    // Act
    const seq = interleave({ a: 6, b: 3, c: 0 });

    // Assess
    expect(seq).toHaveLength(9);
    expect(countBy(seq, (k) => k)).toEqual({ a: 6, b: 3 });
    expect(seq.slice(0, 3).filter((k) => k === 'b')).toHaveLength(1);
  });
});

describe('antaresPublished', () => {
  it("holds the report's figures and the arithmetic that shows the inconsistency", () => {
    // Act
    const { arithmetic: a, services, pilot } = antaresPublished;

    // Assess
    expect(Object.values(services).reduce((s, n) => s + n, 0)).toBe(210);
    expect(a.servicesListed).toBe(210);
    expect(a.servicesReported).toBe(188);
    expect(a.servicesGap).toBe(22);
    expect(pilot).toEqual({ enrolled: 68, planned: 30, services: 188 });
    expect(services.leisure).toBe(8);
    expect(antaresPublished.servicesPlanned.leisure).toBe(30);
    expect(a.reached).toBe(257); // 150 surveyed + 39 at the meetings + 68 in the pilot
    expect([a.sexSum, a.statusSum, a.ageSum]).toEqual([257, 257, 257]);
    expect(a.addictionTreatmentExpected).toBe(20);
  });

  it('flags the service total, the scope of the 257, addiction treatment, "50+", and the two departures from plan', () => {
    // Act
    const flags = antaresFlags();
    const text = flags.map((f) => f.message).join('\n');

    // Assess
    expect(flags.map((f) => f.id)).toEqual([
      'services-total',
      'participants-scope',
      'addiction-treatment',
      'aged-50-plus',
      'enrolled-vs-plan',
      'leisure-vs-plan',
    ]);
    expect(text).toContain('sum to 210, not the 188 services reported');
    expect(text).toContain('257 = 150 surveyed + 39 at the two meetings + 68 in the pilot');
    expect(text).toContain('68 enrolled in the pilot against 30 planned');
    expect(text).toContain('leisure: 8 served against 30 planned');
  });

  it('drops a flag once the arithmetic agrees, and flags a table that does not sum to its total', () => {
    // Prepare: the report as it would read with the listed services' own total, and one woman more.
    const p = antaresPublished;
    const fixed = { ...p, pilot: { ...p.pilot, services: 210 } };
    const broken = { ...p, participants: { ...p.participants, bySex: { male: 197, female: 61 } } };

    // Act
    const afterFix = antaresFlags(fixed).map((f) => f.id);
    const afterBreak = antaresFlags(broken);

    // Assess
    expect(afterFix).not.toContain('services-total');
    expect(afterFix).toContain('participants-scope');
    expect(afterBreak.find((f) => f.id === 'sex-sum')?.message).toBe(
      'the table by sex sums to 258, not the 257 participants it states',
    );
  });
});

describe('antaresEvidence', () => {
  const records = antaresEvidence(ANTARES);

  it('validates against the Antares profile, record by record and across records', async () => {
    // Act
    const problems = await problemsOf(ANTARES, records, ANTARES.term.to);
    const later = await problemsOf(ANTARES, records, TODAY);

    // Assess
    expect(problems).toEqual([]);
    expect(later).toEqual([]);
  });

  it('also passes the cross-record rules batch by batch', async () => {
    // Prepare
    const batches = splitIntoBatches(records, 5);

    // Act
    const problems = (await Promise.all(batches.map((b) => problemsOf(ANTARES, b, TODAY)))).flat();

    // Assess: later batches only miss enrolments of earlier ones, which the ledger would know.
    expect(problems.every((p) => /not enrolled/.test(p.message))).toBe(true);
  });

  it('is deterministic, dated inside the term, with operator codes AA-000123 and no personal data', () => {
    // Act
    const again = antaresEvidence(ANTARES);
    const participants = new Set(records.map((r) => r.participant));
    const dates = records.map((r) => r.date).sort();

    // Assess
    expect(again).toEqual(records);
    expect(participants.size).toBe(257);
    for (const p of participants) expect(p).toMatch(/^AA-[0-9]{6}$/);
    expect(dates[0]).toBe('2017-07-21');
    expect(dates.every((d) => d >= '2017-07-21' && d <= '2017-11-21')).toBe(true);
    expect(records.map((r) => r.date)).toEqual(dates); // in time order
    const withoutHashes = JSON.stringify(records).replace(/"[0-9a-f]{64}"/g, '""');
    expect(withoutHashes).not.toMatch(/[0-9](?:[\s-]?[0-9]){8,}/);
  });

  it('reproduces every published breakdown when counted from the records', () => {
    // Prepare
    const enrolments = records.flatMap((r) => (r.type === 'enrolment' ? [r] : []));
    const services = records.flatMap((r) => (r.type === 'service' ? [r] : []));
    const p = antaresPublished.participants;

    // Act
    const bySex = countBy(enrolments, (e) => e.sex);
    const byStatus = countBy(enrolments, (e) => e.status);
    const byAge = countBy(enrolments, (e) => {
      const age = Number(e.date.slice(0, 4)) - e.birthYear;
      return ANTARES_AGE_BANDS.find((b) => age >= b.from && (b.to === undefined || age <= b.to))?.id;
    });
    const byType = countBy(services, (s) => s.serviceType);
    const served = new Set(services.map((s) => s.participant));

    // Assess
    expect(enrolments).toHaveLength(p.total);
    expect(bySex).toEqual(p.bySex);
    expect(byStatus).toEqual(p.byStatus);
    expect(Object.keys(byStatus).sort()).toEqual([...ANTARES_STATUSES].sort());
    expect({ ...byAge, '13-16': byAge['13-16'] ?? 0 }).toEqual(p.byAgeBand);
    expect(byType).toEqual(antaresPublished.services);
    expect(Object.keys(byType).sort()).toEqual([...ANTARES_SERVICES].sort());
    expect(services).toHaveLength(210);
    expect(served.size).toBe(antaresPublished.pilot.enrolled);
  });

  it('assigns statuses consistently with ages, and gives every pilot participant at least two services, each type once', () => {
    // Prepare
    const enrolments = records.flatMap((r) => (r.type === 'enrolment' ? [r] : []));
    const age = (e: (typeof enrolments)[number]) => Number(e.date.slice(0, 4)) - e.birthYear;
    const services = records.flatMap((r) => (r.type === 'service' ? [r] : []));

    // Act
    const perParticipant = new Map<string, string[]>();
    for (const s of services)
      perParticipant.set(s.participant, [...(perParticipant.get(s.participant) ?? []), s.serviceType]);
    const pilotStatuses = new Set(enrolments.filter((e) => perParticipant.has(e.participant)).map((e) => e.status));

    // Assess
    for (const e of enrolments) {
      if (e.status === 'youth') expect(age(e)).toBeLessThanOrEqual(YOUTH_MAX_AGE);
      if (e.status === 'aged-50-plus') expect(age(e)).toBeGreaterThanOrEqual(50);
    }
    for (const types of perParticipant.values()) {
      expect(types.length).toBeGreaterThanOrEqual(2);
      expect(new Set(types).size).toBe(types.length);
    }
    // Staff and partners are never among the pilot's participants.
    for (const staff of ['civil-servant', 'public-sector', 'ngo', 'business'])
      expect(pilotStatuses.has(staff as never)).toBe(false);
    // Services come on or after the participant's enrolment.
    const enrolledOn = new Map(enrolments.map((e) => [e.participant, e.date]));
    for (const s of services) expect(s.date >= (enrolledOn.get(s.participant) as string)).toBe(true);
  });

  it('agrees with antaresBreakdown, which counts stored records the same way', () => {
    // Act
    const b = antaresBreakdown(records);

    // Assess
    expect(b.participants).toBe(257);
    expect(b.bySex).toEqual(antaresPublished.participants.bySex);
    expect(b.byAgeBand).toEqual(antaresPublished.participants.byAgeBand);
    expect(b.byStatus).toEqual({ ...antaresPublished.participants.byStatus, 'not-recorded': 0 });
    expect(b.servicesByType).toEqual(antaresPublished.services);
    expect(b.services).toBe(210);
    expect(b.served).toBe(68);
    expect(b.perServed.min).toBeGreaterThanOrEqual(2);
  });
});

describe('qarmetEvidence', () => {
  const SEED = 2026;
  const records = qarmetEvidence(QARMET, SEED);

  it('validates against the Qarmet profile, record by record and across records', async () => {
    // Act
    const problems = await problemsOf(QARMET, records, TODAY);
    const atTermEnd = await problemsOf(QARMET, records, QARMET.term.to);

    // Assess
    expect(problems).toEqual([]);
    expect(atTermEnd).toEqual([]);
  });

  it('is deterministic per seed; another seed gives another cohort', () => {
    // Act
    const again = qarmetEvidence(QARMET, SEED);
    const other = qarmetEvidence(QARMET, SEED + 1);

    // Assess
    expect(again).toEqual(records);
    expect(other).not.toEqual(records);
  });

  it('tells the pilot story: 40 convicts enrolled in February, most at work for QARMET from arrival, monthly confirmations, a few incidents and withdrawals', () => {
    // Act
    const enrolments = records.flatMap((r) => (r.type === 'enrolment' ? [r] : []));
    const starts = records.flatMap((r) => (r.type === 'employment-started' ? [r] : []));
    const enrolledOn = new Map(enrolments.map((e) => [e.participant, e.date]));
    const fromArrival = starts.filter((s) => s.date === enrolledOn.get(s.participant));
    const types = countBy(records, (r) => r.type);

    // Assess
    expect(enrolments).toHaveLength(40);
    expect(new Set(enrolments.map((e) => e.participant)).size).toBe(40);
    for (const e of enrolments) {
      expect(e.date.slice(0, 7)).toBe('2026-02');
      expect(e.category).toBe('serving-sentence');
      expect(e.participant).toMatch(/^QR-[0-9]{6}$/);
    }
    expect(starts.every((s) => s.employerId === QARMET_EMPLOYER)).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(36);
    expect(fromArrival.length).toBeGreaterThan(30);
    expect(types['employment-confirmed']).toBeGreaterThan(100);
    expect(types['probation-violation']).toBe(3);
    expect(types.withdrawal).toBe(2);
    expect(records.every((r) => r.date >= QARMET.term.from && r.date <= QARMET.term.to)).toBe(true);
  });

  it('stops at `until` while the pilot runs, and still validates', async () => {
    // Act
    const early = qarmetEvidence(QARMET, SEED, { until: '2026-03-20' });
    const problems = await problemsOf(QARMET, early, '2026-03-20');

    // Assess
    expect(early.every((r) => r.date <= '2026-03-20')).toBe(true);
    expect(problems).toEqual([]);
    expect(() => qarmetEvidence(QARMET, SEED, { until: '2026-02-10' })).toThrow(RangeError);
  });

  it('counts its figures per month: growing days and wages, the withdrawn left out', () => {
    // Act
    const [feb, mar, apr] = ['2026-02-28', '2026-03-31', '2026-04-30'].map((d) => qarmetFigures(records, d));

    // Assess
    expect(feb?.enrolled).toBe(40);
    expect(apr?.withdrawn).toBe(2);
    expect(feb?.daysWorked).toBeGreaterThan(0);
    expect(mar?.daysWorked).toBeGreaterThan(feb?.daysWorked ?? 0);
    expect(apr?.daysWorked).toBeGreaterThan(mar?.daysWorked ?? 0);
    expect(apr?.wages).toBeGreaterThan(mar?.wages ?? 0n);
    expect(apr?.incidents).toBe(3);
    // At most 38 working convicts over a term of 88 days.
    expect(apr?.daysWorked).toBeLessThanOrEqual(38 * 88);
  });
});
