/**
 * Hostile input on the intake side: strings that are not valid Unicode,
 * problem lists too long to answer, JSON syntax errors, cells over their
 * limit, and personal data written the ways people write it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ContractProfile, ContractProfileSchema } from '#contracts';
import { validateRecord } from '#evidence';
import { enrol, job } from '../support/evidence.ts';

const profileOf = (name: string): ContractProfile =>
  ContractProfileSchema.parse(
    JSON.parse(readFileSync(new URL(`../../contracts/${name}.json`, import.meta.url), 'utf8')),
  );
const violation = (eventId: string, participant: string, note: string) => ({
  eventId,
  participant,
  type: 'probation-violation',
  date: '2024-05-01',
  source: 'probation-service',
  note,
});
const CTX = { profile: profileOf('second-chance-kamchatka'), today: '2025-06-30' };

describe('strings that are not valid Unicode', () => {
  it.each([
    ['a lone high surrogate in a note', violation('e1', 'OP-1', 'visit \ud83d'), 'note'],
    ['a lone low surrogate in the participant', enrol('e1', 'OP-1\udc00'), 'participant'],
    ['a lone surrogate in the event id', enrol('e\ud800', 'OP-1'), 'eventId'],
    ['a reversed pair in the employer', { ...job('e1', 'OP-1'), employerId: '\udc00\ud800' }, 'employerId'],
    [
      'a lone surrogate in an unknown nested field',
      { ...enrol('e1', 'OP-1'), extra: { a: ['ok', '\ud800'] } },
      'extra.a[1]',
    ],
  ])('refuses %s, naming the field', (_name, record, field) => {
    const result = validateRecord(record, CTX);

    expect(result.record).toBeUndefined();
    expect(result.problems).toContainEqual({ field, message: expect.stringMatching(/unpaired surrogate/) });
  });

  it('refuses a lone surrogate in a key, naming the record', () => {
    const result = validateRecord({ ...enrol('e1', 'OP-1'), 'sex\ud800': 'x' }, CTX);

    expect(result.record).toBeUndefined();
    expect(result.problems).toContainEqual({
      message: expect.stringMatching(/^a key of this object .*unpaired surrogate/),
    });
  });

  it('accepts surrogate pairs (emoji) where free text may hold them', () => {
    const result = validateRecord(violation('e1', 'OP-1', 'missed a visit 🙂'), CTX);

    expect(result.problems).toEqual([]);
    expect(result.record).toBeDefined();
  });
});
