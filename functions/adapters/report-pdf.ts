import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { MetricUnit } from '#contracts';
import type { ComparisonResult } from '#evaluation';
import { formatMoney } from '#evaluation';
import { Decimal } from '#kernel';
import type { PaymentState } from '#ledger';
import type { AuditReport, ReportMetric } from '#reports';

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
 */

export type ReportLang = 'ru' | 'en';

/**
 * An earlier period's figures for the chart: metric values (as in its
 * evaluation). `total` is its payment total; the PDF lists earlier totals
 * from the report's own (signed) `earlier`, which holds the same figures.
 */
export interface PeriodFigures {
  readonly period: string;
  readonly metrics: Readonly<Record<string, string>>;
  readonly total: string;
}

export interface ReportPdfOptions {
  readonly lang: ReportLang;
  /** SHA-256 (hex) of the signed JSON file this PDF accompanies. */
  readonly jsonSha256: string;
  /** The JSON file's name, as the verify command names it. */
  readonly jsonFileName: string;
  /** Earlier periods, oldest first (the chart shows them before this period). */
  readonly history?: readonly PeriodFigures[];
}

// ---- Fonts

const requireFrom = createRequire(import.meta.url);
const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;
type FontName = keyof typeof FONT_FILES;
let fontCache: Record<FontName, Buffer> | undefined;

/**
 * A font file: in a Lambda bundle, from `fonts/` beside the running bundle
 * (the construct copies them there, infra/constructs/handler-function.ts);
 * in the source tree, from the dejavu-fonts-ttf package.
 */
function fontPath(file: string): URL | string {
  const bundled = new URL(`./fonts/${file}`, import.meta.url);
  return existsSync(bundled) ? bundled : requireFrom.resolve(`dejavu-fonts-ttf/ttf/${file}`);
}

function fonts(): Record<FontName, Buffer> {
  fontCache ??= {
    regular: readFileSync(fontPath(FONT_FILES.regular)),
    bold: readFileSync(fontPath(FONT_FILES.bold)),
    mono: readFileSync(fontPath(FONT_FILES.mono)),
  };
  return fontCache;
}

// ---- Words

const NBSP = '\u00a0';

