/**
 * The payment engine's own words put in the session's language: a payment
 * line's formula, made from the figures the line carries (as the domain's
 * formulaText makes the canonical English one, which the page shows beside
 * it), and the engine's cap names. Only words change: every figure is the
 * line's own.
 */
import type { ContractSpec } from '#contracts';
import type { PaymentLine } from '#evaluation';
import type { Lang } from '../../i18n.tsx';
import { day, money } from '../../lib/format.ts';
import type { ministry as ru } from '../../locales/ru/ministry.ts';
import { metricTitle, ruleTitle } from './data.ts';

type Words = (typeof ru)['formula'];
type CapWords = (typeof ru)['caps'];

/** An engine cap name (`overall`, `per period`, `per outcome <rule>`, `return cap (6% a year on 100,000,000.00 to 2024-09-30)`) in words. */
export function capName(name: string, spec: ContractSpec, lang: Lang, w: CapWords): string {
  if (name === 'overall') return w.overall;
  if (name === 'per period') return w.perPeriod;
  const rule = /^per outcome (.+)$/.exec(name);
  if (rule !== null) return w.perOutcome(ruleTitle(spec, lang, rule[1] as string));
  const ret = /^return cap \(([0-9.]+)% a year on ([0-9,.]+) to (\d{4}-\d{2}-\d{2})\)$/.exec(name);
  if (ret !== null) {
    const principal = spec.returnCap?.principal;
    return w.returnCap(
      (ret[1] as string).replace('.', lang === 'ru' ? ',' : '.'),
      principal === undefined ? (ret[2] as string) : money(principal, spec.minorUnit, spec.currency, lang),
      day(ret[3] as string, lang),
    );
  }
  return name;
}

/** A line's formula in the language, from its figures. */
export function formulaWords(
  line: PaymentLine,
  spec: ContractSpec,
  lang: Lang,
  w: Words,
  capWords: CapWords,
  groups: Readonly<Record<string, string>>,
): string {
  const m = (v: string) => money(v, spec.minorUnit, spec.currency, lang);
  const f = line.figures;
  const group = (g: string) => groups[g] ?? g;
  let text: string;
  switch (f.basis) {
    case 'outcomes': {
      const metric = metricTitle(spec, lang, f.metric);
      const order = spec.caps.capped === 'carry-forward' ? w.oldestFirst : '';
      const parts: string[] = [];
      if (f.new > 0 || f.carried === 0) {
        parts.push(
          f.per === 'outcome'
            ? w.newOutcomes(f.new, metric, m(f.price), m(f.newAmount))
            : w.newUnits(f.new, metric, m(f.price), m(f.newAmount)),
        );
      }
      if (f.carried > 0) {
        parts.push(
          f.per === 'outcome'
            ? w.carriedOutcomes(f.carried, metric, order, m(f.carriedAmount))
            : w.carriedUnits(f.carried, order, m(f.carriedAmount)),
        );
      }
      text = parts.length > 1 ? `${parts.join(' + ')} = ${m(line.due)}` : (parts[0] as string);
      break;
    }
    case 'trigger':
      text = w.trigger(f.trigger, f.because);
      break;
    case 'period':
      text = w.period(f.periods.join(', '));
      break;
    case 'tiers':
      text = `${
        f.groups
          .map((g) =>
            w.tier(
              group(g.group),
              g.effect,
              g.tier === undefined ? w.noTier : w.tierReached(g.tier.at, m(g.tier.amount)),
              g.significant,
            ),
          )
          .join('; ') || w.noFigure
      }; ${w.fresh(m(line.due))}`;
      break;
    case 'effects':
      text = `${f.groups
        .map((g) =>
          g.met
            ? `${w.effect(group(g.group), g.c, g.t, g.n, g.units, m(g.price), m(g.gross))}${
                BigInt(g.deducted) > 0n ? w.deducted(m(g.deducted), g.deduct.join(', ')) : ''
              }`
            : w.effectNotMet(group(g.group), g.because),
        )
        .join('; ')}; ${w.fresh(m(line.due))}`;
      break;
    case 'indicators':
      text =
        f.failed.length === 0
          ? w.indicatorsMet(f.tolerance, m(f.amount))
          : w.indicatorsFailed(f.tolerance, f.failed.map((id) => `«${metricTitle(spec, lang, id)}»`).join(', '));
      break;
    case 'taken-back':
      text = w.takenBack(line.outcomes, m(line.amount));
      break;
  }
  if (line.cappedBy.length > 0) {
    text += w.capped(
      line.cappedBy.map((c) => capName(c, spec, lang, capWords)).join(', '),
      m(line.amount),
      m(line.due),
      w.rest[spec.caps.capped ?? ''] ?? '',
    );
  }
  return text;
}
