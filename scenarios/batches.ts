import { normaliseReference } from '#intake';

/**
 * Cutting a scenario's records into batches, as an operator would submit
 * them: in order, of nearly equal size, each participant's enrolment no later
 * than their other events. Also the participant key the scenarios compare
 * participants by (the normalised reference).
 */

/** Participant key: the normalised reference (so `SC-000001` and `sc 000001` are one participant). */
export function participantKey(reference: unknown): string {
  if (typeof reference !== 'string') return String(reference);
  try {
    return normaliseReference(reference);
  } catch {
    return reference;
  }
}

type Submittable = { readonly participant: unknown; readonly type: unknown };

/**
 * Splits records into at most `n` batches of nearly equal size, keeping their
 * order: a batch holds the records after those of the batch before it. Each
 * participant's enrolment stays in the same or an earlier batch than their
 * other events: a record found before its participant's enrolment (in the
 * input) is moved to just after it. No batch is empty.
 */
export function splitIntoBatches<T extends Submittable>(records: readonly T[], n: number): T[][] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('n must be a whole number of at least 1');
  const ordered = enrolmentsFirst(records);
  const count = Math.min(n, ordered.length);
  const batches: T[][] = [];
  for (let i = 0; i < count; i++) {
    batches.push(
      ordered.slice(Math.floor((i * ordered.length) / count), Math.floor(((i + 1) * ordered.length) / count)),
    );
  }
  return batches;
}

/** The records in order, but any record before its participant's enrolment moved to just after it. */
function enrolmentsFirst<T extends Submittable>(records: readonly T[]): T[] {
  const enrolmentAt = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    const key = participantKey(r.participant);
    if (r.type === 'enrolment' && !enrolmentAt.has(key)) enrolmentAt.set(key, i);
  }
  const ordered: T[] = [];
  const held = new Map<string, T[]>();
  for (const [i, r] of records.entries()) {
    const key = participantKey(r.participant);
    const at = enrolmentAt.get(key);
    if (r.type !== 'enrolment' && at !== undefined && at > i) {
      const list = held.get(key) ?? [];
      list.push(r);
      held.set(key, list);
      continue;
    }
    ordered.push(r);
    if (at === i) {
      ordered.push(...(held.get(key) ?? []));
      held.delete(key);
    }
  }
  return ordered;
}
