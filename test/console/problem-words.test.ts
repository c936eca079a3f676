/**
 * The operator's problem table says the server's problems in Russian: every
 * message the batch checks (domain/intake/batch-check.ts) and the record
 * checks (domain/evidence/) can give, read from their sources (a template's
 * `${…}` filled with a sample), must match a Russian pattern of
 * console/src/locales/ru/operator.ts, so a new message without its Russian
 * fails here, not in front of an operator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { operator } from '../../console/src/locales/ru/operator.ts';

const REPO = join(import.meta.dirname, '../..');

/** `message: '…'` and `message: \`…\`` literals of a source file, with each `${…}` replaced by a sample. */
function messagesOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const found = [...text.matchAll(/message: (['`])((?:(?!\1).)*)\1/g)].map((m) => m[2] as string);
  return found.map((m) =>
    m
      .replace(/\$\{this\.#unit\}/g, 'record')
      .replace(/\$\{[^}]*(?:date|Date|from|to|today|earliest|enrolledAt|first)[^}]*\}/g, '2024-03-01')
      .replace(/\$\{[^}]*\}/g, 'x'),
  );
}

const SOURCES = [
  'domain/intake/batch-check.ts',
  'domain/evidence/records.ts',
  'domain/evidence/timeline-consistency.ts',
];

describe('the operator problem table in Russian', () => {
  const say = operator.submit.problemMessage;
  const messages = SOURCES.flatMap((f) => messagesOf(f).map((m) => [f, m] as const));

  it('reads the messages from the sources', () => {
    expect(messages.length).toBeGreaterThan(5);
  });

  it.each(messages)('%s: "%s" is said in Russian', (_file, message) => {
    const ru = say(message);
    expect(ru, message).not.toBe(message);
    expect(ru).toMatch(/[а-яё]/i);
  });

  it('says the frequent ones as an operator reads them', () => {
    expect(say('duplicate eventId: it is already in the ledger')).toMatch(/уже есть в журнале/);
    expect(say('the sheet has no records: an empty batch is rejected')).toBe(
      'в файле нет записей: пустой пакет не принимается',
    );
    expect(say('is in the future (today is 2026-12-07)')).toBe('дата в будущем (сегодня 2026-12-07)');
    expect(say('something the page does not know')).toBe('something the page does not know');
  });
});
