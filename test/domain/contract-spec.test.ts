import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContractProfileSchema, type ContractSpec, parseContractSpec, specHash } from '#contracts';
import { type Problem, ValidationError } from '#kernel';

const SHIPPED = ['second-chance-kamchatka', 'antares-vko-2017', 'qarmet-karaganda-2026', 'peterborough', 'nyc-able'];
const CONTRACTS = new URL('../../contracts/', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: specs are mutated freely as plain JSON to build bad ones
type Json = any;

const raw = (id: string): Json => JSON.parse(readFileSync(new URL(`${id}.json`, CONTRACTS), 'utf8'));
const RAW = new Map(SHIPPED.map((id) => [id, raw(id)]));

/** A deep copy of a shipped spec, changed by `change`. */
function mutated(id: string, change: (spec: Json) => void): Json {
  const spec = structuredClone(RAW.get(id));
  change(spec);
  return spec;
}

/** The problems parseContractSpec reports for a spec (fails the test if it parses). */
function problemsOf(spec: Json): readonly Problem[] {
  try {
    parseContractSpec(spec);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('the spec parsed, but it should have been rejected');
}

/** A value at a dotted path of the spec, or undefined. */
function at(spec: Json, path: string): unknown {
  return path.split('.').reduce<Json>((value, key) => value?.[key], spec);
}

describe('shipped contracts', () => {
  it('are exactly the five reference contracts, each with the id of its file name', () => {
    // Act
    const files = readdirSync(CONTRACTS).filter((f) => f.endsWith('.json'));

    // Assess
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...SHIPPED].sort());
    for (const id of SHIPPED) expect(RAW.get(id).id).toBe(id);
  });

  it.each(SHIPPED)('%s parses, and still reads as an evidence profile', (id) => {
    // Act
    const spec = parseContractSpec(RAW.get(id));
    const profile = ContractProfileSchema.parse(RAW.get(id));

    // Assess
    expect(spec.id).toBe(id);
    expect(spec).toEqual(RAW.get(id)); // nothing added or dropped by parsing
    expect(Object.keys(profile).sort()).toEqual(['cohorts', 'currency', 'id', 'serviceTypes', 'term', 'title']);
  });

  it.each(SHIPPED)('%s: every illustrative path names a value of the spec', (id) => {
    // Prepare
    const spec = RAW.get(id);

    // Act
    const missing = (spec.illustrative ?? []).filter((x: { path: string }) => at(spec, x.path) === undefined);

    // Assess
    expect(missing).toEqual([]);
    expect(spec.sources?.length).toBeGreaterThan(0);
  });

  it('hold the public figures: Kamchatka caps at the sum of its subsidies, NYC ABLE pays $9.6m at 10% and $11.712m at 20%', () => {
    // Prepare
    const kamchatka = parseContractSpec(RAW.get('second-chance-kamchatka'));
    const nyc = parseContractSpec(RAW.get('nyc-able'));

    // Act
    const subsidies = kamchatka.payments.reduce(
      (sum, p) => sum + BigInt(p.kind === 'all-or-nothing' ? p.amount : 0),
      0n,
    );
    const success = nyc.payments[0];
    const tiers = success?.kind === 'tiered' ? success.tiers : [];

    // Assess
    expect(kamchatka.caps.overall).toBe(subsidies.toString());
    expect(tiers.find((t) => t.effectAtLeast === '0.10')?.amount).toBe('960000000');
    expect(tiers.at(-1)).toEqual({ effectAtLeast: '0.20', amount: '1171200000' });
    expect(nyc.caps.overall).toBe('1171200000');
  });
});

describe('specHash', () => {
  it('is 64 hex digits, the same for the same spec whatever its key order, and changes with any value', () => {
    // Prepare
    const spec = parseContractSpec(RAW.get('second-chance-kamchatka'));
    const reordered = Object.fromEntries(Object.entries(structuredClone(spec)).reverse()) as ContractSpec;
    const changed = parseContractSpec(mutated('second-chance-kamchatka', (s) => (s.payments[0].amount = '3000000001')));

    // Act
    const hash = specHash(spec);

    // Assess
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(specHash(parseContractSpec(raw('second-chance-kamchatka')))).toBe(hash);
    expect(specHash(reordered)).toBe(hash);
    expect(specHash(changed)).not.toBe(hash);
    expect(new Set(SHIPPED.map((id) => specHash(parseContractSpec(RAW.get(id)))))).toHaveProperty('size', 5);
  });
});

