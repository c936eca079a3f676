/**
 * The audit report's PDF, read back with MuPDF: A4 pages that render, the
 * text a reader sees (Russian and English), the JSON's hash and the verify
 * command on every page, suppressed cells, embedded DejaVu fonts only, and
 * the same bytes for the same input. The rendered pages are written to
 * bench/out/report-<lang>-page<n>.png for people to look at.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalize } from '#kernel';
import type { AuditReport } from '#reports';
import { renderReportPdf } from '../../functions/adapters/report-pdf.ts';
import { pdfFonts, pdfPageSizes, pdfPageTexts, renderPdfToPngs } from '../support/pdf.ts';
import { sampleHistory, sampleReport } from '../support/report-fixture.ts';

const OUT = fileURLToPath(new URL('../../bench/out/', import.meta.url));
const FILE = 'report-second-chance-kamchatka-y2.json';
const VERIFY = `npx sib report verify ${FILE}`;

const report = sampleReport();
const SHA = createHash('sha256').update(canonicalize(report)).digest('hex');
const render = (r: AuditReport, lang: 'ru' | 'en', history = sampleHistory()) =>
  renderReportPdf(r, { lang, jsonSha256: SHA, jsonFileName: FILE, history });

/** All text of a PDF, one string, every run of white space (line breaks, no-break spaces) one space. */
const allText = (pdf: Uint8Array) => pdfPageTexts(pdf).join('\n').replace(/\s+/g, ' ');
const latin1 = (pdf: Uint8Array) => Buffer.from(pdf).toString('latin1');

let ru: Uint8Array;
let en: Uint8Array;
beforeAll(async () => {
  ru = await render(report, 'ru');
  en = await render(report, 'en');
});

