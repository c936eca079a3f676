/**
 * The audit report for people: a PDF rendering of the signed JSON report, in
 * Russian or English. It adds nothing to the JSON (which is what counts and
 * what `sib report verify` checks); every page's footer names the JSON's
 * SHA-256 and the command that verifies it.
 *
 * The same inputs give the same bytes: the document dates are the report's
 * issue time, pdfkit's file ID is a hash of the document info, the DejaVu
 * fonts (from the dejavu-fonts-ttf package, never a system font) are
 * embedded as subsets with tags derived from their order of use.
 *
 * This file is the renderer's only public face (the parts are in
 * report-pdf/): callers load it with a dynamic import, so pdfkit and the
 * fonts stay out of every function's cold start.
 */
export type { PeriodFigures, ReportLang, ReportPdfOptions } from './report-pdf/options.ts';
export { renderReportPdf } from './report-pdf/render.ts';
