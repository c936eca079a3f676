/**
 * Renders the audit report: opens the document, draws the sections in the
 * report's order, then the footer of every page, and returns the bytes.
 */
import type { AuditReport } from '#reports';
import { reportContext } from './context.ts';
import { drawFooters, openDocument } from './document.ts';
import { DICTIONARY } from './locales/index.ts';
import type { ReportPdfOptions } from './options.ts';
import { chart } from './sections/chart.ts';
import { comparisons, triggers } from './sections/comparisons.ts';
import { decisionPage } from './sections/decision.ts';
import { indicators } from './sections/indicators.ts';
import { groups, outcomes } from './sections/outcomes.ts';
import { paymentLines } from './sections/payments.ts';
import { signatures } from './sections/signatures.ts';
import { titleBlock } from './sections/title.ts';
import { totals } from './sections/totals.ts';
import { verifyBox } from './sections/verify.ts';
import { workflow } from './sections/workflow.ts';
import { Writer } from './writer.ts';

/** The sections, top to bottom; each starts where the previous one ended (the decision fills page 1 alone). */
const SECTIONS = [
  decisionPage,
  titleBlock,
  verifyBox,
  outcomes,
  groups,
  comparisons,
  triggers,
  indicators,
  chart,
  paymentLines,
  totals,
  workflow,
  signatures,
] as const;

/** Renders the audit report as an A4 PDF in the given language; the same inputs give the same bytes. */
export async function renderReportPdf(report: AuditReport, options: ReportPdfOptions): Promise<Uint8Array> {
  const t = DICTIONARY[options.lang];
  const { doc, finish } = openDocument(report, options, t);
  const c = reportContext(report, options, new Writer(doc));
  for (const section of SECTIONS) section(c);
  drawFooters(c.w, t, options);
  return finish();
}
