/**
 * The report's first page: the decision, as an official files it. The
 * contract and its registered version, the period by its name, the amount in
 * figures and in words, who is paid (each investor's share and amount), the
 * legal basis (the agreement and the budget classification code), who
 * calculated, attested, approved and paid (the person's name, position and
 * organisation from the contract's directory, never a subject id), each with
 * its business date and whether its party signature verifies, and a
 * paragraph saying why the amount is due. The rest of the report follows on
 * the next page.
 *
 * Everything here is read from the signed report (the contract spec it
 * carries included); signatures are checked as the report verifier checks
 * them (domain/ledger/decisions.ts), against the deployment's party keys when
 * the trust policy is given.
 */
import type { ContractSpec } from '#contracts';
import { amountInWords, utf8 } from '#kernel';
import {
  decisionProblem,
  decodeEntry,
  type Entry,
  evaluationDecision,
  type PaymentState,
  type SignedDecision,
  signatureVerifies,
  stepDecision,
} from '#ledger';
import type { ProvenEntry } from '#reports';
import type { ReportContext } from '../context.ts';
import { COLOR, CONTENT_WIDTH, MARGIN, SIZE, widths } from '../layout.ts';
import { table } from '../table.ts';
import type { CellInput } from '../writer.ts';

export function decisionPage(c: ReportContext): void {
  const { w, t, report } = c;
  const d = t.decision;
  w.use('bold', SIZE.small, COLOR.accent);
  w.put(d.kicker, MARGIN.left, w.y, CONTENT_WIDTH);
  w.y += 12;
  w.use('bold', 15, COLOR.ink);
  w.y += w.put(localized(c, 'title', undefined, report.contract.spec.title), MARGIN.left, w.y, CONTENT_WIDTH) + 8;
  w.pairs([
    [d.contract, d.versionRegistered(report.contract.version, registeredOn(c))],
    [d.period, periodLine(c)],
    [d.paymentDate, c.f.date(report.period.paymentDate)],
  ]);
  amountBox(c);
  payees(c);
  legalBasis(c);
  decisionTable(c);
  why(c);
  if ((report.contract.spec.illustrative ?? []).some((i) => i.path === 'people' || i.path === 'legalBasis')) {
    w.note(d.illustrative);
  }
  w.newPage();
}

// ---- Names in the reader's language

type TextSection = 'parties' | 'periods' | 'payments' | 'metrics' | 'triggers';

/** A text of the spec in the report's language: its translation, else as the spec writes it. */
function localized(c: ReportContext, section: TextSection | 'title', id: string | undefined, text: string): string {
  const tr = c.report.contract.spec.translations?.[c.options.lang];
  if (tr === undefined) return text;
  if (section === 'title') return tr.title ?? text;
  return (id === undefined ? undefined : tr[section]?.[id]) ?? text;
}

/** The period's name in the reader's language (never its id). */
export function periodName(c: ReportContext): string {
  const { spec } = c.report.contract;
  const p = c.report.period;
  const label = c.report.contract.spec.translations?.[c.options.lang]?.periods?.[p.id];
  if (label !== undefined) return label;
  if (p.final === true) return c.t.decision.finalPeriod;
  return c.t.decision.periodNo(spec.periods.findIndex((x) => x.id === p.id) + 1);
}

function periodLine(c: ReportContext): string {
  const p = c.report.period;
  return c.t.decision.periodName(periodName(c), c.f.date(p.from), c.f.date(p.to));
}

function partyName(c: ReportContext, id: string): string | undefined {
  const { parties } = c.report.contract.spec;
  const all = [parties.commissioner, ...parties.investors, parties.operator, parties.evaluator];
  const party = all.find((p) => p.id === id);
  return party === undefined ? undefined : localized(c, 'parties', id, party.name);
}

