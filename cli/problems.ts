/**
 * Tables of problems for the terminal: a rejected batch's (by record or CSV
 * line), and a refused command's (by the option that carries the field).
 */
import type { Problem } from '#kernel';
import { table } from './table.ts';

/** What a problem's `at` counts: records of a JSON batch, lines of a CSV file, or none (command input). */
export type ProblemUnit = 'record' | 'line' | 'row' | 'option';

/** Domain and API field names as the options that carry them. */
const OPTION_OF: Readonly<Record<string, string>> = {
  reason: '--reason',
  paymentOrder: '--order',
  paidOn: '--date',
  period: '--period',
  checkpoint: '--checkpoint',
  lang: '--lang',
  comparison: '--comparison',
  group: '--group',
  value: '--value',
  denominator: '--denominator',
  note: '--note',
  batchId: '--batch-id',
  'query.participant': '--participant',
  'query.batch': '--batch',
  'query.type': '--type',
  'query.from': '--from',
  'query.to': '--to',
  'query.size': '--size',
  'params.payment': '--payment',
  payment: '--payment',
};

/** A batch's problems: by record (JSON), line (CSV) or row (XLSX). */
export function problemTable(problems: readonly Problem[], unit: 'record' | 'line' | 'row'): string {
  return table(
    [unit, 'field', 'problem'],
    problems.map((p) => [p.at, p.field, p.message]),
  );
}

/**
 * What follows a cut problem table: how many more there were, and every
 * field's count (the operator sees the whole extent of a bad file at once).
 * Empty when the table lists them all.
 */
export function problemCounts(listed: number, total?: number, byField?: Readonly<Record<string, number>>): string {
  if (total === undefined || total <= listed) return '';
  const fields = Object.entries(byField ?? {}).sort(([, a], [, b]) => b - a);
  const counts = table(
    ['field', 'problems'],
    fields.map(([field, n]) => [field, n]),
  );
  return `\n… and ${total - listed} more (${total} problems in all; only the first ${listed} are listed). Problems per field:\n${counts}\n`;
}

/** Problems by record or line for evidence, by option for command input. */
export function problemsTable(problems: readonly Problem[], unit: ProblemUnit): string {
  if (unit !== 'option') return problemTable(problems, unit);
  return table(
    ['field', 'problem'],
    problems.map((p) => [p.field === undefined ? undefined : (OPTION_OF[p.field] ?? p.field), p.message]),
  );
}