describe('parseContractSpec rejects a bad spec, naming the dotted path of the bad field', () => {
  const perOutcome = { id: 'per-job', kind: 'per-outcome', metric: 'employed', price: '100000' };

  it.each<[string, string, (s: Json) => void, string, RegExp?]>([
    ['an unknown metric kind', 'second-chance-kamchatka', (s) => (s.metrics[1].kind = 'happiness'), 'metrics.1.kind'],
    [
      'a payment on an unknown metric',
      'second-chance-kamchatka',
      (s) => s.payments.push({ ...perOutcome, metric: 'happiness' }),
      'payments.3.metric',
      /unknown metric happiness/,
    ],
    [
      'overlapping periods',
      'second-chance-kamchatka',
      (s) => (s.periods[1].from = '2024-07-01'),
      'periods.1.from',
      /overlaps period y1/,
    ],
    [
      'investor shares not summing to 1',
      'peterborough',
      (s) => {
        s.parties.investors[0].share = '0.6';
        s.parties.investors.push({ id: 'other', name: 'Another investor', share: '0.3' });
      },
      'parties.investors',
      /sum to 0\.9/,
    ],
    [
      'a negative price',
      'second-chance-kamchatka',
      (s) => s.payments.push({ ...perOutcome, price: '-100000' }),
      'payments.3.price',
      /negative/,
    ],
    [
      'a price written as a JSON number',
      'second-chance-kamchatka',
      (s) => s.payments.push({ ...perOutcome, price: 100000 }),
      'payments.3.price',
      /never a JSON number/,
    ],
    [
      'tiers out of order',
      'nyc-able',
      (s) => (s.payments[0].tiers[2].effectAtLeast = '0.095'),
      'payments.0.tiers.2.effectAtLeast',
    ],
    [
      'a tier paying less than the tier below',
      'nyc-able',
      (s) => (s.payments[0].tiers[3].amount = '100'),
      'payments.0.tiers.3.amount',
    ],
    [
      'an unknown cohort in a population',
      'second-chance-kamchatka',
      (s) => (s.metrics[1].population = { cohorts: ['2030'] }),
      'metrics.1.population.cohorts.0',
      /unknown cohort 2030/,
    ],
    [
      'an id used twice (a comparison named like a metric)',
      'second-chance-kamchatka',
      (s) => (s.comparisons[0].id = 'employed'),
      'comparisons.0.id',
      /duplicates the id employed of metrics\.1\.id/,
    ],
    ['an unknown trigger', 'peterborough', (s) => (s.payments[0].trigger = 'sometime'), 'payments.0.trigger'],
    [
      'an unknown period',
      'second-chance-kamchatka',
      (s) => (s.payments[1].periods = ['y3']),
      'payments.1.periods.0',
      /unknown period y3/,
    ],
    [
      'a rate target above 1',
      'second-chance-kamchatka',
      (s) => (s.metrics[1].target.value = '1.5'),
      'metrics.1.target.value',
    ],
    [
      'a value-of a metric that is not a count',
      'qarmet-karaganda-2026',
      (s) => (s.metrics[5].metric = 'wages'),
      'metrics.5.metric',
      /not a count/,
    ],
    [
      'a ratio that is not a decimal',
      'second-chance-kamchatka',
      (s) => (s.confidenceLevel = 'high'),
      'confidenceLevel',
    ],
    [
      'a malformed tier amount',
      'nyc-able',
      (s) => (s.payments[0].tiers[1].amount = '9.6m'),
      'payments.0.tiers.1.amount',
    ],
    [
      'a bad field inside a trigger',
      'peterborough',
      (s) => (s.triggers[0].effectAtLeast = 0.1),
      'triggers.0.effectAtLeast',
    ],
    [
      'version 1 not effective from the start of the term',
      'peterborough',
      (s) => (s.effectiveFrom = '2011-01-01'),
      'effectiveFrom',
    ],
    [
      'a baseline rate above 1',
      'second-chance-kamchatka',
      (s) => (s.comparisons[0].value = '30'),
      'comparisons.0.value',
    ],
    [
      'age bands on a metric by sex',
      'antares-vko-2017',
      (s) => (s.metrics[2].ageBands = s.metrics[3].ageBands),
      'metrics.2.ageBands',
    ],
    ['an unknown key', 'nyc-able', (s) => (s.metrics[0].windowDays = 365), 'metrics.0', /windowDays/],
    [
      'a budget code of 19 digits',
      'second-chance-kamchatka',
      (s) => (s.legalBasis.budgetCode = '8191003014016001063'),
      'legalBasis.budgetCode',
      /20 digits/,
    ],
    [
      'an agreement date written the Russian way',
      'second-chance-kamchatka',
      (s) => (s.legalBasis.agreementDate = '28.07.2023'),
      'legalBasis.agreementDate',
    ],
    [
      'an unknown key in the legal basis',
      'antares-vko-2017',
      (s) => (s.legalBasis.kbk = '123456'),
      'legalBasis',
      /kbk/,
    ],
    [
      'a person acting for no party of the spec',
      'second-chance-kamchatka',
      (s) => (s.people['minlabour-kamchatka'].party = 'minlabour'),
      'people.minlabour-kamchatka.party',
      /names no party of the spec \(minlabour\)/,
    ],
    [
      'a person without a position',
      'second-chance-kamchatka',
      (s) => delete s.people['minlabour-kamchatka'].position,
      'people.minlabour-kamchatka.position',
    ],
    [
      'a translated person the directory lacks',
      'second-chance-kamchatka',
      (s) => (s.translations.en.people.nobody = { name: 'No Body', position: 'None' }),
      'translations.en.people.nobody',
      /names no person/,
    ],
  ])('%s', (_name, id, change, field, message) => {
    // Act
    const problems = problemsOf(mutated(id, change));

    // Assess
    expect(problems.map((p) => p.field)).toEqual([field]);
    if (message) expect(problems[0]?.message).toMatch(message);
  });

  it('an all-or-nothing indicator without a target, once for each rule using it', () => {
    // Act
    const problems = problemsOf(mutated('second-chance-kamchatka', (s) => delete s.metrics[4].target));

    // Assess
    expect(problems).toEqual(
      [0, 1, 2].map((n) => ({ field: `payments.${n}.indicators.2`, message: 'metric reoffending has no target' })),
    );
  });
});