const DICTIONARY = {
  ru: {
    kicker: 'АУДИТОРСКИЙ ОТЧЁТ ПО КОНТРАКТУ СОЦИАЛЬНОГО ВОЗДЕЙСТВИЯ',
    docTitle: 'Отчёт о результатах и выплатах',
    period: 'Период',
    periodLine: (id: string, from: string, to: string) => `Период ${id}: с ${from} по ${to}`,
    final: 'итоговый',
    paymentDate: 'Дата выплаты',
    contractId: 'Контракт',
    version: (v: number) => `версия ${v}`,
    specHash: 'Хеш условий (SHA-256)',
    registered: (seq: number) => `условия зарегистрированы записью №${NBSP}${seq}`,
    currency: 'Валюта',
    commissioner: 'Заказчик',
    investors: 'Инвесторы',
    operator: 'Оператор',
    evaluator: 'Оценщик',
    evidence: 'Данные',
    evidenceLine: (records: string, batches: string, enrolled: string, withdrawn: string) =>
      `${records} записей в ${batches} пакетах; участников: ${enrolled} включено, ${withdrawn} выбыло`,
    evaluation: 'Расчёт',
    evaluationLine: (seq: number, size: string) => `запись №${NBSP}${seq}; по журналу из ${size} записей`,
    resultHash: 'Хеш результата расчёта',
    state: 'Состояние выплаты',
    issued: 'Отчёт сформирован',
    verifyTitle: 'Как проверить',
    verifyText:
      'Этот PDF — изложение для читателя. Значение имеет подписанный JSON-отчёт: подписи, контрольная точка журнала, доказательства включения записей и все суммы проверяются одной командой, без доверия к кому-либо.',
    jsonFile: 'JSON-отчёт',
    jsonHash: 'SHA-256 файла',
    command: 'Команда',
    outcomes: 'Результаты и целевые значения',
    metric: 'Показатель',
    value: 'Значение',
    target: 'Цель',
    interval: (level: string) => `Интервал ${level}`,
    met: 'Достигнут',
    n: 'n',
    yes: 'да',
    no: 'нет',
    pending: (n: string) => `ещё не завершили окно: ${n}`,
    illustrative: '* цель или показатель иллюстративные (в открытых источниках нет)',
    byGroup: 'По когортам и группам',
    total: 'всего',
    group: 'Группа',
    planned: 'План',
    suppressedWord: 'скрыто',
    suppressedNote: '< 5 — в группе меньше 5 человек, значение не раскрывается.',
    comparisons: 'Сравнения',
    comparison: 'Сравнение',
    treatment: 'Проект',
    against: 'С чем сравнивается',
    effect: 'Эффект',
    test: 'Тест',
    baseline: 'базовый уровень из контракта',
    significant: 'значимо',
    notSignificant: 'не значимо',
    triggers: 'Условия выплат (триггеры)',
    trigger: 'Условие',
    because: 'Почему',
    indicators: 'Показатели правил «всё или ничего»',
    rule: 'Правило',
    threshold: 'Порог',
    thresholdNote:
      'Показатель выполнен, если достигнут порог: не менее допуска × цель (для «не менее») или не более цель ÷ допуск (для «не более»).',
    chart: 'Показатели по периодам',
    legendMet: 'порог достигнут',
    legendNotMet: 'порог не достигнут',
    legendTarget: 'цель',
    legendThreshold: 'порог',
    chartNote: 'Бледные столбцы — прошлые периоды, яркий — отчётный.',
    noFigure: 'нет данных',
    payments: 'Платёжные строки',
    kind: 'Вид',
    outcomesCount: 'Исходов',
    formula: 'Как рассчитано',
    amount: 'Сумма',
    payment: 'выплата',
    adjustment: 'корректировка',
    formulaNote: 'Расчёт приведён так, как его записал механизм выплат (на английском).',
    noLines: 'Для этого периода нет платёжных правил.',
    totals: 'Итоги',
    thisPeriod: 'За этот период',
    paidBefore: 'Выплачено ранее',
    cumulative: 'Всего с начала контракта',
    byPeriod: 'Выплаты по периодам',
    caps: 'Ограничения',
    cap: 'Ограничение',
    limit: 'Лимит',
    before: 'Использовано до',
    after: 'После',
    binding: 'Сократило выплату',
    capOverall: 'общий лимит контракта',
    capPerPeriod: 'лимит за период',
    capPerOutcome: (rule: string) => `лимит по правилу ${rule}`,
    capReturn: (rate: string, principal: string, date: string) =>
      `ограничение доходности: ${rate} годовых на ${principal} по ${date}`,
    allocation: 'Распределение между инвесторами',
    investor: 'Инвестор',
    share: 'Доля',
    workflow: 'Согласование выплаты',
    step: 'Шаг',
    subject: 'Кто',
    role: 'Роль',
    at: 'Когда (UTC)',
    entry: 'Запись',
    entryNo: (seq: number) => `№${NBSP}${seq}`,
    details: 'Подробности',
    steps: {
      calculated: 'рассчитана',
      attested: 'заверена оценщиком',
      approved: 'одобрена министерством',
      rejected: 'отклонена',
      paid: 'оплачена',
    } satisfies Record<PaymentState, string>,
    roles: {
      operator: 'оператор',
      ministry: 'министерство',
      investor: 'инвестор',
      evaluator: 'оценщик',
      system: 'система',
    } as Record<string, string>,
    paymentOrder: (n: string, on: string) => `платёжное поручение №${NBSP}${n} от ${on}`,
    reason: (r: string) => `причина: ${r}`,
    resultOf: (total: string) => `сумма расчёта ${total}`,
    signatures: 'Подписи',
    checkpoint: 'Контрольная точка журнала',
    checkpointSize: (size: string) => `${size} записей`,
    checkpointRoot: 'Корень дерева Меркла',
    logSignature: 'Подпись журнала',
    witnesses: 'Свидетели (соподписи)',
    none: 'нет',
    reportSignature: 'Отчёт подписан ключом',
    footerHash: 'SHA-256 JSON',
    footerVerify: 'проверка',
    page: (i: number, n: number) => `стр. ${i} из ${n}`,
  },
  en: {
    kicker: 'SOCIAL IMPACT BOND AUDIT REPORT',
    docTitle: 'Outcomes and payments report',
    period: 'Period',
    periodLine: (id: string, from: string, to: string) => `Period ${id}: ${from} to ${to}`,
    final: 'final',
    paymentDate: 'Payment date',
    contractId: 'Contract',
    version: (v: number) => `version ${v}`,
    specHash: 'Terms hash (SHA-256)',
    registered: (seq: number) => `terms registered as entry no. ${seq}`,
    currency: 'Currency',
    commissioner: 'Commissioner',
    investors: 'Investors',
    operator: 'Operator',
    evaluator: 'Evaluator',
    evidence: 'Evidence',
    evidenceLine: (records: string, batches: string, enrolled: string, withdrawn: string) =>
      `${records} records in ${batches} batches; participants: ${enrolled} enrolled, ${withdrawn} withdrawn`,
    evaluation: 'Evaluation',
    evaluationLine: (seq: number, size: string) => `entry no. ${seq}; over the log's first ${size} entries`,
    resultHash: 'Evaluation result hash',
    state: 'Payment state',
    issued: 'Report issued',
    verifyTitle: 'How to verify',
    verifyText:
      'This PDF is a summary for readers. The signed JSON report is what counts: its signatures, the log checkpoint, the inclusion proofs of the entries and every amount are checked by one command, trusting no one.',
    jsonFile: 'JSON report',
    jsonHash: 'File SHA-256',
    command: 'Command',
    outcomes: 'Outcomes against targets',
    metric: 'Metric',
    value: 'Value',
    target: 'Target',
    interval: (level: string) => `Interval ${level}`,
    met: 'Met',
    n: 'n',
    yes: 'yes',
    no: 'no',
    pending: (n: string) => `window still open: ${n}`,
    illustrative: '* target or figure illustrative (not in public sources)',
    byGroup: 'By cohort and group',
    total: 'total',
    group: 'Group',
    planned: 'Planned',
    suppressedWord: 'suppressed',
    suppressedNote: '< 5: fewer than 5 people in the group; the figure is not disclosed.',
    comparisons: 'Comparisons',
    comparison: 'Comparison',
    treatment: 'Programme',
    against: 'Compared with',
    effect: 'Effect',
    test: 'Test',
    baseline: 'baseline in the contract',
    significant: 'significant',
    notSignificant: 'not significant',
    triggers: 'Payment triggers',
    trigger: 'Trigger',
    because: 'Because',
    indicators: 'All-or-nothing indicators',
    rule: 'Rule',
    threshold: 'Threshold',
    thresholdNote:
      'An indicator is met when it reaches its threshold: at least tolerance × target (at-least targets) or at most target ÷ tolerance (at-most targets).',
    chart: 'Indicators by period',
    legendMet: 'threshold reached',
    legendNotMet: 'threshold not reached',
    legendTarget: 'target',
    legendThreshold: 'threshold',
    chartNote: 'Pale bars: earlier periods; solid bar: this period.',
    noFigure: 'no figure',
    payments: 'Payment lines',
    kind: 'Type',
    outcomesCount: 'Outcomes',
    formula: 'How it was worked out',
    amount: 'Amount',
    payment: 'payment',
    adjustment: 'adjustment',
    formulaNote: '',
    noLines: 'No payment rule applies to this period.',
    totals: 'Totals',
    thisPeriod: 'This period',
    paidBefore: 'Paid before',
    cumulative: 'Cumulative',
    byPeriod: 'Payments by period',
    caps: 'Caps',
    cap: 'Cap',
    limit: 'Limit',
    before: 'Used before',
    after: 'After',
    binding: 'Cut a payment',
    capOverall: 'overall cap of the contract',
    capPerPeriod: 'cap per period',
    capPerOutcome: (rule: string) => `cap on rule ${rule}`,
    capReturn: (rate: string, principal: string, date: string) =>
      `return cap: ${rate} a year on ${principal} to ${date}`,
    allocation: 'Allocation to investors',
    investor: 'Investor',
    share: 'Share',
    workflow: 'Payment approval',
    step: 'Step',
    subject: 'Who',
    role: 'Role',
    at: 'When (UTC)',
    entry: 'Entry',
    entryNo: (seq: number) => `no.${NBSP}${seq}`,
    details: 'Details',
    steps: {
      calculated: 'calculated',
      attested: 'attested by the evaluator',
      approved: 'approved by the ministry',
      rejected: 'rejected',
      paid: 'paid',
    } satisfies Record<PaymentState, string>,
    roles: {
      operator: 'operator',
      ministry: 'ministry',
      investor: 'investor',
      evaluator: 'evaluator',
      system: 'system',
    } as Record<string, string>,
    paymentOrder: (n: string, on: string) => `payment order no. ${n} of ${on}`,
    reason: (r: string) => `reason: ${r}`,
    resultOf: (total: string) => `evaluated total ${total}`,
    signatures: 'Signatures',
    checkpoint: 'Log checkpoint',
    checkpointSize: (size: string) => `${size} entries`,
    checkpointRoot: 'Merkle tree root',
    logSignature: 'Log signature',
    witnesses: 'Witnesses (cosignatures)',
    none: 'none',
    reportSignature: 'Report signed with key',
    footerHash: 'SHA-256 of the JSON',
    footerVerify: 'verify',
    page: (i: number, n: number) => `page ${i} of ${n}`,
  },
} as const;
type Words = (typeof DICTIONARY)[ReportLang];

