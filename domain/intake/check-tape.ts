import { EVIDENCE_TYPES, type EvidenceType, type StoredRecord } from '#evidence';
import type { Problem } from '#kernel';
import { BatchChecker, type KnownState } from './batch-check.ts';

/**
 * The check tape of a streamed batch: what the cross-record checks need of
 * each valid record, packed in a few dozen bytes, so that a batch of a
 * million records is checked without holding, or reading again, its records.
 */

/** A growable column of 32-bit unsigned integers. */
class Column {
  #data = new Uint32Array(1024);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Uint32Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value;
  }

  get(i: number): number {
    return this.#data[i] as number;
  }
}

const ascii = new TextDecoder();

/**
 * ASCII strings (event ids: EVENT_ID allows ASCII only) packed in one byte
 * array: a million ids take their bytes and 4 more each, not a million
 * strings and the table of a Map.
 */
class AsciiArena {
  #bytes = new Uint8Array(64 * 1024);
  #length = 0;
  readonly #ends = new Column();

  get count(): number {
    return this.#ends.length;
  }

  /** Appends `s`; returns its number. */
  add(s: string): number {
    if (this.#length + s.length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + s.length));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    for (let i = 0; i < s.length; i++) this.#bytes[this.#length++] = s.charCodeAt(i);
    this.#ends.push(this.#length);
    return this.#ends.length - 1;
  }

  get(i: number): string {
    return ascii.decode(this.#bytes.subarray(i === 0 ? 0 : this.#ends.get(i - 1), this.#ends.get(i)));
  }

  /** Strings from..to-1. */
  slice(from: number, to: number): string[] {
    const out: string[] = [];
    for (let i = from; i < Math.min(to, this.count); i++) out.push(this.get(i));
    return out;
  }
}

/** Distinct strings, numbered in the order first seen. */
class Interner {
  readonly #ids = new Map<string, number>();
  readonly values: string[] = [];

  id(s: string): number {
    let id = this.#ids.get(s);
    if (id === undefined) {
      // A copy: V8 may keep a slice of a long string as a view of the whole
      // original (a decoded chunk of the file), which the Map would then keep.
      const own = s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
      id = this.values.length;
      this.#ids.set(own, id);
      this.values.push(own);
    }
    return id;
  }
}

const TYPE_INDEX: ReadonlyMap<string, number> = new Map(EVIDENCE_TYPES.map((t, i) => [t, i]));

/**
 * The fields BatchChecker reads of each valid record (event id, pseudonym,
 * type, date, employer of employment starts and ends, `supersedes` of
 * corrections, category of enrolments, last day of custody spells, reason
 * of withdrawals), packed: the event ids as bytes, the rest as numbers into
 * the batch's distinct values. A few dozen bytes per record, so the checks
 * run without reading the batch again.
 */
export class CheckTape {
  /** Event id of record i (i-th string). */
  readonly #eventIds = new AsciiArena();
  /** `supersedes` of the corrections. */
  readonly #supersedes = new AsciiArena();
  readonly participants = new Interner();
  /** Dates and employer ids (few distinct values). */
  readonly #small = new Interner();
  readonly #at = new Column();
  readonly #participant = new Column();
  readonly #type = new Column();
  readonly #date = new Column();
  /**
   * Employer id (employment-started, -ended), category (enrolment), last day (custody-spell) or reason
   * (withdrawal), into #small; supersedes (correction: into #supersedes); else 0.
   */
  readonly #extra = new Column();
  /** Participants with an employment-ended record: the ledger's employment starts matter only for them. */
  readonly #endsEmployment = new Set<number>();

  get length(): number {
    return this.#at.length;
  }

  get employmentsOf(): string[] {
    return [...this.#endsEmployment].map((id) => this.participants.values[id] as string);
  }

  /** How many ids to look up in the ledger: every event id, and every `supersedes`. */
  get lookupIds(): number {
    return this.#eventIds.count + this.#supersedes.count;
  }

  /** Ids to look up, from..to-1 (of lookupIds). */
  lookupSlice(from: number, to: number): string[] {
    const n = this.#eventIds.count;
    return [...this.#eventIds.slice(from, to), ...this.#supersedes.slice(Math.max(0, from - n), Math.max(0, to - n))];
  }

  add(record: StoredRecord, at: number): void {
    this.#at.push(at);
    this.#eventIds.add(record.eventId);
    const participant = this.participants.id(record.participant);
    this.#participant.push(participant);
    if (record.type === 'employment-ended') this.#endsEmployment.add(participant);
    this.#type.push(TYPE_INDEX.get(record.type) as number);
    this.#date.push(this.#small.id(record.date));
    this.#extra.push(this.#extraOf(record));
  }

  /** The one field beyond the common ones a record's checks read, as a number (see #extra). */
  #extraOf(record: StoredRecord): number {
    switch (record.type) {
      case 'employment-started':
      case 'employment-ended':
        return this.#small.id(record.employerId);
      case 'correction':
        return this.#supersedes.add(record.supersedes);
      case 'enrolment':
        return this.#small.id(record.category);
      case 'custody-spell':
        return this.#small.id(record.to);
      case 'withdrawal':
        return this.#small.id(record.reason);
      default:
        return 0;
    }
  }

  /** Runs the cross-record rules over the records, in batch order. */
  check(known: KnownState, problem: (p: Problem) => void): void {
    const checker = new BatchChecker(known, { unit: 'line' });
    const small = this.#small.values;
    for (let i = 0; i < this.length; i++) {
      const type = EVIDENCE_TYPES[this.#type.get(i)] as EvidenceType;
      const fields: Record<string, string> = {
        eventId: this.#eventIds.get(i),
        participant: this.participants.values[this.#participant.get(i)] as string,
        type,
        date: small[this.#date.get(i)] as string,
      };
      const extra = small[this.#extra.get(i)] as string;
      if (type === 'employment-started' || type === 'employment-ended') fields.employerId = extra;
      else if (type === 'enrolment') fields.category = extra;
      else if (type === 'custody-spell') fields.to = extra;
      else if (type === 'withdrawal') fields.reason = extra;
      else if (type === 'correction') {
        fields.supersedes = this.#supersedes.get(this.#extra.get(i));
      }
      // Only the fields BatchChecker reads; the rest of the record is not kept.
      for (const p of checker.check(fields as unknown as StoredRecord, this.#at.get(i))) problem(p);
    }
  }
}
