import { formatMoney } from './money.ts';

/**
 * The formula text of a payment line, made from the figures the line itself
 * carries (and so the public summary, which the evaluation entry commits to):
 * the payment engine writes it with this function, and the report verifier
 * writes it again from the report's figures and compares. Where a line pays
 * outcomes carried over from a capped earlier period, the text says so, so
 * that the arithmetic it states holds; and where the contract says what
 * becomes of a capped amount (carried forward oldest first, or forfeited),
 * the text says that too.
 */

/** One group of a tiered rule: its effect and the tier it reaches. */
export interface TierFigure {
  readonly group: string;
  /** The comparison's effect size, as the comparison states it. */
  readonly effect: string;
  /** The tier reached: its threshold and amount (minor units); none if no tier is reached. */
  readonly tier?: { readonly at: string; readonly amount: string };
  readonly significant: boolean;
}

/** One group of a per-effect rule: its trigger not met, or the units of effect and their price. */
export type EffectFigure =
  | { readonly group: string; readonly met: false; readonly because: string }
  | {
      readonly group: string;
      readonly met: true;
      /** Comparison and treatment values (6 decimals), participants, units of effect (6 decimals). */
      readonly c: string;
      readonly t: string;
      readonly n: number;
      readonly units: string;
      /** Minor units: price per unit, gross, and what the rules it deducts paid. */
      readonly price: string;
      readonly gross: string;
      readonly deducted: string;
      readonly deduct: readonly string[];
    };

/** What a payment line's amount follows from, by the kind of its rule. */
export type LineFigures =
  | {
      /** Per outcome: new outcomes at the price, and outcomes paid in part before (cut by a cap) still due. */
      readonly basis: 'outcomes';
      readonly metric: string;
      /** `outcome`: one outcome each (a rate); `unit`: units of a count or value per participant. */
      readonly per: 'outcome' | 'unit';
      readonly price: string;
      readonly new: number;
      readonly newAmount: string;
      readonly carried: number;
      readonly carriedAmount: string;
    }
  | { readonly basis: 'trigger'; readonly trigger: string; readonly because: string }
  | { readonly basis: 'period'; readonly periods: readonly string[] }
  | { readonly basis: 'tiers'; readonly groups: readonly TierFigure[] }
  | { readonly basis: 'effects'; readonly groups: readonly EffectFigure[] }
  | {
      readonly basis: 'indicators';
      /** E.g. `90%`. */
      readonly tolerance: string;
      readonly amount: string;
      /** Metrics of the indicators not met. */
      readonly failed: readonly string[];
    }
  | { readonly basis: 'taken-back' };

/** The figures of a line the text is made from. */
export interface FormulaFigures {
  readonly outcomes: number;
  /** Paid (or taken back) by the line, minor units. */
  readonly amount: string;
  /** Due before any cap, minor units. */
  readonly due: string;
  /** Caps that cut the payment, in the order they cut it. */
  readonly cappedBy: readonly string[];
  readonly figures: LineFigures;
}

/** What the contract does with an amount a cap cuts (`caps.capped`; absent: carried forward in key order). */
type Capped = 'carry-forward' | 'forfeit' | undefined;

const REST: Readonly<Record<string, string>> = {
  'carry-forward': ', the rest is carried forward (oldest paid first)',
  forfeit: ', the rest is forfeited',
};

/** The formula text of a line, from its figures, in the contract's currency, under its terms for capped amounts. */
export function formulaText(
  line: FormulaFigures,
  terms: { currency: string; minorUnit: number; caps?: { capped?: Capped } },
): string {
  const money = (v: string) => `${formatMoney(BigInt(v), terms.minorUnit)} ${terms.currency}`;
  const rest = REST[terms.caps?.capped ?? ''] ?? '';
  const capped =
    line.cappedBy.length > 0
      ? `; capped by ${line.cappedBy.join(', ')}: ${money(line.amount)} of ${money(line.due)} due is paid${rest}`
      : '';
  return `${basisText(line, money, terms.caps?.capped)}${capped}`;
}

function basisText(line: FormulaFigures, money: (v: string) => string, capped: Capped): string {
  const f = line.figures;
  switch (f.basis) {
    case 'outcomes':
      return outcomesText(f, line.due, money, capped === 'carry-forward' ? ' (oldest paid first)' : '');
    case 'trigger':
      return `trigger ${f.trigger} not met (${f.because})`;
    case 'period':
      return `not a payment period of this rule (${f.periods.join(', ')})`;
    case 'tiers':
      return `${f.groups.map((g) => tierText(g, money)).join('; ') || 'no comparison figure'}; new: ${money(line.due)}`;
    case 'effects':
      return `${f.groups.map((g) => effectText(g, money)).join('; ')}; new: ${money(line.due)}`;
    case 'indicators':
      return f.failed.length === 0
        ? `every indicator within ${f.tolerance} of target: ${money(f.amount)}`
        : `not every indicator reached ${f.tolerance} of target (failed: ${f.failed.join(', ')}): nothing is paid`;
    case 'taken-back':
      return `${line.outcomes} outcome(s) paid in earlier periods are no longer achieved (corrected evidence): ${money(line.amount)}`;
  }
}

function outcomesText(
  f: Extract<LineFigures, { basis: 'outcomes' }>,
  due: string,
  money: (v: string) => string,
  order: string,
): string {
  const parts: string[] = [];
  if (f.new > 0 || f.carried === 0) {
    parts.push(
      f.per === 'outcome'
        ? `${f.new} new ${f.metric} outcome(s) × ${money(f.price)} = ${money(f.newAmount)}`
        : `${f.new} participant(s) with new ${f.metric} units × ${money(f.price)} per unit = ${money(f.newAmount)}`,
    );
  }
  if (f.carried > 0) {
    parts.push(
      f.per === 'outcome'
        ? `${f.carried} ${f.metric} outcome(s) carried over from a capped earlier period${order}: ${money(f.carriedAmount)} still due`
        : `${f.carried} participant(s) paid in part before${order}: ${money(f.carriedAmount)} more due`,
    );
  }
  return parts.length > 1 ? `${parts.join(' + ')} = ${money(due)}` : (parts[0] as string);
}

function tierText(g: TierFigure, money: (v: string) => string): string {
  const reached = g.tier === undefined ? 'no tier reached' : `tier ≥ ${g.tier.at} = ${money(g.tier.amount)}`;
  return `${g.group}: effect ${g.effect} → ${reached}${g.significant ? '' : ' (not significant)'}`;
}

function effectText(g: EffectFigure, money: (v: string) => string): string {
  if (!g.met) return `${g.group}: trigger not met (${g.because})`;
  const deducted = BigInt(g.deducted) > 0n ? ` − ${money(g.deducted)} paid under ${g.deduct.join(', ')}` : '';
  return `${g.group}: (${g.c} − ${g.t}) × ${g.n} participants = ${g.units} units × ${money(g.price)} = ${money(g.gross)}${deducted}`;
}