// ---- Numbers and dates, per language

/** Formats numbers and dates the way readers of a language expect. */
class Format {
  readonly lang: ReportLang;
  readonly currency: string;
  readonly minorUnit: number;
  constructor(lang: ReportLang, currency: string, minorUnit: number) {
    this.lang = lang;
    this.currency = currency;
    this.minorUnit = minorUnit;
  }

  /** `1234567.5` in the `en` convention -> the language's (ru: no-break space thousands, comma decimals). */
  private local(en: string): string {
    return this.lang === 'en' ? en : en.replace(/[,.]/g, (c) => (c === ',' ? NBSP : ','));
  }

  /** A whole number with thousands separators. */
  int(v: string | number): string {
    const text = String(v);
    const sign = text.startsWith('-') ? '-' : '';
    const digits = sign === '' ? text : text.slice(1);
    return this.local(`${sign}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`);
  }

  /** A decimal to `places` places (half-even), with separators. */
  decimal(v: string, places: number): string {
    const [whole = '0', fraction] = new Decimal(v).toFixed(places).split('.');
    const grouped = `${this.int(whole)}`;
    return fraction === undefined ? grouped : `${grouped}${this.lang === 'en' ? '.' : ','}${fraction}`;
  }

  /** A ratio as a percentage: 0.3777 -> `37.8%` / `37,8 %`. */
  percent(v: string, places = 1): string {
    return `${this.decimal(new Decimal(v).times(100).toString(), places)}${this.lang === 'en' ? '%' : `${NBSP}%`}`;
  }

  /** A signed difference of ratios in percentage points. */
  points(v: string): string {
    const d = new Decimal(v).times(100);
    const sign = d.gt(0) ? '+' : '';
    return `${sign}${this.decimal(d.toString(), 1)}${this.lang === 'en' ? ' pp' : `${NBSP}п.${NBSP}п.`}`;
  }

  /** Minor units with the currency code. */
  money(minor: string | bigint): string {
    return `${this.local(formatMoney(minor, this.minorUnit))}${NBSP}${this.currency}`;
  }

  /** Minor units as a bare number (amount columns headed with the currency). */
  amount(minor: string | bigint): string {
    return this.local(formatMoney(minor, this.minorUnit));
  }

  /** `2024-08-01` -> `01.08.2024` (ru) or itself (en). */
  date(iso: string): string {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (m === null || this.lang === 'en') return iso;
    return `${m[3]}.${m[2]}.${m[1]}`;
  }

  /** An ISO instant -> date and time to the second, UTC. */
  dateTime(iso: string): string {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
    if (m === null) return iso;
    return `${this.date(m[1] as string)} ${m[2]}`;
  }

  /** A metric's figure in its unit. */
  figure(unit: MetricUnit, v: string): string {
    switch (unit) {
      case 'rate':
        return this.percent(v);
      case 'mean':
        return this.decimal(v, 3);
      case 'money':
        return this.money(v);
      default:
        return this.int(v);
    }
  }

  /** `≥ 35.0%` */
  target(unit: MetricUnit, t: { value: string; direction: string }): string {
    return `${t.direction === 'at-most' ? '≤' : '≥'}${NBSP}${this.figure(unit, t.value)}`;
  }

  interval(unit: MetricUnit, i: { low: string; high: string }): string {
    if (unit === 'rate') {
      const num = (v: string) => this.decimal(new Decimal(v).times(100).toString(), 1);
      return `${num(i.low)}–${num(i.high)}${this.lang === 'en' ? '%' : `${NBSP}%`}`;
    }
    return `${this.decimal(i.low, 3)}–${this.decimal(i.high, 3)}`;
  }
}

// ---- Layout

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 50, bottom: 62, left: 48, right: 48 };
const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
const BOTTOM = A4.height - MARGIN.bottom;

const COLOR = {
  ink: '#1b1f24',
  muted: '#5f6670',
  faint: '#8a9099',
  rule: '#c9ced6',
  headerFill: '#e9eef4',
  stripe: '#f6f8fa',
  accent: '#1f4e79',
  good: '#2e7d4f',
  bad: '#b3261e',
  barGood: '#3f8f5f',
  barBad: '#c8553d',
  boxFill: '#f3f6f9',
} as const;

const SIZE = { body: 9, table: 8, small: 7, heading: 12.5 } as const;

type Align = 'left' | 'right' | 'center';

interface Cell {
  readonly text: string;
  /** A second, smaller grey line (ids, notes). */
  readonly sub?: string;
  readonly font?: FontName;
  readonly color?: string;
  readonly align?: Align;
}
type CellInput = string | Cell;

interface Column {
  readonly header: string;
  readonly width: number;
  readonly align?: Align;
}

const cellOf = (c: CellInput): Cell => (typeof c === 'string' ? { text: c } : c);

/** Widths in proportion to `weights`, filling the content width. */
function widths(...weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (w / sum) * CONTENT_WIDTH);
}

