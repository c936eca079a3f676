import type { EvidenceInput } from '#evidence';
import { participantKey } from '../batches.ts';
import { daysBefore } from './calendar.ts';

/**
 * A batch with deliberate, realistic mistakes, for showing what the ledger
 * rejects and why: which kinds of mistake there are, how each is made in a
 * copy of a batch (or in a record added to it), and where each ended up.
 */

export const MISTAKE_KINDS = [
  'future-date',
  'ended-before-start',
  'non-string-wage',
  'negative-wage',
  'unknown-service-type',
  'not-enrolled',
  'duplicate-event-id',
  'name-in-note',
] as const;
export type MistakeKind = (typeof MISTAKE_KINDS)[number];

export interface InjectedMistake {
  /** Index of the faulty record in `records`. */
  readonly at: number;
  readonly kind: MistakeKind;
  /** What was done, in plain English (no personal data: codes and field names only). */
  readonly description: string;
}

export interface BatchWithErrors {
  /** The batch with its mistakes: raw JSON-like records, not all of them valid. */
  readonly records: Record<string, unknown>[];
  /** One entry per mistake, in `records` order. */
  readonly mistakes: InjectedMistake[];
}

/** A service type no contract of the seed uses (the operator's own word for help with housing). */
export const UNKNOWN_SERVICE_TYPE = 'housing-assistance';
/** A personal name in a note, as a careless operator might write it: two capitalised words (the name is made up). */
export const NOTES_WITH_NAME = {
  'employment-ended': 'по словам мастера Кузнецов Андрей не выходил на смену с понедельника',
  'probation-violation': 'со слов соседей Кузнецов Андрей не ночевал дома',
} as const;

type Raw = Record<string, unknown>;

const str = (r: Raw, field: string) => String(r[field]);
/** A participant's spell at an employer. */
const startKey = (r: Raw) => `${participantKey(r.participant)}\u0000${str(r, 'employerId')}`;

/** `2025-03-14` -> `2052-03-14`: the year's last two digits swapped (ten years on if that is not later). */
function yearTypo(date: string): string {
  const year = date.slice(0, 4);
  const swapped = `${year.slice(0, 2)}${year[3]}${year[2]}`;
  const typo = Number(swapped) > Number(year) ? swapped : String(Number(year) + 10);
  return `${typo}${date.slice(4)}`;
}

/** `SC-000305` -> `SC-O00305`: a zero typed as the letter O (a code nobody is enrolled under). */
function codeTypo(reference: string): string {
  const i = reference.indexOf('0');
  return i < 0 ? `${reference}X` : `${reference.slice(0, i)}O${reference.slice(i + 1)}`;
}

/** A copy of a batch while mistakes are made in it: which records are faulty, and which must stay valid. */
class Spoilt {
  readonly records: Raw[];
  readonly faults = new Map<Raw, { kind: MistakeKind; description: string }>();
  /** Records that must stay valid for another mistake to show as itself. */
  readonly reserved = new Set<Raw>();
  /** Spells (participant and employer) the batch ends. */
  readonly endedKeys: Set<string>;
  /** Ids other records refer to (corrections): those records must stay valid. */
  readonly #referenced: Set<string>;
  /** Where added records go: after the batch's first enrolment (or first record). */
  readonly #anchor: Raw;
  #added = 0;

  constructor(batch: readonly EvidenceInput[]) {
    this.records = batch.map((r) => ({ ...r }));
    this.#anchor = this.records.find((r) => r.type === 'enrolment') ?? (this.records[0] as Raw);
    this.#referenced = new Set(this.records.filter((r) => r.type === 'correction').map((r) => str(r, 'supersedes')));
    this.endedKeys = new Set(this.records.filter((r) => r.type === 'employment-ended').map(startKey));
  }

  fault(record: Raw, kind: MistakeKind, description: string): void {
    this.faults.set(record, { kind, description });
  }

  free(r: Raw): boolean {
    return !this.faults.has(r) && !this.reserved.has(r) && !this.#referenced.has(str(r, 'eventId'));
  }

  /** The first free record of the first of `types` that has one (and passes `ok`). */
  find(types: readonly string[], ok: (r: Raw) => boolean = () => true): Raw | undefined {
    for (const type of types) {
      const found = this.records.find((r) => r.type === type && this.free(r) && ok(r));
      if (found) return found;
    }
    return undefined;
  }

  insertAfter(after: Raw, ...added: Raw[]): void {
    this.records.splice(this.records.indexOf(after) + 1, 0, ...added);
  }

  /** A new valid record of the anchor's participant on the anchor's date (not yet in the batch). */
  made(fields: Raw): Raw {
    const anchor = this.#anchor;
    return {
      eventId: `${str(anchor, 'eventId')}-x${++this.#added}`,
      participant: anchor.participant,
      date: anchor.date,
      ...fields,
    };
  }

