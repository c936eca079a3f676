import type { Problem } from '#kernel';

/**
 * Unicode well-formedness of submitted values: every string of a record (its
 * keys and values, however deeply nested) must be valid Unicode text, so that
 * it can be written as canonical JSON and UTF-8. JSON escapes make an
 * unpaired UTF-16 surrogate (`"\ud83d"`) possible; it is refused here, at
 * validation, naming the field, never the value.
 */

export const UNPAIRED_SURROGATE_MESSAGE =
  'is not valid Unicode text: it holds an unpaired surrogate (a \\uD800-\\uDFFF escape without its pair)';

/** The fields (dotted paths, `[i]` for array elements) of `value` whose key or string is not well formed. */
export function unpairedSurrogateProblems(value: unknown, path = ''): Omit<Problem, 'at'>[] {
  if (typeof value === 'string') return value.isWellFormed() ? [] : [fieldProblem(path)];
  if (Array.isArray(value)) return value.flatMap((v, i) => unpairedSurrogateProblems(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const field = path === '' ? key : `${path}.${key}`;
    // A malformed key cannot be named as it is: the problem names the object holding it.
    if (!key.isWellFormed()) return [fieldProblem(path, 'a key of this object ')];
    return unpairedSurrogateProblems(v, field);
  });
}

function fieldProblem(field: string, what = ''): Omit<Problem, 'at'> {
  return { ...(field === '' ? {} : { field }), message: `${what}${UNPAIRED_SURROGATE_MESSAGE}` };
}
