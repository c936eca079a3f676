import { CATEGORIES, type ContractProfile, WITHDRAWAL_REASONS } from '#contracts';
import {
  ALL_FIELDS,
  CONTRACT_TYPES,
  EMPLOYMENT_END_REASONS,
  EVIDENCE_TYPES,
  SEXES,
  SOURCES,
  STATUSES,
} from '#evidence';
import { FIELD_LABELS } from './template-labels.ts';

/**
 * The fill-in template of a contract, whatever file it is written as: its
 * columns (every record field), their bilingual header cells
 * (`Дата / Date [date]`, read back by record-rows.ts), the values each
 * column may take (the contract's service types and cohorts, the event
 * types and the vocabulary's lists), and an example row. The XLSX writer
 * (functions/adapters/xlsx/template.ts) and the CSV text below share it.
 */

export interface TemplateColumn {
  readonly field: string;
  /** The header cell: Russian and English labels, then the field in brackets. */
  readonly header: string;
  /** The values the column may take, when it is a closed list. */
  readonly values?: readonly string[];
  /** A date column (YYYY-MM-DD). */
  readonly date: boolean;
}

export interface Template {
  readonly contract: string;
  readonly columns: readonly TemplateColumn[];
  /** An example record: a valid enrolment under the contract's terms, by field. */
  readonly example: Readonly<Record<string, string>>;
}

const DATE_FIELDS: ReadonlySet<string> = new Set(['date', 'offenceDate', 'to']);

/** The closed lists of values, by field, for `profile`. */
function listsOf(profile: ContractProfile): Readonly<Record<string, readonly string[]>> {
  return {
    type: EVIDENCE_TYPES,
    source: SOURCES,
    cohort: profile.cohorts,
    category: CATEGORIES,
    sex: SEXES,
    status: STATUSES,
    serviceType: profile.serviceTypes,
    contractType: CONTRACT_TYPES,
    reason: [...new Set([...EMPLOYMENT_END_REASONS, ...WITHDRAWAL_REASONS])],
  };
}

/** The header cell of `field`: `Дата / Date [date]`. */
export function templateHeader(field: string): string {
  const label = FIELD_LABELS[field];
  return label === undefined ? field : `${label.ru} / ${label.en} [${field}]`;
}

/** The template of a contract. */
export function contractTemplate(profile: ContractProfile): Template {
  const lists = listsOf(profile);
  const columns = ALL_FIELDS.map((field) => {
    const values = lists[field];
    return { field, header: templateHeader(field), date: DATE_FIELDS.has(field), ...(values ? { values } : {}) };
  });
  const example = {
    eventId: 'enrol-0001',
    participant: 'OP-0001',
    type: 'enrolment',
    date: profile.term.from,
    source: 'operator',
    cohort: profile.cohorts[0] ?? '',
    category: CATEGORIES[0],
    sex: SEXES[1],
    birthYear: '1990',
    consentSha256: '0'.repeat(64),
  };
  return { contract: profile.id, columns, example };
}

/** A CSV cell, quoted when it must be (RFC 4180). */
const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** The template as CSV (UTF-8, CRLF): the bilingual header and the example row, to be replaced by real rows. */
export function templateCsv(template: Template): string {
  const header = template.columns.map((c) => csvCell(c.header)).join(',');
  const example = template.columns.map((c) => csvCell(template.example[c.field] ?? '')).join(',');
  return `${header}\r\n${example}\r\n`;
}
