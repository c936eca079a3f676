/**
 * Page 1 of the audit report's PDF is the decision: for the demo's final
 * Second Chance payment, in Russian and English, the text of page 1 holds
 * the amount in figures and in words, the investor's line, the agreement
 * and its budget code, who calculated, attested, approved and paid (name,
 * position, organisation from the contract's directory), each signature
 * verified, and a summary of why the amount is due; never a subject id or
 * the period's id. A subject the directory does not name prints as its
 * organisation and role, a signature by a key the policy does not name for
 * the role prints as not verifying. The KZT contracts (Antares, Qarmet),
 * which pay no outcomes, say so in tenge and in words. Page 1 is written as
 * PNG to bench/out/decision-[<contract>-]<lang>-page1.png for people to look at.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '#reports';
import { renderReportPdf } from '../../functions/adapters/report-pdf.ts';
import { reportOfLedger, secondChanceReport } from '../support/audit-report.ts';
import { DEMO_SUBJECTS, type DecisionReport, finalPeriodReport } from '../support/decision-report.ts';
import { ledgerFor, loadSpec, pseudonym, Records } from '../support/evaluation-fixtures.ts';
import { memoryParty } from '../support/parties.ts';
import { pdfPageTexts, renderPdfToPngs } from '../support/pdf.ts';
import { memorySigner } from '../support/signer.ts';

const OUT = fileURLToPath(new URL('../../bench/out/', import.meta.url));
const FILE = 'report-second-chance-kamchatka-final.json';

/** Page 1's text, every run of white space (no-break spaces included) one space. */
const page1 = (pdf: Uint8Array) => (pdfPageTexts(pdf)[0] ?? '').replace(/\s+/g, ' ');

let fixture: DecisionReport;
const render = (lang: 'ru' | 'en', trust = fixture.trust, report = fixture.report) =>
  renderReportPdf(report, {
    lang,
    jsonSha256: createHash('sha256').update(fixture.bytes).digest('hex'),
    jsonFileName: FILE,
    trust,
  });

let ru: Uint8Array;
let en: Uint8Array;
beforeAll(async () => {
  fixture = await finalPeriodReport();
  ru = await render('ru');
  en = await render('en');
});