class Writer {
  readonly doc: PDFKit.PDFDocument;
  y: number = MARGIN.top;
  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
  }

  use(font: FontName, size: number, color: string = COLOR.ink): this {
    this.doc.font(font).fontSize(size).fillColor(color);
    return this;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = MARGIN.top;
  }

  /** Starts a new page unless `height` fits below the cursor. */
  ensure(height: number): void {
    if (this.y + height > BOTTOM) this.newPage();
  }

  /** Height of a text block at the current font. */
  measure(text: string, width: number): number {
    return this.doc.heightOfString(text, { width, lineGap: 1 });
  }

  /** Writes a text block at (x, y) within `width`; returns its height. Never breaks the page itself. */
  put(text: string, x: number, y: number, width: number, align: Align = 'left'): number {
    const h = this.measure(text, width);
    this.doc.text(text, x, y, { width, align, lineGap: 1 });
    return h;
  }

  paragraph(text: string, font: FontName = 'regular', size: number = SIZE.body, color: string = COLOR.ink): void {
    this.use(font, size, color);
    const h = this.measure(text, CONTENT_WIDTH);
    this.ensure(h);
    this.put(text, MARGIN.left, this.y, CONTENT_WIDTH);
    this.y += h + 3;
  }

  /** A section heading, kept with at least `keep` points of what follows. */
  heading(text: string, keep = 60): void {
    this.y += 10;
    this.use('bold', SIZE.heading, COLOR.accent);
    const h = this.measure(text, CONTENT_WIDTH);
    this.ensure(h + 6 + keep);
    this.put(text, MARGIN.left, this.y, CONTENT_WIDTH);
    this.y += h + 2;
    this.doc
      .moveTo(MARGIN.left, this.y)
      .lineTo(MARGIN.left + CONTENT_WIDTH, this.y)
      .lineWidth(0.8)
      .strokeColor(COLOR.accent)
      .stroke();
    this.y += 6;
  }

  /** Label: value lines, the value wrapped in its column. */
  pairs(rows: readonly (readonly [string, CellInput])[], labelWidth = 150): void {
    const valueWidth = CONTENT_WIDTH - labelWidth;
    for (const [label, input] of rows) {
      const cell = cellOf(input);
      this.use('bold', SIZE.body, COLOR.muted);
      const hl = this.measure(label, labelWidth - 8);
      this.use(cell.font ?? 'regular', cell.font === 'mono' ? SIZE.body - 0.5 : SIZE.body, cell.color ?? COLOR.ink);
      const hv = this.measure(cell.text, valueWidth);
      let hs = 0;
      if (cell.sub !== undefined) {
        this.use('regular', SIZE.small);
        hs = this.measure(cell.sub, valueWidth) + 1;
      }
      const h = Math.max(hl, hv + hs);
      this.ensure(h);
      this.use('bold', SIZE.body, COLOR.muted).put(label, MARGIN.left, this.y, labelWidth - 8);
      this.use(cell.font ?? 'regular', cell.font === 'mono' ? SIZE.body - 0.5 : SIZE.body, cell.color ?? COLOR.ink);
      this.put(cell.text, MARGIN.left + labelWidth, this.y, valueWidth);
      if (cell.sub !== undefined) {
        this.use('regular', SIZE.small, COLOR.muted).put(
          cell.sub,
          MARGIN.left + labelWidth,
          this.y + hv + 1,
          valueWidth,
        );
      }
      this.y += h + 3;
    }
  }

  /** A table that breaks across pages, repeating its header row; rows never split. */
  table(
    columns: readonly Column[],
    rows: readonly (readonly CellInput[])[],
    options: { readonly stripes?: readonly boolean[] } = {},
  ): void {
    const pad = { x: 4, y: 3.5 };
    const headerHeight = () => {
      this.use('bold', SIZE.table);
      return Math.max(...columns.map((c) => this.measure(c.header, c.width - 2 * pad.x))) + 2 * pad.y;
    };
    const drawHeader = () => {
      const h = headerHeight();
      this.doc.rect(MARGIN.left, this.y, CONTENT_WIDTH, h).fill(COLOR.headerFill);
      let x = MARGIN.left;
      this.use('bold', SIZE.table, COLOR.ink);
      for (const c of columns) {
        this.put(c.header, x + pad.x, this.y + pad.y, c.width - 2 * pad.x, c.align ?? 'left');
        x += c.width;
      }
      this.y += h;
      this.rule(COLOR.muted, 0.7);
    };
    const heights = rows.map((row) =>
      columns.reduce((max, c, i) => {
        const cell = cellOf(row[i] ?? '');
        const w = c.width - 2 * pad.x;
        this.use(cell.font ?? 'regular', SIZE.table);
        let h = this.measure(cell.text || ' ', w);
        if (cell.sub !== undefined) {
          this.use('regular', SIZE.small);
          h += this.measure(cell.sub, w) + 1;
        }
        return Math.max(max, h + 2 * pad.y);
      }, 0),
    );
    this.ensure(headerHeight() + (heights[0] ?? 0));
    drawHeader();
    rows.forEach((row, r) => {
      const h = heights[r] ?? 0;
      if (this.y + h > BOTTOM) {
        this.newPage();
        drawHeader();
      }
      if (options.stripes?.[r] ?? r % 2 === 1) this.doc.rect(MARGIN.left, this.y, CONTENT_WIDTH, h).fill(COLOR.stripe);
      let x = MARGIN.left;
      columns.forEach((c, i) => {
        const cell = cellOf(row[i] ?? '');
        const w = c.width - 2 * pad.x;
        const align = cell.align ?? c.align ?? 'left';
        this.use(cell.font ?? 'regular', SIZE.table, cell.color ?? COLOR.ink);
        const used = this.put(cell.text, x + pad.x, this.y + pad.y, w, align);
        if (cell.sub !== undefined) {
          this.use('regular', SIZE.small, COLOR.muted).put(cell.sub, x + pad.x, this.y + pad.y + used + 1, w, align);
        }
        x += c.width;
      });
      this.y += h;
      this.rule(COLOR.rule, 0.4);
    });
    this.y += 4;
  }

  rule(color: string, width: number): void {
    this.doc
      .moveTo(MARGIN.left, this.y)
      .lineTo(MARGIN.left + CONTENT_WIDTH, this.y)
      .lineWidth(width)
      .strokeColor(color)
      .stroke();
  }
}

// ---- The chart

interface Bar {
  readonly label: string;
  readonly value: string | undefined;
  readonly current: boolean;
}

interface Panel {
  readonly title: string;
  readonly subtitle: string;
  readonly unit: MetricUnit;
  readonly direction: 'at-least' | 'at-most';
  readonly target: string | undefined;
  readonly threshold: string | undefined;
  readonly bars: readonly Bar[];
}

/** The smallest step of 1, 2, 2.5 or 5 × 10^k that reaches `max` in at most five intervals. */
function niceStep(max: number): number {
  const power = 10 ** Math.floor(Math.log10(max / 5));
  for (const unit of [1, 2, 2.5, 5, 10]) if (Math.ceil(max / (unit * power) - 1e-9) <= 5) return unit * power;
  return 10 * power;
}

function reaches(value: string, bound: string, direction: 'at-least' | 'at-most'): boolean {
  return direction === 'at-least' ? new Decimal(value).gte(bound) : new Decimal(value).lte(bound);
}

