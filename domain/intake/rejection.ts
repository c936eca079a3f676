import { type Problem, type ProblemSummary, ValidationError } from '#kernel';

/**
 * How a rejected batch is reported: one ValidationError with its problems in
 * batch order, at most MAX_LISTED_PROBLEMS of them listed, with the count of
 * all and a count per field (so the answer stays small however bad the input:
 * a Lambda answer is at most 6 MB), and the log that keeps the first problems
 * of a batch while counting the rest.
 */

/** The most problems a rejection lists (the rest are counted, in all and per field). */
export const MAX_LISTED_PROBLEMS = 1_000;

/** The key a problem is counted under in ProblemSummary.byField. */
export function summaryField(problem: Problem): string {
  if (problem.field !== undefined && problem.field !== '') return problem.field;
  return problem.at === undefined ? '(batch)' : '(record)';
}

/** The problems without repeats (the parser and the record checks may find the same one). */
function distinct(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.at ?? ''}\u0000${p.field ?? ''}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function countByField(problems: Iterable<Problem>, into: Map<string, number> = new Map()): Map<string, number> {
  for (const p of problems) {
    const field = summaryField(p);
    into.set(field, (into.get(field) ?? 0) + 1);
  }
  return into;
}

const sortedRecord = (counts: ReadonlyMap<string, number>): Record<string, number> =>
  Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Throws the ValidationError of a rejected batch: its problems in batch order,
 * the first `max` listed (default MAX_LISTED_PROBLEMS). `counted` gives the
 * totals when `unsorted` is already only the first problems of a larger set.
 */
export function rejectBatch(
  unsorted: readonly Problem[],
  counted?: { readonly total: number; readonly records: number; readonly byField: ReadonlyMap<string, number> },
  max: number = MAX_LISTED_PROBLEMS,
): never {
  const order = (p: Problem) => (typeof p.at === 'number' ? p.at : -1);
  const sorted = distinct(unsorted).sort((a, b) => order(a) - order(b));
  const problems = sorted.slice(0, max);
  const total = counted?.total ?? sorted.length;
  const records = counted?.records ?? new Set(sorted.map((p) => p.at).filter((at) => at !== undefined)).size;
  const summary: ProblemSummary = { total, byField: sortedRecord(counted?.byField ?? countByField(sorted)) };
  const listed = total > problems.length ? `; the first ${problems.length} are listed` : '';
  throw new ValidationError(
    `batch rejected: ${total} problem${total === 1 ? '' : 's'} in ${records} record${records === 1 ? '' : 's'}; nothing was written${listed}`,
    problems,
    { summary },
  );
}

/** The first `max` problems in the order found, and how many there were, on how many records, per field. */
export class ProblemLog {
  readonly max: number;
  readonly listed: Problem[] = [];
  readonly ats = new Set<Problem['at']>();
  readonly byField = new Map<string, number>();
  total = 0;

  constructor(max: number = MAX_LISTED_PROBLEMS) {
    this.max = max;
  }

  add(problem: Problem): void {
    this.total++;
    if (problem.at !== undefined) this.ats.add(problem.at);
    countByField([problem], this.byField);
    if (this.listed.length < this.max) this.listed.push(problem);
  }
}

/** Rejects with the problems of both logs (each in line order), the first `max` of them listed. */
export function rejectProblemLogs(a: ProblemLog, b: ProblemLog): never {
  let records = a.ats.size;
  for (const at of b.ats) if (!a.ats.has(at)) records++;
  const byField = new Map(a.byField);
  for (const [field, n] of b.byField) byField.set(field, (byField.get(field) ?? 0) + n);
  return rejectBatch([...a.listed, ...b.listed], { total: a.total + b.total, records, byField }, a.max);
}