describe('the time zone and the translations (optional texts: leaving them out changes nothing)', () => {
  it('are read where a spec has them, and absent where it has none', () => {
    const kamchatka = parseContractSpec(RAW.get('second-chance-kamchatka'));
    expect(kamchatka.timeZone).toBe('Asia/Kamchatka');
    expect(kamchatka.translations?.en?.title).toBe(
      'Second Chance: employment of people released from prison (Kamchatka Krai)',
    );
    expect(kamchatka.translations?.en?.metrics?.employed).toBe('Share employed within 180 days of release');
    for (const id of ['antares-vko-2017', 'qarmet-karaganda-2026']) {
      expect(parseContractSpec(RAW.get(id)).timeZone, id).toBe('Asia/Almaty');
      expect(parseContractSpec(RAW.get(id)).translations?.en?.title, id).toMatch(/^[A-Z]/);
    }
    const peterborough = parseContractSpec(RAW.get('peterborough'));
    expect(peterborough.timeZone).toBeUndefined();
    expect(peterborough.translations).toBeUndefined();
  });

  it('leave everything else as it was: without them, the spec is the same as one that never had them', () => {
    const without = mutated('second-chance-kamchatka', (s) => {
      delete s.timeZone;
      delete s.translations;
    });
    const parsed = parseContractSpec(without);
    const full = parseContractSpec(RAW.get('second-chance-kamchatka'));
    const { timeZone: _z, translations: _t, ...rest } = full;
    expect(parsed).toEqual(rest);
    expect(specHash(parsed)).not.toBe(specHash(full));
    expect('timeZone' in parsed).toBe(false);
  });

  it('refuse a zone Intl does not know, and a translation naming nothing the spec has', () => {
    expect(problemsOf(mutated('peterborough', (s) => (s.timeZone = 'Europe/Atlantis')))).toEqual([
      expect.objectContaining({ field: 'timeZone', message: expect.stringContaining('IANA time zone') }),
    ]);
    expect(problemsOf(mutated('peterborough', (s) => (s.timeZone = 'UTC+12')))[0]?.field).toBe('timeZone');
    const unknownIds = problemsOf(
      mutated('second-chance-kamchatka', (s) => {
        s.translations.en.metrics.employd = 'typo';
        s.translations.en.parties.nobody = 'Nobody';
      }),
    );
    expect(unknownIds).toEqual([
      { field: 'translations.en.parties.nobody', message: 'names no party of the spec (nobody)' },
      { field: 'translations.en.metrics.employd', message: 'names no metric of the spec (employd)' },
    ]);
    const badShape = problemsOf(
      mutated('second-chance-kamchatka', (s) => {
        s.translations.en.colour = 'red';
        s.translations.EN = { title: 'x' };
      }),
    );
    expect(badShape.map((p) => p.field).sort()).toEqual(['translations.EN', 'translations.en']);
  });
});
