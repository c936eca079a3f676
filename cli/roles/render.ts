/**
 * The role commands' human output: batch receipts, payment step receipts,
 * payments and their history, issued reports, evidence records and a
 * contract's registered versions.
 */
import { formatMoney } from '#evaluation';
import type { Actor } from '#ledger';
import type { PaymentStatus } from '#payments';
import { table } from '../table.ts';
import type { BatchReceipt, ContractVersions, IssuedReport, QueriedRecords, StepReceipt } from './answers.ts';

export function renderBatchReceipt(r: BatchReceipt, head: string): string {
  return [
    head,
    `  ledger entry   seq ${r.seq} (${r.entryHash})`,
    `  records root   ${r.recordsRoot}`,
    `  archive        ${r.archive.key}`,
    ...(r.dialect === undefined ? [] : [`  read as        ${describeDialect(r.dialect)}`]),
    '  checkpoint after the append:',
    ...r.checkpoint
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ].join('\n');
}

/** A CSV dialect in words: `Windows-1251, separator ';', dates dd.mm.yyyy, upper-case hashes`. */
export function describeDialect(d: NonNullable<BatchReceipt['dialect']>): string {
  return [
    d.encoding === undefined ? undefined : 'Windows-1251 (converted to UTF-8)',
    d.separator === undefined ? undefined : `separator '${d.separator}'`,
    d.dates === undefined ? undefined : `dates ${d.dates}`,
    d.upperCaseHashes ? 'upper-case hashes (lower-cased)' : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
}

export const accepted = (r: BatchReceipt) =>
  renderBatchReceipt(
    r,
    `${r.replayed ? 'Already accepted' : 'Accepted'}: batch ${r.batchId} of ${r.contract}, ${r.recordCount} records`,
  );

const money = (p: { total: string; minorUnit: number; currency: string }) =>
  `${formatMoney(p.total, p.minorUnit)} ${p.currency}`;

const DONE: Readonly<Record<StepReceipt['step'], string>> = {
  attested: 'Attested',
  approved: 'Approved',
  rejected: 'Rejected',
  paid: 'Recorded as paid',
};

export function renderStep(r: StepReceipt, by: string | undefined): string {
  const head = `${r.replayed ? `Already ${DONE[r.step].toLowerCase()}` : DONE[r.step]}: payment ${r.contract}/${r.payment} (period ${r.period}, ${money(r)})`;
  return `${head}\n  ${by === undefined ? '' : `by ${by}, `}entry seq ${r.seq} (${r.entryHash}) at ${r.at}`;
}

export function renderIssued(r: IssuedReport): string {
  return [
    `${r.reused ? 'Report already issued' : 'Report issued'}: ${r.sha256}`,
    `  payment ${r.payment} (${r.period}), state ${r.state}, checkpoint ${r.size}${r.witnesses.length > 0 ? `, cosigned by ${r.witnesses.join(', ')}` : ''}`,
    `  JSON ${r.jsonKey}`,
    ...Object.entries(r.pdfKeys).map(([lang, key]) => `  PDF (${lang}) ${key}`),
    `  download: sib investor download --contract ${r.contract} --report ${r.sha256.slice(0, 12)}`,
  ].join('\n');
}

/** The payment's last step (its calculation when it has none): what, who, when. */
function lastStep(p: PaymentStatus): { what: string; by: Actor; at: string } {
  const last = p.steps.at(-1);
  if (last === undefined) return { what: `calculated (entry ${p.payment})`, by: p.calculatedBy, at: p.calculatedAt };
  return { what: `${last.step} (entry ${last.seq})`, by: last.actor, at: last.at };
}

function stateOf(p: PaymentStatus, all: readonly PaymentStatus[]): string {
  if (p.latest) return p.state;
  const latest = all.filter((q) => q.period === p.period).at(-1);
  return `${p.state}, superseded by ${latest?.payment ?? '?'}`;
}

/** The payments of a contract as a table (state, last step, who, when). */
export function renderList(contract: string, payments: readonly PaymentStatus[]): string {
  if (payments.length === 0) {
    return `${contract} has no payments yet: each evaluation is one (sib evaluator evaluate --contract ${contract} --period P)`;
  }
  return table(
    ['payment', 'period', 'total', 'state', 'last step', 'by', 'when'],
    payments.map((p) => {
      const last = lastStep(p);
      return [
        `${contract}/${p.payment}`,
        p.period,
        money(p),
        stateOf(p, payments),
        last.what,
        `${last.by.sub} (${last.by.role})`,
        last.at,
      ];
    }),
  );
}

/** One payment and its history. */
export function renderShow(contract: string, p: PaymentStatus): string {
  const detail = (s: PaymentStatus['steps'][number]) =>
    s.reason !== undefined
      ? `reason: ${s.reason}`
      : s.paymentOrder !== undefined
        ? `payment order ${s.paymentOrder}, paid on ${s.paidOn ?? '?'}`
        : '';
  return [
    `Payment ${contract}/${p.payment}: period ${p.period}, ${money(p)}, ${p.state}${p.latest ? '' : ' (superseded by a later calculation of the period)'}`,
    `  result ${p.result} (contract version ${p.contract.version}, checkpoint ${p.checkpoint})`,
    '',
    table(
      ['step', 'entry', 'by', 'role', 'when', 'detail'],
      [
        ['calculated', p.payment, p.calculatedBy.sub, p.calculatedBy.role, p.calculatedAt, ''],
        ...p.steps.map((s) => [s.step, s.seq, s.actor.sub, s.actor.role, s.at, detail(s)]),
      ],
    ),
  ].join('\n');
}

/** The fields that matter beyond date, type and ids, in a few words. */
function details(record: Record<string, unknown>): string {
  const skip = new Set(['eventId', 'participant', 'type', 'date', 'source', 'documentSha256', 'consentSha256']);
  return Object.entries(record)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** Evidence records as a table, and how many. */
export function renderRecords(records: QueriedRecords['records']): string {
  return `${table(
    ['date', 'type', 'eventId', 'participant', 'batch', 'details'],
    records.map(({ record, batchId, index }) => [
      String(record.date ?? ''),
      String(record.type ?? ''),
      String(record.eventId ?? ''),
      String(record.participant ?? ''),
      `${batchId}#${index}`,
      details(record),
    ]),
  )}\n${records.length} record${records.length === 1 ? '' : 's'}`;
}

/** A contract's registered versions: dates, entries, spec hashes, periods. */
export function renderVersions(versions: ContractVersions['versions']): string {
  return table(
    ['version', 'effective from', 'entry', 'spec hash', 'periods'],
    versions.map((v) => [v.version, v.effectiveFrom, v.seq, v.hash, v.spec.periods.map((p) => p.id).join(', ')]),
  );
}
