import { type Problem, ValidationError } from '#kernel';

/**
 * How a rejected batch is reported: one ValidationError with every problem
 * in batch order (or the first of them, and the count of all), and the log
 * that keeps the first problems of a batch too large to list in full.
 */

/**
 * Throws the ValidationError of a rejected batch: its problems in batch order.
 * With `limit`, only the first `limit.max` problems are listed, and the
 * message counts all of them (`total` problems in `records` records).
 */
export function rejectBatch(
  unsorted: readonly Problem[],
  limit?: { readonly max: number; readonly total: number; readonly records: number },
): never {
  const order = (p: Problem) => (typeof p.at === 'number' ? p.at : -1);
  const sorted = distinct(unsorted).sort((a, b) => order(a) - order(b));
  const problems = limit === undefined ? sorted : sorted.slice(0, limit.max);
  const total = limit?.total ?? problems.length;
  const records = limit?.records ?? new Set(problems.map((p) => p.at)).size;
  const listed = total > problems.length ? `; the first ${problems.length} are listed` : '';
  throw new ValidationError(
    `batch rejected: ${total} problem${total === 1 ? '' : 's'} in ${records} record${records === 1 ? '' : 's'}; nothing was written${listed}`,
    problems,
  );
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

/** The first `max` problems in the order found, and how many there were, on how many records. */
export class ProblemLog {
  readonly max: number;
  readonly listed: Problem[] = [];
  readonly ats = new Set<Problem['at']>();
  total = 0;

  constructor(max: number) {
    this.max = max;
  }

  add(problem: Problem): void {
    this.total++;
    this.ats.add(problem.at);
    if (this.listed.length < this.max) this.listed.push(problem);
  }
}

/** Rejects with the problems of both logs (each in line order), the first `max` of them listed. */
export function rejectProblemLogs(a: ProblemLog, b: ProblemLog): never {
  let records = a.ats.size;
  for (const at of b.ats) if (!a.ats.has(at)) records++;
  return rejectBatch([...a.listed, ...b.listed], { max: a.max, total: a.total + b.total, records });
}
