/**
 * The operator's batch files, apart from the page: what a picked file is
 * (its kind, the batch id it suggests), the receipt and problems of the
 * batch route or an upload as the page reads them, where a problem sits (line, sheet, cell),
 * and the submitted CSV annotated with its problems.
 */

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type Kind = 'json' | 'csv' | 'xlsx';

export interface Picked {
  readonly name: string;
  readonly kind: Kind;
  /** The file itself: read when sent, hashed or annotated (a large CSV is never held whole by the page). */
  readonly file: Blob;
}

export interface Receipt {
  readonly batchId: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly recordsRoot: string;
  readonly recordCount: number;
  readonly checkpoint: string;
  readonly replayed: boolean;
  readonly types?: Readonly<Record<string, number>>;
}

/** One problem of a refused batch, as the 422 lists it (`errors`). */
export interface BatchProblem {
  readonly at?: number | string;
  readonly row?: number;
  readonly line?: number;
  readonly column?: string;
  readonly sheet?: string;
  readonly cell?: string;
  readonly field?: string;
  readonly message: string;
}

export type Outcome =
  | { readonly kind: 'receipt'; readonly receipt: Receipt }
  | {
      readonly kind: 'refused';
      readonly problems: readonly BatchProblem[];
      readonly total: number;
      readonly byField: Readonly<Record<string, number>>;
      readonly file: Picked;
      /** The workbook's sheet the batch was read from, when the operator named one. */
      readonly sheet?: string;
    }
  | { readonly kind: 'failed'; readonly error: unknown };

export function kindOf(name: string): Kind | undefined {
  const ext = name.toLowerCase().split('.').pop();
  return ext === 'json' ? 'json' : ext === 'csv' ? 'csv' : ext === 'xlsx' ? 'xlsx' : undefined;
}

/** A batch id from a file name: its stem with anything the server refuses replaced (the operator may change it). */
export function suggestBatchId(name: string): string {
  const stem = name.replace(/\.[^.]*$/, '');
  const cleaned = stem
    .replace(/[^A-Za-z0-9._:/-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return cleaned === '' ? `batch-${new Date().toISOString().slice(0, 10)}` : cleaned;
}

/** The `batchId` a JSON batch carries, if it parses and has one. */
export function jsonBatchId(bytes: ArrayBuffer): string | undefined {
  try {
    const id = (JSON.parse(new TextDecoder().decode(bytes)) as { batchId?: unknown }).batchId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The prefix the server puts on a workbook's problems (functions/adapters/xlsx/sheet.ts locate). */
export const XLSX_PLACE = /^sheet (.+?)(?:, (?:cell ([A-Z]+)\d+|row \d+))?: ([\s\S]*)$/;

/** A workbook's problem with its sheet and cell moved from the message to the column (and `sheet`). */
export function unprefixed(p: BatchProblem): BatchProblem {
  const m = XLSX_PLACE.exec(p.message);
  if (m === null) return p;
  const [, sheet, letter, message = ''] = m;
  return { ...p, sheet, column: letter === undefined ? sheet : `${sheet}!${letter}`, message };
}

/** The line (CSV), row (XLSX) or record (JSON) a problem names. */
export function whereOf(p: BatchProblem): string {
  const at = p.line ?? p.row ?? p.at;
  return at === undefined ? '' : String(at);
}

export function columnOf(p: BatchProblem): string {
  return p.column ?? p.cell ?? '';
}

/** Splits CSV text into lines, keeping quoted line breaks inside their record (RFC 4180). */
export function csvRecords(text: string): string[] {
  const records: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === '\n' || c === '\r')) {
      if (c === '\r' && text[i + 1] === '\n') i++;
      records.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (current !== '') records.push(current);
  return records;
}

export const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

/**
 * The submitted CSV with a leading `problems` column: each line's problems
 * (its field and message), the header line's cell being `problems`. Problems
 * of no line (the batch as a whole) go on the header line after the name.
 */
export function annotatedCsv(
  text: string,
  problems: readonly BatchProblem[],
  say: (message: string) => string = (m) => m,
): string {
  const body = text.replace(/^\uFEFF/, '');
  const lines = csvRecords(body);
  const byLine = new Map<number, string[]>();
  const whole: string[] = [];
  for (const p of problems) {
    const at = Number(p.line ?? p.at);
    const text = p.field ? `${p.field}: ${say(p.message)}` : say(p.message);
    if (Number.isInteger(at) && at >= 1 && at <= lines.length) byLine.set(at, [...(byLine.get(at) ?? []), text]);
    else whole.push(text);
  }
  const out = lines.map((line, i) => {
    const n = i + 1;
    const cell = n === 1 ? ['problems', ...whole].join('; ') : (byLine.get(n) ?? []).join('; ');
    return `${quote(cell)},${line}`;
  });
  return `\uFEFF${out.join('\r\n')}\r\n`;
}