function drawPanels(w: Writer, f: Format, t: Words, panels: readonly Panel[]): void {
  const { doc } = w;
  const perRow = Math.min(3, panels.length);
  const gap = 16;
  const panelWidth = perRow === 1 ? CONTENT_WIDTH / 2 : (CONTENT_WIDTH - gap * (perRow - 1)) / perRow;
  const plotHeight = 118;
  const axisWidth = 34;
  for (let start = 0; start < panels.length; start += perRow) {
    const row = panels.slice(start, start + perRow);
    w.use('bold', SIZE.table);
    const titleHeight = Math.max(...row.map((p) => w.measure(p.title, panelWidth)));
    w.use('regular', SIZE.small);
    const subtitleHeight = Math.max(...row.map((p) => w.measure(p.subtitle, panelWidth)));
    const total = titleHeight + subtitleHeight + 8 + plotHeight + 18;
    w.ensure(total);
    const top = w.y;
    row.forEach((p, k) => {
      const x0 = MARGIN.left + k * (panelWidth + gap);
      w.use('bold', SIZE.table, COLOR.ink).put(p.title, x0, top, panelWidth);
      w.use('regular', SIZE.small, COLOR.muted).put(p.subtitle, x0, top + titleHeight + 2, panelWidth);
      const plotTop = top + titleHeight + subtitleHeight + 8;
      const plotLeft = x0 + axisWidth;
      const plotWidth = panelWidth - axisWidth - 4;
      const base = plotTop + plotHeight;
      const numbers = [
        ...p.bars.flatMap((b) => (b.value === undefined ? [] : [Number(b.value)])),
        ...(p.target === undefined ? [] : [Number(p.target)]),
        ...(p.threshold === undefined ? [] : [Number(p.threshold)]),
      ];
      const top0 = Math.max(...numbers, 0) * 1.18 || 1;
      const step = niceStep(top0);
      const max = Math.ceil(top0 / step) * step;
      const yOf = (v: number) => base - (v / max) * plotHeight;
      // Grid and axis labels.
      const tickStep = new Decimal(step).toSignificantDigits(6);
      const places = new Decimal(tickStep).times(p.unit === 'rate' ? 100 : 1).decimalPlaces();
      for (let k = 0; k * step <= max + step / 2; k++) {
        const v = tickStep.times(k).toString();
        const y = yOf(Number(v));
        doc
          .moveTo(plotLeft, y)
          .lineTo(plotLeft + plotWidth, y)
          .lineWidth(0.4)
          .strokeColor(k === 0 ? COLOR.muted : COLOR.rule)
          .stroke();
        const label = p.unit === 'rate' ? f.percent(v, places) : f.decimal(v, places);
        w.use('regular', 6.5, COLOR.muted).put(label, x0, y - 3.5, axisWidth - 4, 'right');
      }
      // Bars, then the target (solid) and threshold (dashed) lines over them, then the figures over the lines.
      const slot = plotWidth / Math.max(1, p.bars.length);
      const barWidth = Math.min(slot * 0.62, 42);
      const centre = (i: number) => plotLeft + slot * i + slot / 2;
      p.bars.forEach((b, i) => {
        const cx = centre(i);
        w.use(b.current ? 'bold' : 'regular', 7, COLOR.ink).put(b.label, cx - slot / 2, base + 3, slot, 'center');
        if (b.value === undefined) return;
        const bound = p.threshold ?? p.target;
        const good = bound === undefined || reaches(b.value, bound, p.direction);
        const y = yOf(Number(b.value));
        doc
          .rect(cx - barWidth / 2, y, barWidth, base - y)
          .fillOpacity(b.current ? 1 : 0.45)
          .fill(good ? COLOR.barGood : COLOR.barBad);
        doc.fillOpacity(1);
      });
      const line = (v: string, dashed: boolean) => {
        const y = yOf(Number(v));
        doc
          .moveTo(plotLeft, y)
          .lineTo(plotLeft + plotWidth, y)
          .lineWidth(dashed ? 0.9 : 1.2)
          .strokeColor(COLOR.ink);
        if (dashed) doc.dash(3, { space: 2 });
        doc.stroke();
        doc.undash();
      };
      if (p.target !== undefined) line(p.target, false);
      if (p.threshold !== undefined && p.threshold !== p.target) line(p.threshold, true);
      p.bars.forEach((b, i) => {
        const cx = centre(i);
        if (b.value === undefined) {
          w.use('regular', 6.5, COLOR.faint).put(t.noFigure, cx - slot / 2, base - 12, slot, 'center');
          return;
        }
        const y = yOf(Number(b.value));
        const label = f.figure(p.unit, b.value);
        w.use('bold', 6.5, COLOR.ink);
        const labelWidth = doc.widthOfString(label) + 6;
        doc.roundedRect(cx - labelWidth / 2, y - 11, labelWidth, 9.5, 1.5).fill('#ffffff');
        w.use('bold', 6.5, COLOR.ink).put(label, cx - slot / 2, y - 9.5, slot, 'center');
      });
    });
    w.y = top + total;
  }
  // Legend.
  w.ensure(14);
  let x = MARGIN.left;
  const y = w.y + 2;
  const swatch = (color: string, label: string) => {
    doc.rect(x, y, 9, 7).fill(color);
    w.use('regular', SIZE.small, COLOR.ink);
    doc.text(label, x + 12, y - 0.5, { lineBreak: false });
    x += 12 + doc.widthOfString(label) + 14;
  };
  const stroke = (dashed: boolean, label: string) => {
    doc
      .moveTo(x, y + 3.5)
      .lineTo(x + 18, y + 3.5)
      .lineWidth(dashed ? 0.9 : 1.2)
      .strokeColor(COLOR.ink);
    if (dashed) doc.dash(3, { space: 2 });
    doc.stroke();
    doc.undash();
    w.use('regular', SIZE.small, COLOR.ink);
    doc.text(label, x + 22, y - 0.5, { lineBreak: false });
    x += 22 + doc.widthOfString(label) + 14;
  };
  swatch(COLOR.barGood, t.legendMet);
  swatch(COLOR.barBad, t.legendNotMet);
  stroke(false, t.legendTarget);
  stroke(true, t.legendThreshold);
  w.y += 13;
  if (panels.some((p) => p.bars.length > 1)) w.paragraph(t.chartNote, 'regular', SIZE.small, COLOR.muted);
}

// ---- The report

interface StepEntry {
  readonly seq?: number;
  readonly at?: string;
  readonly actor?: { readonly sub?: string; readonly role?: string };
  readonly body?: Record<string, unknown>;
}

function parseEntry(text: string): StepEntry {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as StepEntry) : {};
  } catch {
    return {};
  }
}

