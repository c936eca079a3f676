/**
 * The report's first block: the kicker, the contract's title, the period,
 * and the facts a reader needs first (contract and terms hash, parties,
 * evidence, evaluation, payment state, issue time).
 */
import type { ReportContext } from '../context.ts';
import { COLOR, CONTENT_WIDTH, MARGIN, SIZE } from '../layout.ts';
import type { CellInput } from '../writer.ts';
import { periodName } from './decision.ts';

export function titleBlock(c: ReportContext): void {
  const { w, t, f, report } = c;
  const p = report.period;
  w.use('bold', SIZE.small, COLOR.accent);
  w.put(t.kicker, MARGIN.left, w.y, CONTENT_WIDTH);
  w.y += 12;
  w.use('bold', 15, COLOR.ink);
  w.y += w.put(report.contract.spec.title, MARGIN.left, w.y, CONTENT_WIDTH) + 4;
  w.use('bold', 11, COLOR.accent);
  // The period by its name (page 1's), never its id; "final" said unless the name says it.
  const name = periodName(c);
  const final = p.final === true && name !== t.decision.finalPeriod ? ` (${t.final})` : '';
  const period = `${t.periodLine(name, f.date(p.from), f.date(p.to))}${final}`;
  w.y += w.put(period, MARGIN.left, w.y, CONTENT_WIDTH) + 8;
  w.pairs(facts(c));
}

/** The label-value lines under the title. */
function facts({ t, f, report }: ReportContext): (readonly [string, CellInput])[] {
  const { spec } = report.contract;
  const { evaluation } = report;
  const investors = spec.parties.investors.map((i) => `${i.name} — ${f.share(i.share, 1)}`);
  return [
    [t.contractId, { text: `${report.contract.id}, ${t.version(report.contract.version)}` }],
    [t.specHash, { text: report.contract.hash, font: 'mono', sub: t.registered(report.contract.registration.seq) }],
    [t.paymentDate, f.date(report.period.paymentDate)],
    [t.currency, report.payments.currency],
    [t.commissioner, spec.parties.commissioner.name],
    [t.investors, investors.join('; ')],
    [t.operator, spec.parties.operator.name],
    ...(spec.parties.evaluator === undefined ? [] : [[t.evaluator, spec.parties.evaluator.name] as const]),
    [
      t.evidence,
      t.evidenceLine(
        f.int(evaluation.records),
        f.int(evaluation.batches),
        f.int(evaluation.participants.enrolled),
        f.int(evaluation.participants.withdrawn),
      ),
    ],
    [
      t.evaluation,
      {
        text: t.evaluationLine(evaluation.entry.seq, f.int(evaluation.evaluatedAt.size)),
        sub: `${t.resultHash}: ${evaluation.resultSha256}`,
      },
    ],
    [t.state, { text: t.steps[report.workflow.state], font: 'bold' }],
    [t.issued, `${f.dateTime(report.issued.at)} UTC`],
  ];
}
