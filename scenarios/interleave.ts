/**
 * Interleaving groups evenly: how the constructed cohorts (Antares) spread
 * statuses, sexes and categories over a role's participants without any
 * randomness.
 */

/**
 * Interleaves groups: a sequence of `sum(counts)` keys holding each key
 * `counts[key]` times, spread evenly (at each step the key furthest behind
 * its share; ties to the earlier key). Deterministic.
 */
export function interleave<K extends string>(counts: Readonly<Partial<Record<K, number>>>): K[] {
  const entries = Object.entries(counts).filter(([, n]) => (n as number) > 0) as [K, number][];
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const given = new Map<K, number>(entries.map(([k]) => [k, 0]));
  const out: K[] = [];
  for (let step = 1; step <= total; step++) {
    const chosen = furthestBehind(entries, given, step, total);
    given.set(chosen, (given.get(chosen) ?? 0) + 1);
    out.push(chosen);
  }
  return out;
}

/** The key furthest behind its share at `step` (ties to the earlier key). */
function furthestBehind<K extends string>(
  entries: readonly [K, number][],
  given: ReadonlyMap<K, number>,
  step: number,
  total: number,
): K {
  let best: K | undefined;
  let bestDeficit = Number.NEGATIVE_INFINITY;
  for (const [k, n] of entries) {
    const have = given.get(k) ?? 0;
    if (have >= n) continue;
    const deficit = (step * n) / total - have;
    if (deficit > bestDeficit) {
      best = k;
      bestDeficit = deficit;
    }
  }
  return best as K;
}