/** Key names on the signature lines of a C2SP signed note. */
function noteSigners(note: string): string[] {
  const at = note.indexOf('\n\n');
  if (at < 0) return [];
  return note
    .slice(at + 2)
    .split('\n')
    .filter((l) => l.startsWith('\u2014 '))
    .map((l) => l.slice(2).split(' ')[0] ?? '');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function capName(report: AuditReport, f: Format, t: Words, cap: string): string {
  if (cap === 'overall') return t.capOverall;
  if (cap === 'per period') return t.capPerPeriod;
  if (cap.startsWith('per outcome ')) return t.capPerOutcome(cap.slice('per outcome '.length));
  const rc = report.contract.spec.returnCap;
  if (cap.startsWith('return cap') && rc !== undefined) {
    return t.capReturn(
      f.percent(rc.annualRate, new Decimal(rc.annualRate).times(100).isInteger() ? 0 : 2),
      f.money(rc.principal),
      f.date(report.period.paymentDate),
    );
  }
  return cap;
}

function comparisonCells(c: ComparisonResult, unit: MetricUnit, f: Format, t: Words): CellInput[] {
  const fig = (v: string) => f.figure(unit, v);
  const effect =
    c.effectSize === undefined
      ? (c.note ?? '')
      : c.effect === 'difference'
        ? unit === 'rate'
          ? f.points(c.effectSize)
          : f.decimal(c.effectSize, 3)
        : f.percent(c.effectSize);
  const against =
    c.comparison === undefined
      ? '—'
      : {
          text: fig(c.comparison.value),
          sub: c.comparison.source === 'baseline in the contract' ? t.baseline : c.comparison.source,
        };
  return [
    { text: c.id, sub: c.metric },
    c.group,
    {
      text: fig(c.treatment.value),
      ...(c.treatment.denominator === undefined ? {} : { sub: `n = ${f.int(c.treatment.denominator)}` }),
    },
    against,
    { text: effect, align: 'right' },
    c.test === undefined
      ? ''
      : `z = ${f.decimal(c.test.statistic, 2)}, p = ${f.decimal(c.test.pValue, 3)}; ${c.test.significant ? t.significant : t.notSignificant}`,
  ];
}

/** Renders the audit report as an A4 PDF in the given language; the same inputs give the same bytes. */
export async function renderReportPdf(report: AuditReport, options: ReportPdfOptions): Promise<Uint8Array> {
  const t: Words = DICTIONARY[options.lang];
  const spec = report.contract.spec;
  const pay = report.payments;
  const f = new Format(options.lang, pay.currency, pay.minorUnit);
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
      Title: `${t.docTitle}: ${spec.title}, ${report.period.id}`,
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
  const w = new Writer(doc);
  const metricsById = new Map(report.evaluation.metrics.map((m) => [m.id, m]));
  const unitOf = (id: string): MetricUnit => metricsById.get(id)?.unit ?? 'count';
  const titleOf = (id: string): string =>
    metricsById.get(id)?.title ?? spec.metrics.find((m) => m.id === id)?.title ?? id;

  // -- Title block
  w.use('bold', SIZE.small, COLOR.accent);
  w.put(t.kicker, MARGIN.left, w.y, CONTENT_WIDTH);
  w.y += 12;
  w.use('bold', 15, COLOR.ink);
  w.y += w.put(spec.title, MARGIN.left, w.y, CONTENT_WIDTH) + 4;
  const p = report.period;
  w.use('bold', 11, COLOR.accent);
  w.y +=
    w.put(
      `${t.periodLine(p.id, f.date(p.from), f.date(p.to))}${p.final === true ? ` (${t.final})` : ''}`,
      MARGIN.left,
      w.y,
      CONTENT_WIDTH,
    ) + 8;
  const investors = spec.parties.investors.map(
    (i) => `${i.name} — ${f.percent(i.share, new Decimal(i.share).times(100).isInteger() ? 0 : 1)}`,
  );
  w.pairs([
    [t.contractId, { text: `${report.contract.id}, ${t.version(report.contract.version)}` }],
    [t.specHash, { text: report.contract.hash, font: 'mono', sub: t.registered(report.contract.registration.seq) }],
    [t.paymentDate, f.date(p.paymentDate)],
    [t.currency, pay.currency],
    [t.commissioner, spec.parties.commissioner.name],
    [t.investors, investors.join('; ')],
    [t.operator, spec.parties.operator.name],
    ...(spec.parties.evaluator === undefined ? [] : [[t.evaluator, spec.parties.evaluator.name] as const]),
    [
      t.evidence,
      t.evidenceLine(
        f.int(report.evaluation.records),
        f.int(report.evaluation.batches),
        f.int(report.evaluation.participants.enrolled),
        f.int(report.evaluation.participants.withdrawn),
      ),
    ],
    [
      t.evaluation,
      {
        text: t.evaluationLine(report.evaluation.entry.seq, f.int(report.evaluation.evaluatedAt.size)),
        sub: `${t.resultHash}: ${report.evaluation.resultSha256}`,
      },
    ],
    [t.state, { text: t.steps[report.workflow.state], font: 'bold' }],
    [t.issued, `${f.dateTime(report.issued.at)} UTC`],
  ]);

  // -- How to verify (boxed)
  {
    const verify = `npx sib report verify ${options.jsonFileName}`;
    const inner = CONTENT_WIDTH - 20;
    const labelWidth = 90;
    w.use('regular', SIZE.body);
    const hText = w.measure(t.verifyText, inner);
    w.use('mono', SIZE.body - 0.5);
    const hFile = w.measure(options.jsonFileName, inner - labelWidth);
    const hHash = w.measure(options.jsonSha256, inner - labelWidth);
    const hCmd = w.measure(verify, inner - labelWidth);
    const height = 10 + 14 + hText + 6 + hFile + hHash + hCmd + 8 + 10;
    w.y += 8;
    w.ensure(height);
    const top = w.y;
    doc.rect(MARGIN.left, top, CONTENT_WIDTH, height).fill(COLOR.boxFill);
    doc.rect(MARGIN.left, top, 3, height).fill(COLOR.accent);
    let y = top + 10;
    w.use('bold', 10, COLOR.accent).put(t.verifyTitle, MARGIN.left + 10, y, inner);
    y += 14;
    y += w.use('regular', SIZE.body, COLOR.ink).put(t.verifyText, MARGIN.left + 10, y, inner) + 6;
    for (const [label, value, h] of [
      [t.jsonFile, options.jsonFileName, hFile],
      [t.jsonHash, options.jsonSha256, hHash],
      [t.command, verify, hCmd],
    ] as const) {
      w.use('bold', SIZE.body, COLOR.muted).put(label, MARGIN.left + 10, y, labelWidth);
      w.use('mono', SIZE.body - 0.5, COLOR.ink).put(value, MARGIN.left + 10 + labelWidth, y, inner - labelWidth);
      y += h + 4;
    }
    w.y = top + height + 4;
  }

  // -- Outcomes
  w.heading(t.outcomes);
  const level =
    report.evaluation.metrics.find((m) => m.interval !== undefined)?.interval?.level ?? spec.confidenceLevel;
  const [c1, c2, c3, c4, c5, c6] = widths(30, 16, 11, 15, 12, 12) as [number, number, number, number, number, number];
  const metricRow = (m: ReportMetric): CellInput[] => {
    const notes = [m.id, ...(m.pending === undefined ? [] : [t.pending(f.int(m.pending))])];
    return [
      { text: `${m.title}${m.illustrative === true ? ' *' : ''}`, sub: notes.join(' · ') },
      m.unit === 'groups'
        ? { text: f.int(m.value), sub: t.total }
        : m.unit === 'money'
          ? { text: f.amount(m.value), sub: pay.currency }
          : f.figure(m.unit, m.value),
      m.target === undefined ? '' : f.target(m.unit, m.target),
      m.interval === undefined ? '' : f.interval(m.unit, m.interval),
      m.met === undefined
        ? ''
        : { text: m.met ? t.yes : t.no, font: 'bold', color: m.met ? COLOR.good : COLOR.bad, align: 'center' },
      m.denominator === undefined ? '' : `${f.int(m.numerator ?? '0')}${NBSP}/${NBSP}${f.int(m.denominator)}`,
    ];
  };
  w.table(
    [
      { header: t.metric, width: c1 },
      { header: t.value, width: c2, align: 'right' },
      { header: t.target, width: c3, align: 'right' },
      { header: t.interval(f.percent(level, 0)), width: c4, align: 'right' },
      { header: t.met, width: c5, align: 'center' },
      { header: t.n, width: c6, align: 'right' },
    ],
    report.evaluation.metrics.map(metricRow),
  );
  if (report.evaluation.metrics.some((m) => m.illustrative === true))
    w.paragraph(t.illustrative, 'regular', SIZE.small, COLOR.muted);

  // -- Groups
  const grouped = report.evaluation.metrics.filter((m) => (m.groups?.length ?? 0) > 0);
  if (grouped.length > 0) {
    w.heading(t.byGroup);
    const [g1, g2, g3, g4, g5] = widths(38, 20, 14, 16, 12) as [number, number, number, number, number];
    const hasPlanned = grouped.some((m) => m.groups?.some((g) => 'planned' in g && g.planned !== undefined));
    const stripes = grouped.flatMap((m, k) => (m.groups ?? []).map(() => k % 2 === 1));
    const rows = grouped.flatMap((m) =>
      (m.groups ?? []).map((g, i): CellInput[] => {
        const name = i === 0 ? { text: m.title, sub: m.id } : { text: '', sub: '' };
        if ('suppressed' in g) {
          return [
            name,
            g.group,
            { text: t.suppressedWord, color: COLOR.faint },
            { text: '< 5', font: 'bold', color: COLOR.muted },
            '',
          ];
        }
        return [
          name,
          g.group,
          f.figure(m.unit === 'groups' ? 'count' : m.unit, g.value),
          g.denominator === undefined ? '' : `${f.int(g.numerator ?? '0')}${NBSP}/${NBSP}${f.int(g.denominator)}`,
          g.planned === undefined ? '' : f.int(g.planned),
        ];
      }),
    );
    w.table(
      [
        { header: t.metric, width: g1 + (hasPlanned ? 0 : g5 / 2) },
        { header: t.group, width: g2 + (hasPlanned ? 0 : g5 / 2) },
        { header: t.value, width: g3, align: 'right' },
        { header: t.n, width: g4, align: 'right' },
        ...(hasPlanned ? [{ header: t.planned, width: g5, align: 'right' as const }] : []),
      ],
      rows,
      { stripes },
    );
    if (grouped.some((m) => m.groups?.some((g) => 'suppressed' in g))) {
      w.paragraph(t.suppressedNote, 'regular', SIZE.small, COLOR.muted);
    }
  }

  // -- Comparisons and triggers
  if (report.evaluation.comparisons.length > 0) {
    w.heading(t.comparisons);
    const tested = report.evaluation.comparisons.some((c) => c.test !== undefined);
    const [k1, k2, k3, k4, k5, k6] = (tested ? widths(23, 10, 14, 19, 13, 21) : widths(30, 10, 17, 27, 16, 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    w.table(
      [
        { header: t.comparison, width: k1 },
        { header: t.group, width: k2 },
        { header: t.treatment, width: k3, align: 'right' },
        { header: t.against, width: k4 },
        { header: t.effect, width: k5, align: 'right' },
        ...(tested ? [{ header: t.test, width: k6 }] : []),
      ],
      report.evaluation.comparisons.map((c) => comparisonCells(c, unitOf(c.metric), f, t).slice(0, tested ? 6 : 5)),
    );
  }
  if (report.evaluation.triggers.length > 0) {
    w.heading(t.triggers);
    const [r1, r2, r3, r4] = widths(22, 12, 10, 56) as [number, number, number, number];
    w.table(
      [
        { header: t.trigger, width: r1 },
        { header: t.group, width: r2 },
        { header: t.met, width: r3, align: 'center' },
        { header: t.because, width: r4 },
      ],
      report.evaluation.triggers.map((tr) => [
        tr.id,
        tr.group,
        { text: tr.met ? t.yes : t.no, font: 'bold', color: tr.met ? COLOR.good : COLOR.bad },
        tr.because,
      ]),
    );
  }

  // -- Indicators
  const indicators = report.evaluation.indicators;
  if (indicators.length > 0) {
    w.heading(t.indicators);
    const [i1, i2, i3, i4, i5, i6] = widths(15, 35, 12, 12, 13, 13) as [number, number, number, number, number, number];
    w.table(
      [
        { header: t.rule, width: i1 },
        { header: t.metric, width: i2 },
        { header: t.value, width: i3, align: 'right' },
        { header: t.target, width: i4, align: 'right' },
        { header: t.threshold, width: i5, align: 'right' },
        { header: t.met, width: i6, align: 'center' },
      ],
      indicators.map((i) => {
        const unit = unitOf(i.metric);
        return [
          i.rule,
          { text: titleOf(i.metric), sub: i.metric },
          f.figure(unit, i.value),
          f.target(unit, { value: i.target, direction: i.direction }),
          f.target(unit, { value: i.threshold, direction: i.direction }),
          { text: i.met ? t.yes : t.no, font: 'bold', color: i.met ? COLOR.good : COLOR.bad },
        ];
      }),
    );
    w.paragraph(t.thresholdNote, 'regular', SIZE.small, COLOR.muted);
  }

  // -- Chart: the indicators (or, without indicators, the metrics with a single-value target) per period
  const charted: { id: string; threshold?: string }[] = [];
  for (const i of indicators) {
    if (!charted.some((c) => c.id === i.metric)) charted.push({ id: i.metric, threshold: i.threshold });
  }
  if (charted.length === 0) {
    for (const m of report.evaluation.metrics) {
      if (m.target !== undefined && m.unit !== 'groups' && m.unit !== 'money') charted.push({ id: m.id });
    }
  }
  if (charted.length > 0) {
    const history = (options.history ?? []).filter((h) => h.period !== p.id);
    const panels: Panel[] = charted.slice(0, 6).map(({ id, threshold }) => {
      const m = metricsById.get(id);
      const unit = unitOf(id);
      const target = m?.target ?? spec.metrics.find((x) => x.id === id)?.target;
      const direction = target?.direction === 'at-most' ? 'at-most' : 'at-least';
      const parts = [
        ...(target === undefined ? [] : [`${t.legendTarget} ${f.target(unit, target)}`]),
        ...(threshold === undefined ? [] : [`${t.legendThreshold} ${f.target(unit, { value: threshold, direction })}`]),
      ];
      return {
        title: titleOf(id),
        subtitle: parts.join(' · ') || id,
        unit,
        direction,
        target: target?.value,
        threshold,
        bars: [
          ...history.map((h) => ({ label: h.period, value: h.metrics[id], current: false })),
          { label: p.id, value: m?.value, current: true },
        ],
      };
    });
    w.heading(t.chart, 200);
    drawPanels(w, f, t, panels);
  }

  // -- Payment lines
  w.heading(t.payments);
  if (pay.lines.length === 0) {
    w.paragraph(t.noLines);
  } else {
    const [l1, l2, l3, l4, l5] = widths(22, 15, 12, 31, 20) as [number, number, number, number, number];
    w.table(
      [
        { header: t.rule, width: l1 },
        { header: t.kind, width: l2 },
        { header: t.outcomesCount, width: l3, align: 'right' },
        { header: t.formula, width: l4 },
        { header: `${t.amount}, ${pay.currency}`, width: l5, align: 'right' },
      ],
      pay.lines.map((l) => {
        const title = spec.payments.find((r) => r.id === l.rule)?.title;
        return [
          { text: l.rule, font: 'bold', ...(title === undefined ? {} : { sub: title }) },
          { text: l.type === 'payment' ? t.payment : t.adjustment, sub: l.kind },
          f.int(l.outcomes),
          l.formula,
          { text: f.amount(l.amount), font: 'bold' },
        ];
      }),
    );
    if (t.formulaNote !== '') w.paragraph(t.formulaNote, 'regular', SIZE.small, COLOR.muted);
  }

  // -- Totals
  w.heading(t.totals);
  const [s1, s2] = widths(70, 30) as [number, number];
  w.table(
    [
      { header: '', width: s1 },
      { header: `${t.amount}, ${pay.currency}`, width: s2, align: 'right' },
    ],
    [
      [
        { text: t.thisPeriod, font: 'bold' },
        { text: f.amount(pay.total), font: 'bold' },
      ],
      [t.paidBefore, f.amount(pay.paidBefore)],
      [
        { text: t.cumulative, font: 'bold' },
        { text: f.amount(pay.cumulative), font: 'bold' },
      ],
    ],
  );
  if (report.earlier.length > 0) {
    w.y += 4;
    w.use('bold', SIZE.body, COLOR.ink);
    w.ensure(40);
    w.y += w.put(t.byPeriod, MARGIN.left, w.y, CONTENT_WIDTH) + 3;
    const [b1, b2, b3] = widths(35, 35, 30) as [number, number, number];
    w.table(
      [
        { header: t.period, width: b1 },
        { header: t.entry, width: b2 },
        { header: `${t.amount}, ${pay.currency}`, width: b3, align: 'right' },
      ],
      [
        ...report.earlier.map((e) => [e.period, t.entryNo(e.seq), f.amount(e.total)]),
        [
          { text: p.id, font: 'bold' },
          t.entryNo(report.evaluation.entry.seq),
          { text: f.amount(pay.total), font: 'bold' },
        ],
      ],
    );
  }
  if (pay.caps.length > 0) {
    w.y += 4;
    w.use('bold', SIZE.body, COLOR.ink);
    w.ensure(40);
    w.y += w.put(t.caps, MARGIN.left, w.y, CONTENT_WIDTH) + 3;
    const [a1, a2, a3, a4, a5] = widths(32, 18, 18, 17, 15) as [number, number, number, number, number];
    w.table(
      [
        { header: t.cap, width: a1 },
        { header: `${t.limit}, ${pay.currency}`, width: a2, align: 'right' },
        { header: t.before, width: a3, align: 'right' },
        { header: t.after, width: a4, align: 'right' },
        { header: t.binding, width: a5, align: 'center' },
      ],
      pay.caps.map((c) => [
        capName(report, f, t, c.cap),
        f.amount(c.limit),
        f.amount(c.before),
        f.amount(c.after),
        { text: c.binding ? t.yes : t.no, color: c.binding ? COLOR.bad : COLOR.ink },
      ]),
    );
  }
  if (pay.allocation.length > 0) {
    w.y += 4;
    w.use('bold', SIZE.body, COLOR.ink);
    w.ensure(40);
    w.y += w.put(t.allocation, MARGIN.left, w.y, CONTENT_WIDTH) + 3;
    const [v1, v2, v3] = widths(55, 15, 30) as [number, number, number];
    w.table(
      [
        { header: t.investor, width: v1 },
        { header: t.share, width: v2, align: 'right' },
        { header: `${t.amount}, ${pay.currency}`, width: v3, align: 'right' },
      ],
      pay.allocation.map((a) => [
        { text: spec.parties.investors.find((i) => i.id === a.investor)?.name ?? a.investor, sub: a.investor },
        f.percent(a.share, new Decimal(a.share).times(100).isInteger() ? 0 : 2),
        f.amount(a.amount),
      ]),
    );
  }

  // -- Workflow
  w.heading(t.workflow);
  const evaluationEntry = parseEntry(report.evaluation.entry.entry);
  const stepRows = [
    { step: 'calculated' as const, seq: report.evaluation.entry.seq, e: evaluationEntry },
    ...report.workflow.steps.map((s) => ({ step: s.step, seq: s.entry.seq, e: parseEntry(s.entry.entry) })),
  ];
  const [w1, w2, w3, w4, w5, w6] = widths(16, 19, 14, 22, 9, 20) as [number, number, number, number, number, number];
  w.table(
    [
      { header: t.step, width: w1 },
      { header: t.subject, width: w2 },
      { header: t.role, width: w3 },
      { header: t.at, width: w4 },
      { header: t.entry, width: w5, align: 'right' },
      { header: t.details, width: w6 },
    ],
    stepRows.map(({ step, seq, e }) => {
      const body = e.body ?? {};
      const order = str(body.paymentOrder);
      const paidOn = str(body.paidOn);
      const reason = str(body.reason);
      const total = str(body.total);
      const details = [
        ...(step === 'calculated' && total !== undefined ? [t.resultOf(f.money(total))] : []),
        ...(order !== undefined ? [t.paymentOrder(order, paidOn === undefined ? '' : f.date(paidOn))] : []),
        ...(reason !== undefined ? [t.reason(reason)] : []),
      ];
      const role = e.actor?.role ?? '';
      return [
        { text: t.steps[step], font: 'bold' },
        { text: e.actor?.sub ?? '?', font: 'mono' },
        t.roles[role] ?? role,
        e.at === undefined ? '?' : f.dateTime(e.at),
        t.entryNo(seq),
        details.join('; '),
      ];
    }),
  );

  // -- Signatures
  w.heading(t.signatures);
  const signers = noteSigners(report.checkpoint.note);
  const logName = signers[0];
  w.pairs([
    [t.checkpoint, t.checkpointSize(f.int(report.checkpoint.size))],
    [t.checkpointRoot, { text: report.checkpoint.root, font: 'mono' }],
    [t.logSignature, { text: logName ?? t.none, font: logName === undefined ? 'regular' : 'mono' }],
    [
      t.witnesses,
      report.witnesses.length === 0 ? t.none : { text: report.witnesses.join(', '), font: 'mono' as const },
    ],
    [t.reportSignature, { text: `${report.signature.keyName} (${report.signature.keyId})`, font: 'mono' }],
  ]);

  // -- Footers, on every page
  const range = doc.bufferedPageRange();
  const footerVerify = `${t.footerVerify}: npx sib report verify ${options.jsonFileName}`;
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
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}
