import type { EvaluationResult, GroupValue } from '#evaluation';
import { MIN_CELL, type ReportGroup, type ReportMetric } from './types.ts';

/**
 * Small-cell suppression: what investors may see of a metric's groups.
 */

/** A metric as investors see it: groups of fewer than MIN_CELL people suppressed (and one more beside a lone one). */
export function reportMetric(m: EvaluationResult['metrics'][number]): ReportMetric {
  const { groups, ...rest } = m;
  return groups === undefined ? rest : { ...rest, groups: suppressGroups(groups) };
}

/** The people a group counts: its denominator (rates, means), else its count. */
export function groupPeople(g: { readonly value: string; readonly denominator?: number }): number {
  return g.denominator ?? Number(g.value);
}

/**
 * Groups of fewer than MIN_CELL people become `{group, suppressed: true}`.
 * A lone suppressed group could be worked out from the total and the other
 * groups, so the smallest other group is suppressed with it (complementary
 * suppression). Group intervals are left out (the verifier recomputes them
 * from the figures).
 */
export function suppressGroups(groups: readonly GroupValue[]): ReportGroup[] {
  const small = new Set(groups.filter((g) => !(groupPeople(g) >= MIN_CELL)).map((g) => g.group));
  if (small.size === 1 && groups.length > 1) {
    const next = groups
      .filter((g) => !small.has(g.group))
      .reduce<GroupValue | undefined>(
        (a, g) => (a === undefined || groupPeople(g) < groupPeople(a) ? g : a),
        undefined,
      );
    if (next !== undefined) small.add(next.group);
  }
  return groups.map((g) =>
    small.has(g.group)
      ? { group: g.group, suppressed: true as const }
      : {
          group: g.group,
          value: g.value,
          ...(g.numerator === undefined ? {} : { numerator: g.numerator }),
          ...(g.denominator === undefined ? {} : { denominator: g.denominator }),
          ...(g.planned === undefined ? {} : { planned: g.planned }),
        },
  );
}