describe('page 1 of the report PDF: the decision', () => {
  it('is the final payment of the demo: 45,000,000.00 RUB, paid, every decision party-signed', () => {
    expect(fixture.report.period.id).toBe('final');
    expect(fixture.report.payments.total).toBe('4500000000');
    expect(fixture.report.workflow.state).toBe('paid');
  });

  it('says in Russian what is paid, to whom, on what basis, by whose decision and why', () => {
    const text = page1(ru);
    for (const fact of [
      'РЕШЕНИЕ О ВЫПЛАТЕ',
      'Второй шанс',
      'редакция 1, зарегистрирована',
      'Итоговый период: с 01.08.2025 по 31.03.2026',
      '45 000 000,00 RUB',
      'Прописью: сорок пять миллионов рублей 00 копеек',
      'ВЭБ.ДВ (VEB.DV) 100 % 45 000 000,00',
      'Соглашение № 41-2023-017 от 28.07.2023',
      'КБК 81910030140160010630',
      'Рассчитал Кузнецов Илья Андреевич Аналитик, Независимый оценщик',
      'Заверил Сидорова Анна Викторовна Руководитель группы оценки, Независимый оценщик',
      'Одобрил Петров Пётр Петрович Заместитель министра, Министерство труда и развития кадрового потенциала Камчатского края',
      // Approved at 13:00 UTC on 15 June: 16 June in the contract's zone (Asia/Kamchatka, UTC+12).
      'развития кадрового потенциала Камчатского края 16.06.2026 ✓ подпись верна',
      'Оплатил Иванова Вера Николаевна Главный бухгалтер',
      '29.06.2026 платёжное поручение № PP-2026-000031',
      'Почему причитается эта сумма',
      'За итоговый период причитается 45 000 000,00 RUB.',
      'все 3 показателя достигли порога',
      'Ранее по контракту выплачено 65 000 000,00 RUB',
    ]) {
      expect(text).toContain(fact);
    }
    expect(text.match(/✓ подпись верна/g)).toHaveLength(4);
  });

  it('says the same in English', () => {
    const text = page1(en);
    for (const fact of [
      'PAYMENT DECISION',
      'Second Chance: employment of people released from prison',
      'version 1, registered',
      'Final period: 2025-08-01 to 2026-03-31',
      '45,000,000.00 RUB',
      'In words: forty-five million roubles and 00 kopecks',
      'VEB.DV 100% 45,000,000.00',
      'Agreement No. 41-2023-017 of 2023-07-28',
      'Budget code (KBK) 81910030140160010630',
      'Approved by Petr Petrov Deputy Minister, Ministry of Labour and Human Resources Development of Kamchatka Krai',
      'Paid by Vera Ivanova Chief Accountant',
      'payment order No. PP-2026-000031',
      'Why this amount is due',
      '45,000,000.00 RUB is due for this period (Final period).',
      'all 3 indicators reached their thresholds',
    ]) {
      expect(text).toContain(fact);
    }
    expect(text.match(/✓ signature verifies/g)).toHaveLength(4);
    // English throughout: no Cyrillic letter on the page.
    expect(text).not.toMatch(/[\u0400-\u04ff]/);
  });

  it('never prints a subject id or the period id', () => {
    // The footer names the JSON file as the caller named it: the page's own text is the rest.
    for (const text of [page1(ru), page1(en).replace(/final period/gi, '')].map((t) => t.replaceAll(FILE, ''))) {
      for (const { sub } of Object.values(DEMO_SUBJECTS)) expect(text).not.toContain(sub);
      expect(text).not.toMatch(/\bfinal\b/);
      expect(text).not.toContain('second-chance-kamchatka ');
    }
  });

  it('says a signature does not verify when its key is not the one the policy names for the role', async () => {
    const other = memoryParty('someone-else.test');
    const trust = { ...fixture.trust, parties: { ...fixture.trust.parties, ministry: [other.key] } };
    const text = page1(await render('ru', trust));
    expect(text.match(/✓ подпись верна/g)).toHaveLength(3);
    expect(text).toMatch(
      /Одобрил Петров Пётр Петрович .*подпись НЕ подтверждается ключ не тот, что политика доверия называет для этой роли/,
    );
  });

  it('says a signature does not verify when the entry was changed after it was signed', async () => {
    // The order number is in the paid step's entry only; the PDF reads the entries as the report holds them.
    const changed: AuditReport = JSON.parse(JSON.stringify(fixture.report).replace('PP-2026-000031', 'PP-2026-000099'));
    const text = page1(await render('ru', fixture.trust, changed));
    expect(text).toMatch(/Оплатил .*PP-2026-000099 подпись НЕ подтверждается подпись не соответствует записи журнала/);
    expect(text.match(/✓ подпись верна/g)).toHaveLength(3);
  });

  it('says why nothing is due when an indicator misses its threshold', async () => {
    const r = fixture.report;
    const missed: AuditReport = {
      ...r,
      evaluation: {
        ...r.evaluation,
        indicators: r.evaluation.indicators.map((i, k) => (k === 0 ? { ...i, met: false } : i)),
      },
      payments: { ...r.payments, total: '0', allocation: r.payments.allocation.map((a) => ({ ...a, amount: '0' })) },
    };
    const text = page1(await render('ru', fixture.trust, missed));
    expect(text).toContain('0,00 RUB Прописью: ноль рублей 00 копеек');
    expect(text).toContain(
      'За итоговый период ничего не причитается. По правилу «Субсидия из регионального бюджета за итоговый период: только если каждый показатель достигнут не менее чем на 90%» не достигнут порог: Доля трудоустроенных в течение 180 дней после освобождения — 33,3 % (порог ≥ 31,5 %).',
    );
  });

  it('names a subject the directory lacks by its organisation and role, never by its id', async () => {
    const { report } = await secondChanceReport();
    const text = page1(await render('ru', undefined, report));
    expect(text).toContain(
      'Министерство труда и развития кадрового потенциала Камчатского края заказчик (лицо не указано',
    );
    for (const id of ['ministry-boris', 'evaluator-anna', 'treasury-vera', 'evaluator-calc'])
      expect(text).not.toContain(id);
    expect(text).toContain('без подписи стороны');
  });

  it('gives page 1 of the KZT contracts, which pay no outcomes, in tenge and words', async () => {
    const texts: Record<string, string> = {};
    for (const [id, cohort, date, period] of [
      ['antares-vko-2017', 'pilot-2017', '2017-07-25', 'pilot'],
      ['qarmet-karaganda-2026', 'pilot-2026', '2026-02-02', '2026-02'],
    ] as const) {
      const ledger = ledgerFor(loadSpec(id));
      const ev = new Records();
      ledger.addBatch(Array.from({ length: 12 }, (_, i) => ev.enrol(pseudonym(`${id}-${i}`), date, { cohort })));
      ledger.evaluatePeriod(period);
      const report = await reportOfLedger(ledger, period, memorySigner('test.log').signer);
      for (const lang of ['ru', 'en'] as const) {
        const pdf = await render(lang, undefined, report);
        texts[`${id}-${lang}`] = page1(pdf);
        const [png] = await renderPdfToPngs(pdf, 1.5);
        mkdirSync(OUT, { recursive: true });
        writeFileSync(`${OUT}decision-${id}-${lang}-page1.png`, png as Uint8Array);
      }
    }
    expect(texts['antares-vko-2017-ru']).toContain('0,00 KZT Прописью: ноль тенге 00 тиынов');
    expect(texts['antares-vko-2017-ru']).toContain('Соглашение № 035-2017 от 20.07.2017');
    expect(texts['antares-vko-2017-ru']).toContain(
      'За итоговый период ничего не причитается. Контракт не предусматривает выплат за результаты.',
    );
    expect(texts['qarmet-karaganda-2026-en']).toContain('In words: zero tenge and 00 tiyn');
    expect(texts['qarmet-karaganda-2026-en']).toContain('Reporting period February 2026: 2026-02-01 to 2026-02-28');
    expect(texts['qarmet-karaganda-2026-en']).toContain('Nothing is due for this period (February 2026).');
    for (const text of Object.values(texts)) expect(text).not.toContain('illustrative)');
  });

  it('renders page 1 to PNG in Russian and English', async () => {
    mkdirSync(OUT, { recursive: true });
    for (const [lang, pdf] of [
      ['ru', ru],
      ['en', en],
    ] as const) {
      const [png] = await renderPdfToPngs(pdf, 1.5);
      expect(png?.byteLength).toBeGreaterThan(20_000);
      writeFileSync(`${OUT}decision-${lang}-page1.png`, png as Uint8Array);
    }
  });
});
