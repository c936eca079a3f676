/**
 * The investor pages' figures, apart from their markup (and tested so):
 * which report is current, the state a report proves, each investor's part
 * of each payment by the domain's allocation (allocateToInvestors, exact),
 * the totals per investor, and the spec's names of parties and periods in
 * the page's language (the spec's translations, else its own text).
 */
import type { ContractSpec } from '#contracts';
import { allocateToInvestors } from '#evaluation';
import type { PaymentStatus } from '#payments';

/** A text of the spec in `lang`: its translation where it has one, else the spec's own (Russian). */
function translated(
  spec: ContractSpec | undefined,
  lang: 'ru' | 'en',
  kind: 'parties' | 'periods',
  id: string,
): string | undefined {
  return spec?.translations?.[lang]?.[kind]?.[id];
}

/** An investor's (or any party's) name in the language. */
export function partyName(spec: ContractSpec | undefined, id: string, name: string, lang: 'ru' | 'en'): string {
  return translated(spec, lang, 'parties', id) ?? name;
}

/** A period's label in the language ("Year 1"), else its id. */
export function periodLabel(spec: ContractSpec | undefined, id: string, lang: 'ru' | 'en'): string {
  return translated(spec, lang, 'periods', id) ?? id;
}

/** Whether each report is current: the largest checkpoint of its payment, the payment being its period's latest. */
/** What a report's place among the others depends on (data.ts StoredReport has these). */
export interface ReportRef {
  readonly period: string;
  readonly payment: number;
  readonly size: number;
  readonly sha256: string;
}

export function currentReports(reports: readonly ReportRef[], payments: readonly PaymentStatus[]): Set<string> {
  const latest = new Map(payments.map((p) => [p.payment, p.latest]));
  const best = new Map<string, ReportRef>();
  for (const r of reports) {
    if (latest.get(r.payment) === false) continue;
    const kept = best.get(r.period);
    if (kept === undefined || r.payment > kept.payment || (r.payment === kept.payment && r.size > kept.size)) {
      best.set(r.period, r);
    }
  }
  return new Set([...best.values()].map((r) => r.sha256));
}

/** The payment's state as a report proves it: its last step logged before the report's checkpoint. */
export function stateAt(p: PaymentStatus, size: number): PaymentStatus['state'] {
  return p.steps.filter((s) => s.seq < size).at(-1)?.step ?? 'calculated';
}

export type Standing = 'owed' | 'paid' | 'rejected' | 'pending';

/** One investor's part of one payment. */
export interface InvestorLine {
  readonly payment: number;
  readonly period: string;
  readonly investor: string;
  /** The investor's name in each language. */
  readonly names: { readonly ru: string; readonly en: string };
  readonly share: string;
  /** Minor units. */
  readonly amount: string;
  readonly standing: Standing;
  /** The ministry's decision and its time (ISO 8601). */
  readonly decision?: { readonly step: 'approved' | 'rejected'; readonly at: string };
  readonly reason?: string;
  readonly paymentOrder?: string;
  readonly paidOn?: string;
}

const standingOf = (p: PaymentStatus): Standing =>
  p.state === 'approved' ? 'owed' : p.state === 'paid' ? 'paid' : p.state === 'rejected' ? 'rejected' : 'pending';

/**
 * Every investor's line of every payment worth showing (the period's current
 * payment, and rejected ones), in period order; each payment split by the
 * shares of the version it cites.
 */
export function investorLines(
  payments: readonly PaymentStatus[],
  versions: readonly { version: number; spec: ContractSpec }[],
): InvestorLine[] {
  const order = versions.at(-1)?.spec.periods.map((p) => p.id) ?? [];
  const rank = (period: string) => (order.includes(period) ? order.indexOf(period) : order.length);
  const shown = payments
    .filter((p) => p.latest || p.state === 'rejected')
    .sort((a, b) => rank(a.period) - rank(b.period) || a.payment - b.payment);
  return shown.flatMap((p) => {
    const spec = versions.find((v) => v.version === p.contract.version)?.spec ?? versions.at(-1)?.spec;
    if (spec === undefined) return [];
    const decision = p.steps.find((s) => s.step === 'approved' || s.step === 'rejected');
    const paid = p.steps.find((s) => s.step === 'paid');
    const nameOf = (id: string) => spec.parties.investors.find((i) => i.id === id)?.name ?? id;
    return allocateToInvestors(spec, BigInt(p.total)).map((a) => ({
      payment: p.payment,
      period: p.period,
      investor: a.investor,
      names: {
        ru: partyName(spec, a.investor, nameOf(a.investor), 'ru'),
        en: partyName(spec, a.investor, nameOf(a.investor), 'en'),
      },
      share: a.share,
      amount: a.amount,
      standing: standingOf(p),
      ...(decision === undefined
        ? {}
        : { decision: { step: decision.step as 'approved' | 'rejected', at: decision.at } }),
      ...(decision?.reason === undefined ? {} : { reason: decision.reason }),
      ...(paid?.paymentOrder === undefined ? {} : { paymentOrder: paid.paymentOrder }),
      ...(paid?.paidOn === undefined ? {} : { paidOn: paid.paidOn }),
    }));
  });
}

/** Per investor: owed (approved, not yet paid) and paid, minor units. */
export function investorTotals(
  lines: readonly InvestorLine[],
): { investor: string; names: InvestorLine['names']; owed: bigint; paid: bigint }[] {
  const out = new Map<string, { investor: string; names: InvestorLine['names']; owed: bigint; paid: bigint }>();
  for (const l of lines) {
    const t = out.get(l.investor) ?? { investor: l.investor, names: l.names, owed: 0n, paid: 0n };
    if (l.standing === 'owed') t.owed += BigInt(l.amount);
    if (l.standing === 'paid') t.paid += BigInt(l.amount);
    out.set(l.investor, t);
  }
  return [...out.values()];
}
