/**
 * What evidence is due (the operator's `/operator/due` page, GET
 * /contracts/{contract}/due): the measurement periods whose data cut-off is
 * near or passed without an evaluation, and the participants whose
 * measurement windows close soon while the outcome a rate metric waits for
 * is still unrecorded.
 *
 * The window arithmetic is the evaluation's own (windowOf and
 * participantOutcomes of domain/evaluation/metrics.ts over the timelines the
 * evaluation builds), so "closes on" here is the day the evaluation will
 * treat the window as closed. Participants appear by pseudonym only: the
 * operator's own references never reach the server (the page joins them in
 * the browser).
 */
import { type ContractSpec, METRIC_UNITS, registeredVersions } from '#contracts';
import { participantOutcomes } from '#evaluation';
import { type StoredRecord, type Timeline, TimelineBuilder } from '#evidence';
import { dayNumber, IntegrityError, isoDay, NotFoundError } from '#kernel';
import { type Entry, EVIDENCE_BATCH_KIND, recordedEvaluations } from '#ledger';
import { archiveRecords } from './evaluations.ts';
import { readVerifiedEntries } from './log-reader.ts';
import type { ContractPorts } from './ports.ts';

export interface DueOptions {
  /** The day the horizons count from (YYYY-MM-DD). */
  readonly asOf: string;
  /** Periods whose cut-off falls within this many days from asOf (and those passed, not evaluated). */
  readonly periodDays: number;
  /** Windows closing within this many days from asOf (asOf included). */
  readonly windowDays: number;
  /** Most window rows answered (the total is given beside them). */
  readonly limit: number;
}

export interface DuePeriod {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly paymentDate: string;
  /** The period's data cut-off: `dataCutoff`, or its last day when it has none. */
  readonly cutoff: string;
  /** Days from asOf to the cut-off; negative once it has passed. */
  readonly daysLeft: number;
  /** `overdue`: the cut-off has passed and the period is not evaluated yet. */
  readonly status: 'due' | 'overdue';
}

export interface DueWindow {
  readonly participant: string;
  readonly cohort: string;
  readonly anchor: 'enrolment' | 'release';
  /** First and last day of the window (both included). */
  readonly from: string;
  readonly to: string;
  /** Days from asOf to the window's last day (0: closes today). */
  readonly daysLeft: number;
  /** The rate metrics over this window whose outcome is still unrecorded. */
  readonly metrics: readonly { readonly id: string; readonly title: string }[];
}

export interface EvidenceDue {
  readonly asOf: string;
  readonly version: number;
  readonly periodDays: number;
  readonly windowDays: number;
  readonly periods: readonly DuePeriod[];
  /** Soonest first, then by pseudonym; at most `limit`. */
  readonly windows: readonly DueWindow[];
  /** How many window rows there were in all. */
  readonly windowCount: number;
}

/**
 * The due list from a spec and timelines (pure). A rate metric's outcome is
 * unrecorded while its event has not happened inside the window: no
 * employment yet for the employment metrics; no reconviction recorded for
 * `reconviction`, whose outcome is settled only when the window closes.
 * Withdrawn participants owe nothing more.
 */
export function evidenceDue(
  spec: ContractSpec,
  version: number,
  timelines: readonly Timeline[],
  evaluated: ReadonlySet<string>,
  options: DueOptions,
): EvidenceDue {
  const today = dayNumber(options.asOf);
  const periods: DuePeriod[] = [];
  for (const p of spec.periods) {
    if (evaluated.has(p.id)) continue;
    const cutoff = p.dataCutoff ?? p.to;
    const daysLeft = dayNumber(cutoff) - today;
    if (daysLeft > options.periodDays) continue;
    periods.push({
      id: p.id,
      from: p.from,
      to: p.to,
      paymentDate: p.paymentDate,
      cutoff,
      daysLeft,
      status: daysLeft < 0 ? 'overdue' : 'due',
    });
  }

  const rows = new Map<string, DueWindow & { metrics: { id: string; title: string }[] }>();
  const ctx = { spec, cutoff: today };
  const active = timelines.filter((t) => t.withdrawal === undefined || t.withdrawal > today);
  for (const metric of spec.metrics) {
    if (!('window' in metric) || METRIC_UNITS[metric.kind] !== 'rate') continue;
    for (const o of participantOutcomes(metric, active, ctx)) {
      const w = o.window;
      if (w === undefined || w.from > today || o.excluded || o.value !== 0) continue;
      const daysLeft = w.to - today;
      if (daysLeft < 0 || daysLeft > options.windowDays) continue;
      const key = `${o.participant}|${metric.window.anchor}|${w.from}|${w.to}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = {
          participant: o.participant,
          cohort: o.cohort,
          anchor: metric.window.anchor,
          from: isoDay(w.from),
          to: isoDay(w.to),
          daysLeft,
          metrics: [],
        };
        rows.set(key, row);
      }
      row.metrics.push({ id: metric.id, title: metric.title });
    }
  }
  const windows = [...rows.values()].sort(
    (a, b) => a.daysLeft - b.daysLeft || (a.participant < b.participant ? -1 : a.participant > b.participant ? 1 : 0),
  );
  return {
    asOf: options.asOf,
    version,
    periodDays: options.periodDays,
    windowDays: options.windowDays,
    periods,
    windows: windows.slice(0, options.limit),
    windowCount: windows.length,
  };
}

/**
 * The due list of a contract's log as it is now: the spec version in force
 * on asOf (the latest registered version effective by then, else the first),
 * the periods evaluated so far, and the timelines of every batch's records
 * dated up to asOf (each archive checked against its entry's hash, as the
 * evaluation reads them).
 */
export async function readEvidenceDue(
  ports: ContractPorts,
  contract: string,
  options: DueOptions,
): Promise<EvidenceDue> {
  const size = await ports.log.size(contract);
  if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  const versions = registeredVersions(entries);
  const first = versions[0];
  if (first === undefined) throw new NotFoundError(`contract ${contract} has no registered spec`);
  const inForce = versions.reduce(
    (best, v) => (v.spec.effectiveFrom <= options.asOf && v.spec.version > best.spec.version ? v : best),
    first,
  );
  const evaluated = new Set(recordedEvaluations(entries).map((r) => r.period));
  const builder = new TimelineBuilder();
  for (const batch of batchesOf(entries)) {
    for await (const record of archiveRecords(ports.archive, batch)) builder.add(record as StoredRecord);
  }
  const timelines = builder.build(dayNumber(options.asOf));
  return evidenceDue(inForce.spec, inForce.spec.version, timelines, evaluated, options);
}

function batchesOf(entries: readonly Entry[]) {
  return entries
    .filter((e) => e.kind === EVIDENCE_BATCH_KIND)
    .map((e) => {
      const archive = e.body.archive as { key?: unknown; sha256?: unknown } | undefined;
      if (typeof archive?.key !== 'string' || typeof archive.sha256 !== 'string') {
        throw new IntegrityError('batch entry names no archive', e.seq);
      }
      return { seq: e.seq, key: archive.key, sha256: archive.sha256, recordCount: Number(e.body.recordCount) };
    });
}
