/**
 * The fill-in template of a contract (#intake contractTemplate): its columns,
 * bilingual headers and lists come from the contract, and its CSV form, read
 * back by the CSV parser, gives the example as a valid record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContractProfileSchema } from '#contracts';
import { ALL_FIELDS, EVIDENCE_TYPES, validateRecord } from '#evidence';
import { contractTemplate, parseCsv, templateCsv, templateHeader } from '#intake';

const profile = ContractProfileSchema.parse(
  JSON.parse(readFileSync(new URL('../../contracts/antares-vko-2017.json', import.meta.url), 'utf8')),
);

describe('a contract template', () => {
  it("has every field as a column, headed in Russian and English, with the contract's lists", () => {
    const template = contractTemplate(profile);
    const column = (field: string) => template.columns.find((c) => c.field === field);

    expect(template.columns.map((c) => c.field)).toEqual(ALL_FIELDS);
    expect(templateHeader('serviceType')).toBe('Вид услуги / Service type [serviceType]');
    expect(column('serviceType')?.values).toEqual(profile.serviceTypes);
    expect(column('cohort')?.values).toEqual(profile.cohorts);
    expect(column('type')?.values).toEqual(EVIDENCE_TYPES);
    expect(column('date')?.date).toBe(true);
    expect(column('note')?.values).toBeUndefined();
  });

  it('reads back, as CSV, to the example record, valid under the contract', () => {
    const template = contractTemplate(profile);

    const parsed = parseCsv(new TextEncoder().encode(templateCsv(template)));
    const record = parsed.records[0]?.value;

    expect(parsed.problems).toEqual([]);
    expect(record).toMatchObject({ eventId: 'enrol-0001', type: 'enrolment', cohort: profile.cohorts[0] });
    expect(validateRecord(record, { profile, today: '2030-01-01' }).problems).toEqual([]);
  });
});