  /** A new record added after the anchor. */
  add(fields: Raw): Raw {
    const r = this.made(fields);
    this.insertAfter(this.#anchor, r);
    return r;
  }

  aService(): Raw {
    return this.add({ type: 'service', source: 'operator', serviceType: 'legal-aid', provider: 'NKO-PRAVO' });
  }

  aStart(): Raw {
    return this.add({
      type: 'employment-started',
      source: 'employer',
      employerId: `EMP-X${this.#added + 1}`,
      contractType: 'temporary',
      monthlyWage: '6000000',
    });
  }

  mistakes(): InjectedMistake[] {
    return [...this.faults.entries()]
      .map(([record, m]) => ({ at: this.records.indexOf(record), ...m }))
      .sort((a, b) => a.at - b.at);
  }
}

/**
 * A copy of `batch` with a handful of deliberate, realistic mistakes, one
 * record each (others are left as they were): a date with its year's digits
 * swapped (in the future), an employment-ended dated before its start, a wage
 * as a JSON number and a negative wage, a service type the contract does not
 * have, an event under a mistyped participant code (not enrolled), an event id
 * copied from the record before, and a personal name in a note.
 *
 * Faulty records are picked so that the mistake does not spill over to other
 * records (no record another refers to is broken); where the batch has no
 * suitable record, a faulty one is added after the batch's first enrolment
 * (or first record). The input is not changed. Throws on an empty batch.
 */
export function withErrors(batch: readonly EvidenceInput[]): BatchWithErrors {
  if (batch[0] === undefined) throw new RangeError('withErrors needs a batch with at least one record');
  const s = new Spoilt(batch);
  futureDate(s);
  unknownServiceType(s);
  endedBeforeStart(s);
  spreadsheetWages(s);
  notEnrolled(s);
  nameInNote(s);
  duplicateEventId(s);
  return { records: s.records, mistakes: s.mistakes() };
}

/** A year typo: the date is decades in the future. */
function futureDate(s: Spoilt): void {
  const dated = s.find(['service', 'release', 'employment-confirmed']) ?? s.aService();
  s.fault(dated, 'future-date', `date with the year's digits swapped (${str(dated, 'type')})`);
  dated.date = yearTypo(str(dated, 'date'));
}

/** A service type of the operator's own, not the contract's. */
function unknownServiceType(s: Spoilt): void {
  const service = s.find(['service']) ?? s.aService();
  s.fault(service, 'unknown-service-type', `serviceType ${UNKNOWN_SERVICE_TYPE}`);
  service.serviceType = UNKNOWN_SERVICE_TYPE;
}

/** An employment-ended dated before its start (an end added to a start if the batch has no pair). */
function endedBeforeStart(s: Spoilt): void {
  const { records } = s;
  const startOf = (ended: Raw) =>
    records.find(
      (r) =>
        r.type === 'employment-started' &&
        startKey(r) === startKey(ended) &&
        records.indexOf(r) < records.indexOf(ended) &&
        !s.faults.has(r),
    );
  let ended = s.find(['employment-ended'], (r) => startOf(r) !== undefined);
  let start = ended ? startOf(ended) : undefined;
  if (!ended || !start) {
    start = s.find(['employment-started']) ?? s.aStart();
    ended = {
      eventId: `${str(start, 'eventId')}-end`,
      participant: start.participant,
      type: 'employment-ended',
      date: start.date,
      source: 'employer',
      employerId: start.employerId,
      reason: 'resigned',
    };
    s.insertAfter(start, ended);
  }
  s.reserved.add(start); // it must stay valid, or the end would have no start at all
  s.fault(ended, 'ended-before-start', 'employment-ended dated 10 days before its start');
  ended.date = daysBefore(str(start, 'date'), 10);
}

/** Wages from a spreadsheet: a number, and a minus sign. */
function spreadsheetWages(s: Spoilt): void {
  const unended = (r: Raw) => !s.endedKeys.has(startKey(r));
  const numeric = s.find(['employment-started'], unended) ?? s.find(['employment-started']) ?? s.aStart();
  s.fault(numeric, 'non-string-wage', 'monthlyWage as a JSON number of roubles');
  numeric.monthlyWage = Number(numeric.monthlyWage) / 100;
  const negative = s.find(['employment-started'], unended) ?? s.find(['employment-started']) ?? s.aStart();
  s.fault(negative, 'negative-wage', 'monthlyWage with a minus sign');
  negative.monthlyWage = `-${str(negative, 'monthlyWage')}`;
}

/** A participant code with a letter O for a zero: nobody is enrolled under it. */
function notEnrolled(s: Spoilt): void {
  const stray = s.find(['employment-confirmed', 'service', 'release', 'probation-violation']) ?? s.aService();
  s.fault(stray, 'not-enrolled', `participant code mistyped (${str(stray, 'type')})`);
  stray.participant = codeTypo(str(stray, 'participant'));
}

/** A name in a note. */
function nameInNote(s: Spoilt): void {
  const noted =
    s.find(['employment-ended', 'probation-violation']) ??
    s.add({ type: 'probation-violation', source: 'probation-service' });
  s.fault(noted, 'name-in-note', `a personal name in the note (${str(noted, 'type')})`);
  noted.note =
    noted.type === 'employment-ended' ? NOTES_WITH_NAME['employment-ended'] : NOTES_WITH_NAME['probation-violation'];
}

/**
 * An event id copied from the record before (the last suitable record, so it
 * has one before it). The record before must be valid: the cross-record
 * checks see only valid records.
 */
function duplicateEventId(s: Spoilt): void {
  const { records } = s;
  const copyable = (r: Raw) => {
    const i = records.indexOf(r);
    return i > 0 && r.type !== 'enrolment' && !s.faults.has(records[i - 1] as Raw);
  };
  const candidates = records.filter((r) => s.free(r) && copyable(r));
  const duplicate =
    candidates.findLast((r) => r.type === 'employment-confirmed') ??
    candidates.findLast((r) => r.type === 'service') ??
    candidates.at(-1) ??
    appended(s);
  const before = records[records.indexOf(duplicate) - 1] as Raw;
  s.fault(duplicate, 'duplicate-event-id', `eventId copied from the record before (${str(duplicate, 'type')})`);
  duplicate.eventId = before.eventId;
}

/** A new service at the end of the batch. */
function appended(s: Spoilt): Raw {
  const r = s.made({ type: 'service', source: 'operator', serviceType: 'legal-aid', provider: 'NKO-PRAVO' });
  s.records.push(r);
  return r;
}
