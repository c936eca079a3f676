/**
 * The PDF document: an A4 pdfkit document with the DejaVu fonts registered,
 * document info that depends only on the report (dates are its issue time,
 * so the same report gives the same bytes), the bytes collected as they are
 * written, and the footer of every page (the JSON's SHA-256, the verify
 * command and the page number).
 */
import PDFDocument from 'pdfkit';
import type { AuditReport } from '#reports';
import { fonts } from './fonts.ts';
import { A4, COLOR, CONTENT_WIDTH, MARGIN, SIZE } from './layout.ts';
import type { Words } from './locales/words.ts';
import type { ReportPdfOptions } from './options.ts';
import type { Writer } from './writer.ts';

export interface OpenDocument {
  readonly doc: PDFKit.PDFDocument;
  /** Ends the document; resolves to its bytes. */
  readonly finish: () => Promise<Uint8Array>;
}

/** Opens the document of `report`; throws a RangeError if the report's issue time is not a date. */
export function openDocument(report: AuditReport, options: ReportPdfOptions, t: Words): OpenDocument {
  const issued = new Date(report.issued.at);
  if (Number.isNaN(issued.getTime())) throw new RangeError(`report.issued.at is not a date: ${report.issued.at}`);
  const font = fonts();
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    // No default font: pdfkit's would be Helvetica (a standard font, not embedded); every text picks one of ours.
    font: '',
    lang: options.lang === 'ru' ? 'ru-RU' : 'en-GB',
    displayTitle: true,
    info: {
      Title: `${t.docTitle}: ${report.contract.spec.title}, ${report.period.id}`,
      Author: 'sib-ledger',
      Subject: `${report.contract.id} v${report.contract.version} ${report.period.id}; JSON SHA-256 ${options.jsonSha256}`,
      Keywords: `${options.jsonFileName} ${options.jsonSha256}`,
      Creator: 'sib-ledger',
      Producer: 'sib-ledger (PDFKit)',
      CreationDate: issued,
      ModDate: issued,
    },
  });
  doc.registerFont('regular', font.regular);
  doc.registerFont('bold', font.bold);
  doc.registerFont('mono', font.mono);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const finish = async () => {
    doc.end();
    await done;
    return new Uint8Array(Buffer.concat(chunks));
  };
  return { doc, finish };
}

/** The footer of every page, drawn once all pages exist (so it can say "page i of n"). */
export function drawFooters(w: Writer, t: Words, options: ReportPdfOptions): void {
  const { doc } = w;
  const range = doc.bufferedPageRange();
  // With the deployment's keys printed, the footer's command is the one that works as printed (with the policy file).
  const footerVerify =
    options.trust === undefined
      ? `${t.footerVerify}: npx sib report verify ${options.jsonFileName}`
      : `${t.footerVerify}: npx sib report verify ${options.jsonFileName} --trust trust.json (${t.verifyTitle})`;
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    doc.page.margins.bottom = 0;
    const y = A4.height - MARGIN.bottom + 16;
    doc
      .moveTo(MARGIN.left, y - 5)
      .lineTo(MARGIN.left + CONTENT_WIDTH, y - 5)
      .lineWidth(0.5)
      .strokeColor(COLOR.rule)
      .stroke();
    const pageLabel = t.page(i + 1, range.count);
    w.use('regular', SIZE.small, COLOR.muted);
    const pageWidth = doc.widthOfString(pageLabel);
    doc.text(pageLabel, MARGIN.left + CONTENT_WIDTH - pageWidth, y, { lineBreak: false });
    doc.text(`${t.footerHash}: `, MARGIN.left, y, { lineBreak: false, continued: true });
    w.use('mono', SIZE.small - 0.5, COLOR.muted);
    doc.text(options.jsonSha256, { lineBreak: false });
    w.use('regular', SIZE.small, COLOR.muted);
    doc.text(footerVerify, MARGIN.left, y + 10, { lineBreak: false });
    doc.page.margins.bottom = MARGIN.bottom;
  }
}