describe('renderReportPdf', () => {
  it('makes an A4 PDF of a few pages', () => {
    for (const pdf of [ru, en]) {
      expect(latin1(pdf.subarray(0, 8))).toMatch(/^%PDF-1\.\d/);
      expect(latin1(pdf.subarray(-8)).trimEnd()).toMatch(/%%EOF$/);
      const sizes = pdfPageSizes(pdf);
      expect(sizes.length).toBeGreaterThanOrEqual(2);
      expect(sizes.length).toBeLessThanOrEqual(6);
      for (const [w, h] of sizes) {
        expect(w).toBeCloseTo(595.28, 1);
        expect(h).toBeCloseTo(841.89, 1);
      }
    }
  });

  it('renders every page to PNG, in Russian and in English', async () => {
    mkdirSync(OUT, { recursive: true });
    for (const [lang, pdf] of [
      ['ru', ru],
      ['en', en],
    ] as const) {
      const pngs = await renderPdfToPngs(pdf, 1.5);
      expect(pngs).toHaveLength(pdfPageSizes(pdf).length);
      pngs.forEach((png, i) => {
        expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        // An A4 page at 1.5 × 72 dpi: 893 × 1263 pixels (IHDR width and height, big-endian).
        const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
        expect(view.getUint32(16)).toBe(893);
        expect(view.getUint32(20)).toBe(1263);
        // A page with content compresses to more than a blank page would.
        expect(png.byteLength).toBeGreaterThan(20_000);
        writeFileSync(`${OUT}report-${lang}-page${i + 1}.png`, png);
      });
    }
  });

  it('writes the Russian report in Russian: labels, the contract title, amounts with Russian separators', () => {
    const text = allText(ru);
    for (const label of [
      'АУДИТОРСКИЙ ОТЧЁТ',
      'Период 2: с 01.08.2024 по 31.07.2025',
      'Результаты и целевые значения',
      'По когортам и группам',
      'Показатели правил «всё или ничего»',
      'Показатели по периодам',
      'Платёжные строки',
      'Итоги',
      'Согласование выплаты',
      'заверена оценщиком',
      'одобрена министерством',
      'оплачена',
      'Свидетели',
    ]) {
      expect(text, label).toContain(label);
    }
    expect(text).toContain('Второй шанс: трудоустройство лиц');
    expect(text).toContain('Министерство труда и развития кадрового потенциала');
    expect(text).toContain('35 000 000,00'); // this period
    expect(text).toContain('30 000 000,00'); // paid before
    expect(text).toContain('65 000 000,00'); // cumulative
    expect(text).toContain('37,8 %'); // employed, a rate as a percentage
    expect(text).toContain('≥ 31,5 %'); // its threshold
    expect(text).toContain('31,1–44,9 %'); // its interval
    expect(text).toContain('48 316'); // records
    expect(text).toContain('платёжное поручение № 1842 от 30.09.2025');
    expect(text).toContain('08.09.2025 09:14:27');
    expect(text).not.toMatch(/\b(?:Outcomes|Payment lines|Totals)\b/);
  });

  it('writes the English report in English, with English number formats', () => {
    const text = allText(en);
    for (const label of [
      'SOCIAL IMPACT BOND AUDIT REPORT',
      'Year 2: 2024-08-01 to 2025-07-31',
      'Outcomes against targets',
      'By cohort and group',
      'All-or-nothing indicators',
      'Indicators by period',
      'Payment lines',
      'Totals',
      'Payment approval',
      'attested by the evaluator',
      'approved by the ministry',
      'Witnesses',
    ]) {
      expect(text, label).toContain(label);
    }
    expect(text).toContain('35,000,000.00');
    expect(text).toContain('65,000,000.00');
    expect(text).toContain('37.8%');
    expect(text).toContain('payment order no. 1842 of 2025-09-30');
    expect(text).toContain('2025-09-15 13:02:11');
    // Contract and metric titles are the contract's own (Russian) words.
    expect(text).toContain('Второй шанс');
  });

  it("puts the JSON's SHA-256 and the verify command on every page", () => {
    for (const pdf of [ru, en]) {
      const pages = pdfPageTexts(pdf);
      pages.forEach((page, i) => {
        expect(page, `page ${i + 1}`).toContain(SHA);
        expect(page, `page ${i + 1}`).toContain(VERIFY);
      });
    }
    expect(pdfPageTexts(ru)[0]).toContain(`проверка: ${VERIFY}`);
    expect(pdfPageTexts(en)[0]).toContain(`verify: ${VERIFY}`);
    expect(allText(ru)).toContain(`стр. 1 из ${pdfPageSizes(ru).length}`);
  });

  it('shows suppressed cells as "< 5", never their figures', () => {
    const text = allText(ru);
    expect(text.match(/< 5/g)?.length).toBeGreaterThanOrEqual(3); // cohort 2025 twice, education, and the note
    expect(text).toContain('скрыто');
    expect(allText(en)).toContain('suppressed');
  });

  it('gives the same bytes for the same input, and other bytes for another language or hash', async () => {
    const again = await render(sampleReport(), 'ru');
    expect(Buffer.from(again).equals(Buffer.from(ru))).toBe(true);
    expect(Buffer.from(en).equals(Buffer.from(ru))).toBe(false);
    const other = await renderReportPdf(report, { lang: 'ru', jsonSha256: 'f'.repeat(64), jsonFileName: FILE });
    expect(Buffer.from(other).equals(Buffer.from(ru))).toBe(false);
    // The document dates are the report's issue time, not the clock's.
    const dates = latin1(ru).match(/\n\(D:\d{14}Z\)\n/g);
    expect(dates).toEqual(['\n(D:20250930080000Z)\n', '\n(D:20250930080000Z)\n']);
  });

  it('embeds its DejaVu fonts (TrueType programs) and uses no other font', () => {
    for (const pdf of [ru, en]) {
      const fonts = pdfFonts(pdf);
      expect(fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual([
        'DejaVuSans',
        'DejaVuSans-Bold',
        'DejaVuSansMono',
      ]);
      expect(fonts.every((f) => f.embedded)).toBe(true);
      const raw = latin1(pdf);
      expect(raw).toContain('/FontFile2');
      expect(raw).not.toContain('/Helvetica');
    }
  });

  it('draws the chart with one bar per period: only this period without history', async () => {
    const withHistory = allText(ru);
    const without = allText(await render(report, 'ru', []));
    // y1's employed rate appears only as a bar of the chart.
    expect(withHistory).toContain('33,1 %');
    expect(without).not.toContain('33,1 %');
    expect(without).toContain('Показатели по периодам');
  });

  it('breaks a long table across pages and repeats its header', async () => {
    const line = report.payments.lines[0];
    if (line === undefined) throw new Error('fixture has no payment line');
    const many: AuditReport = {
      ...report,
      payments: {
        ...report.payments,
        lines: Array.from({ length: 40 }, (_, i) => ({
          ...line,
          formula: `${line.formula}; line ${i + 1} of a long table, with a formula long enough to wrap over more than one line of its column`,
        })),
      },
    };
    const pages = pdfPageTexts(await render(many, 'en')).map((p) => p.replace(/\s+/g, ' '));
    const withHeader = pages.filter((p) => p.includes('How it was worked out'));
    expect(withHeader.length).toBeGreaterThanOrEqual(2);
    expect(pages.join(' ')).toContain('line 40 of a long table');
  });

  it('shows a rejected payment with its reason', async () => {
    const approvedStep = report.workflow.steps.find((s) => s.step === 'approved');
    if (approvedStep === undefined) throw new Error('fixture has no approval');
    const entry = JSON.parse(approvedStep.entry.entry) as { kind: string; body: Record<string, unknown> };
    entry.kind = 'payment.rejected';
    entry.body.reason = 'Требуется повторная выверка данных о трудоустройстве';
    const rejected: AuditReport = {
      ...report,
      workflow: {
        state: 'rejected',
        steps: [
          ...report.workflow.steps.filter((s) => s.step === 'attested'),
          { step: 'rejected', entry: { ...approvedStep.entry, entry: JSON.stringify(entry) } },
        ],
      },
    };
    const text = allText(await render(rejected, 'ru'));
    expect(text).toContain('отклонена');
    expect(text).toContain('причина: Требуется повторная выверка данных о трудоустройстве');
  });
});