/** An instant's calendar day in the contract's time zone (UTC without one), as YYYY-MM-DD. */
export function dayIn(spec: ContractSpec, iso: string): string | undefined {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return undefined;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: spec.timeZone ?? 'UTC',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const part = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function entryOf(p: ProvenEntry): Entry | undefined {
  try {
    return decodeEntry(utf8(p.entry), p.seq);
  } catch {
    return undefined;
  }
}

function registeredOn(c: ReportContext): string {
  const e = entryOf(c.report.contract.registration);
  const day = e === undefined ? undefined : dayIn(c.report.contract.spec, e.at);
  return day === undefined ? '?' : c.f.date(day);
}

// ---- The amount and who is paid

function amountBox(c: ReportContext): void {
  const { w, t, f, report } = c;
  const d = t.decision;
  const pay = report.payments;
  const words = amountInWords(pay.total, pay.currency, pay.minorUnit, c.options.lang);
  const inner = CONTENT_WIDTH - 20;
  w.use('regular', SIZE.body);
  const hWords = w.measure(`${d.inWords}: ${words}`, inner);
  const height = 10 + 12 + 22 + hWords + 10;
  w.y += 6;
  w.ensure(height);
  const top = w.y;
  w.doc.rect(MARGIN.left, top, CONTENT_WIDTH, height).fill(COLOR.boxFill);
  w.doc.rect(MARGIN.left, top, 3, height).fill(COLOR.accent);
  let y = top + 10;
  w.use('bold', SIZE.body, COLOR.muted).put(d.amountDue, MARGIN.left + 10, y, inner);
  y += 12;
  w.use('bold', 18, COLOR.ink).put(f.money(pay.total), MARGIN.left + 10, y, inner);
  y += 22;
  w.use('regular', SIZE.body, COLOR.ink).put(`${d.inWords}: ${words}`, MARGIN.left + 10, y, inner);
  w.y = top + height + 4;
}

function payees(c: ReportContext): void {
  const { w, t, f, report } = c;
  const d = t.decision;
  const pay = report.payments;
  if (pay.allocation.length === 0) return;
  w.subheading(d.payees);
  const [v1, v2, v3] = widths(55, 15, 30);
  table(
    w,
    [
      { header: d.investor, width: v1 },
      { header: d.share, width: v2, align: 'right' },
      { header: `${d.amount}, ${pay.currency}`, width: v3, align: 'right' },
    ],
    pay.allocation.map((a) => [
      { text: partyName(c, a.investor) ?? a.investor, font: 'bold' },
      f.share(a.share, 2),
      { text: f.amount(a.amount), font: 'bold' },
    ]),
  );
}

function legalBasis(c: ReportContext): void {
  const { w, t, f, report } = c;
  const d = t.decision;
  const basis = report.contract.spec.legalBasis;
  w.subheading(d.legalBasis);
  if (basis === undefined) {
    w.pairs([[d.agreement, { text: d.noLegalBasis, color: COLOR.muted }]]);
    return;
  }
  w.pairs([
    [d.agreement, d.agreementLine(basis.agreementNumber, f.date(basis.agreementDate))],
    ...(basis.budgetCode === undefined ? [] : [[d.budgetCode, { text: basis.budgetCode, font: 'mono' }] as const]),
  ]);
}

// ---- The decision: who took each step, when, and whether the signature verifies

interface Step {
  readonly step: PaymentState;
  readonly entry: Entry | undefined;
  readonly decision: SignedDecision | undefined;
}

/** The steps the report carries (calculated first), each with its decision rebuilt for its signature. */
function steps(c: ReportContext): Step[] {
  const { report } = c;
  const contract = report.contract.id;
  const minorUnit = report.contract.spec.minorUnit;
  const evaluation = entryOf(report.evaluation.entry);
  const safe = (fn: () => SignedDecision): SignedDecision | undefined => {
    try {
      return fn();
    } catch {
      return undefined;
    }
  };
  return [
    {
      step: 'calculated',
      entry: evaluation,
      decision: evaluation === undefined ? undefined : safe(() => evaluationDecision(contract, evaluation, minorUnit)),
    },
    ...report.workflow.steps.map((s): Step => {
      const entry = entryOf(s.entry);
      return {
        step: s.step,
        entry,
        decision:
          entry === undefined || evaluation === undefined
            ? undefined
            : safe(() => stepDecision(contract, entry, evaluation, minorUnit)),
      };
    }),
  ];
}

/** The steps still to come after the report's state (attested, approved, paid), shown as awaited. */
function awaited(state: PaymentState): PaymentState[] {
  const order: PaymentState[] = ['calculated', 'attested', 'approved', 'paid'];
  if (state === 'rejected') return [];
  return order.slice(order.indexOf(state) + 1);
}

function decisionTable(c: ReportContext): void {
  const { w, t, report } = c;
  const d = t.decision;
  w.subheading(d.decision);
  const [s1, s2, s3, s4] = widths(16, 44, 16, 24);
  const rows: CellInput[][] = [
    ...steps(c).map((s) => stepRow(c, s)),
    ...awaited(report.workflow.state).map((step): CellInput[] => [
      { text: d.steps[step], font: 'bold' },
      { text: d.awaited, color: COLOR.muted },
      '',
      '',
    ]),
  ];
  table(
    w,
    [
      { header: d.step, width: s1 },
      { header: d.who, width: s2 },
      { header: d.date, width: s3 },
      { header: d.signature, width: s4 },
    ],
    rows,
  );
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function stepRow(c: ReportContext, { step, entry, decision }: Step): CellInput[] {
  const { t, f, report } = c;
  const d = t.decision;
  const spec = report.contract.spec;
  const paidOn = str(entry?.body.paidOn);
  const order = str(entry?.body.paymentOrder);
  // The business date: the day the money left for a payment, else the day of the decision in the contract's zone.
  const day = paidOn ?? (entry === undefined ? undefined : dayIn(spec, entry.at));
  return [
    { text: d.steps[step], font: 'bold' },
    who(c, step, entry?.actor.sub),
    {
      text: day === undefined ? '?' : f.date(day),
      ...(order === undefined ? {} : { sub: d.paymentOrder(order) }),
    },
    signatureCell(c, decision),
  ];
}

/** The person who took a step, from the contract's directory; else the organisation acting in the step's role. */
function who(c: ReportContext, step: PaymentState, subject: string | undefined): CellInput {
  const d = c.t.decision;
  const spec = c.report.contract.spec;
  const person = subject === undefined ? undefined : spec.people?.[subject];
  if (person !== undefined && subject !== undefined) {
    const tr = spec.translations?.[c.options.lang]?.people?.[subject];
    const organisation = partyName(c, person.party) ?? '';
    return {
      text: tr?.name ?? person.name,
      font: 'bold',
      sub: `${tr?.position ?? person.position}, ${organisation}`,
    };
  }
  const { parties } = spec;
  const party = step === 'calculated' || step === 'attested' ? parties.evaluator : parties.commissioner;
  return {
    text: partyName(c, party.id) ?? party.name,
    sub: d.unnamed(d.roles[step] ?? step),
  };
}

/** Whether the decision's party signature verifies (by a key the trust policy names for its role, when given). */
function signatureCell(c: ReportContext, decision: SignedDecision | undefined): CellInput {
  const d = c.t.decision;
  if (decision === undefined) return { text: d.sigInvalid, font: 'bold', color: COLOR.bad };
  const roleKeys = c.options.trust?.parties[decision.role];
  // Unsigned is a failure only where the trust policy requires the role's signature.
  if (decision.signature === undefined) {
    return roleKeys === undefined
      ? { text: d.sigMissing, color: COLOR.muted }
      : { text: d.sigMissing, font: 'bold', color: COLOR.bad };
  }
  if (decisionProblem(decision, roleKeys) !== undefined) {
    const why = signatureVerifies(decision.statement, decision.signature) ? d.sigNotRoleKey : d.sigNotEntry;
    return { text: d.sigInvalid, font: 'bold', color: COLOR.bad, sub: why };
  }
  // The key's name is not shown: keys are named by subject ids, which page 1 never prints.
  return {
    text: `✓ ${d.sigValid}`,
    font: 'bold',
    color: COLOR.good,
    sub: roleKeys === undefined ? d.sigValidUntrusted : d.sigValidTrusted,
  };
}

// ---- Why the amount is due, in plain words

function why(c: ReportContext): void {
  const { w, t } = c;
  w.subheading(t.decision.why);
  w.paragraph(summary(c));
}

/** The summary paragraph: the total, each rule that paid and the indicators or outcomes it rests on, caps, and the running total. */
export function summary(c: ReportContext): string {
  const { t, f, report, unitOf } = c;
  const d = t.decision;
  const { spec } = report.contract;
  const pay = report.payments;
  const period = periodName(c);
  const ruleTitle = (id: string) => localized(c, 'payments', id, spec.payments.find((r) => r.id === id)?.title ?? id);
  const metricTitle = (id: string) =>
    localized(c, 'metrics', id, spec.metrics.find((m) => m.id === id)?.title ?? c.titleOf(id));
  const sentences: string[] = [
    BigInt(pay.total) === 0n ? d.nothingDue(period) : d.dueTotal(f.money(pay.total), period),
  ];
  if (spec.payments.length === 0) sentences.push(d.noRules);
  const indicatorsOf = (rule: string) => report.evaluation.indicators.filter((i) => i.rule === rule);
  const rules = [...new Set([...pay.lines.map((l) => l.rule), ...report.evaluation.indicators.map((i) => i.rule)])];
  for (const rule of rules) {
    const checks = indicatorsOf(rule);
    const line = pay.lines.find((l) => l.rule === rule);
    if (checks.length > 0) {
      const allMet = checks.every((i) => i.met);
      const shown = allMet ? checks : checks.filter((i) => !i.met);
      const figures = shown
        .map((i) => {
          const unit = unitOf(i.metric);
          return d.indicatorFigure(
            metricTitle(i.metric),
            f.figure(unit, i.value),
            f.target(unit, { value: i.threshold, direction: i.direction }),
          );
        })
        .join('; ');
      sentences.push(
        `${allMet ? d.ruleAllMet(ruleTitle(rule), checks.length) : d.ruleNotMet(ruleTitle(rule))}: ${figures}.`,
      );
    } else if (line !== undefined && line.kind === 'per-outcome') {
      sentences.push(d.ruleOutcomes(ruleTitle(rule), f.int(line.outcomes)));
    } else if (line !== undefined && BigInt(line.amount) !== 0n) {
      sentences.push(d.ruleMet(ruleTitle(rule)));
    }
  }
  const met = report.evaluation.triggers.filter((tr) => tr.met);
  if (met.length > 0) {
    const title = (id: string) => localized(c, 'triggers', id, spec.triggers.find((x) => x.id === id)?.title ?? id);
    sentences.push(d.triggersMet([...new Set(met.map((tr) => title(tr.id)))]));
  }
  if (pay.lines.some((l) => l.cappedBy.length > 0)) sentences.push(d.capped);
  if (BigInt(pay.paidBefore) !== 0n) sentences.push(d.cumulative(f.money(pay.paidBefore), f.money(pay.cumulative)));
  return sentences.join(' ');
}
