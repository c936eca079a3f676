/**
 * What a party signs when it decides: the statement text of a payment
 * decision (`sib-ledger/decision/v1`), of a published comparison figure
 * (`sib-ledger/comparison/v1`) or of a party key's enrolment
 * (`sib-ledger/enrolment/v1`), and the party's signature over it, a C2SP
 * signed note (note.ts, type 0x01 Ed25519) that Go's note.Open can check.
 * An entry stores the signer's verifier key and its signature line; anyone
 * rebuilds the statement from the entry and checks the line. Format:
 * docs/party-signatures.md.
 */
import { IntegrityError, sha256, toHex, utf8, ValidationError } from '#kernel';
import type { PaymentState } from './kinds.ts';
import { ALG_ED25519, openNote, parseVerifierKey } from './note.ts';

export const DECISION_STATEMENT_FORMAT = 'sib-ledger/decision/v1';
export const COMPARISON_STATEMENT_FORMAT = 'sib-ledger/comparison/v1';
export const ENROLMENT_STATEMENT_FORMAT = 'sib-ledger/enrolment/v1';

/** A party's signature as an entry stores it: the signer's verifier key and its signature line over the statement. */
export interface PartySignature {
  /** The signer's verifier key (`<name>+<keyid>+<base64>`, type 0x01). */
  readonly key: string;
  /** The note's signature line, `— <name> <base64(keyid || signature)>`, without its newline. */
  readonly line: string;
}

/** A party's signature as a request carries it: the verifier key and the whole signed note. */
export interface SignedStatement {
  readonly key: string;
  /** The signed note: the statement, a blank line, the signature line. */
  readonly note: string;
}

/** What a payment decision names. */
export interface DecisionFacts {
  readonly contract: string;
  /** Seq of the payment's evaluation.recorded entry. */
  readonly payment: number;
  readonly period: string;
  readonly step: PaymentState;
  /** SHA-256 of the evaluation result, hex. */
  readonly result: string;
  /** SHA-256 of the public summary (the evaluation body's `summary`), hex. */
  readonly summary: string;
  /** The payment's total in minor units (an integer string, negative for a net adjustment). */
  readonly total: string;
  /** Digits after the decimal point of the currency. */
  readonly minorUnit: number;
  readonly currency: string;
  /** rejected: the reason (the statement carries its SHA-256). */
  readonly reason?: string;
  /** paid: the payment order's number and the day it was paid. */
  readonly paymentOrder?: string;
  readonly paidOn?: string;
}

/** What a published comparison figure names: the contract and the comparison body's fields. */
export interface ComparisonFacts {
  readonly contract: string;
  readonly comparison: string;
  readonly group: string;
  readonly period?: string;
  readonly value: string;
  readonly denominator?: number;
}

/** An amount in minor units written in major units with the currency's digits: `3500000000`, 2 → `35000000.00`. */
export function majorAmount(minor: string, minorUnit: number): string {
  if (!/^-?(?:0|[1-9][0-9]*)$/.test(minor)) throw new ValidationError(`not an amount in minor units: ${minor}`);
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(minorUnit + 1, '0');
  const whole = digits.slice(0, digits.length - minorUnit);
  const text = minorUnit === 0 ? whole : `${whole}.${digits.slice(digits.length - minorUnit)}`;
  return negative ? `-${text}` : text;
}

function statementText(format: string, fields: readonly (readonly [string, string | number | undefined])[]): string {
  const lines = [format];
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    const text = String(value);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a value must stay on its line
    if (text === '' || /[\u0000-\u001f\u007f]/.test(text)) {
      throw new ValidationError(`the statement's ${name} must be one line of text`, [
        { field: name, message: 'must be non-empty, without line breaks or control characters' },
      ]);
    }
    lines.push(`${name} ${text}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The statement a party signs for a payment decision. */
export function decisionStatement(f: DecisionFacts): string {
  return statementText(DECISION_STATEMENT_FORMAT, [
    ['contract', f.contract],
    ['payment', f.payment],
    ['period', f.period],
    ['step', f.step],
    ['result', f.result],
    ['summary', f.summary],
    ['amount', majorAmount(f.total, f.minorUnit)],
    ['currency', f.currency],
    ['reason-sha256', f.step === 'rejected' ? toHex(sha256(utf8(f.reason ?? ''))) : undefined],
    ['payment-order', f.step === 'paid' ? f.paymentOrder : undefined],
    ['paid-on', f.step === 'paid' ? f.paidOn : undefined],
  ]);
}

/** The statement the evaluator signs for a published comparison figure. */
export function comparisonStatement(f: ComparisonFacts): string {
  return statementText(COMPARISON_STATEMENT_FORMAT, [
    ['contract', f.contract],
    ['comparison', f.comparison],
    ['group', f.group],
    ['period', f.period],
    ['value', f.value],
    ['denominator', f.denominator],
  ]);
}

/** What a party key's enrolment names: the contract, the signing role, the enrolling subject and the key. */
export interface EnrolmentFacts {
  readonly contract: string;
  /** The signing role the key signs as (trust.ts SIGNING_ROLES). */
  readonly role: string;
  /** The token subject that enrols it. */
  readonly subject: string;
  /** The enrolled verifier key. */
  readonly key: string;
}

/**
 * The statement a new party key signs to be enrolled (proof of possession):
 * only the holder of the key can make it, so no one can enrol a key that is
 * not theirs, nor enrol it for another contract, role or subject.
 */
export function enrolmentStatement(f: EnrolmentFacts): string {
  return statementText(ENROLMENT_STATEMENT_FORMAT, [
    ['contract', f.contract],
    ['role', f.role],
    ['subject', f.subject],
    ['key', f.key],
  ]);
}

/** The statement's `field value` lines by field (the format line under `format`). */
function fieldsOf(text: string): Map<string, string> {
  const lines = text.replace(/\n$/, '').split('\n');
  const out = new Map<string, string>([['format', lines[0] ?? '']]);
  for (const line of lines.slice(1)) {
    const sp = line.indexOf(' ');
    out.set(sp < 0 ? line : line.slice(0, sp), sp < 0 ? '' : line.slice(sp + 1));
  }
  return out;
}

/** The fields two statements differ in, each as `field: signed X, expected Y`. */
export function statementDifferences(signed: string, expected: string): string[] {
  const a = fieldsOf(signed);
  const b = fieldsOf(expected);
  const names = [...new Set([...b.keys(), ...a.keys()])];
  return names
    .filter((n) => a.get(n) !== b.get(n))
    .map((n) => `${n}: signed ${a.get(n) ?? '(absent)'}, expected ${b.get(n) ?? '(absent)'}`);
}

/** The party key of a signature: a type 0x01 verifier key, or a ValidationError naming `field`. */
function partyKey(key: string, field: string) {
  let parsed: ReturnType<typeof parseVerifierKey>;
  try {
    parsed = parseVerifierKey(key);
  } catch (error) {
    throw new ValidationError('the signature key is not a verifier key', [
      { field, message: (error as Error).message },
    ]);
  }
  if ((parsed.type ?? ALG_ED25519) !== ALG_ED25519) {
    throw new ValidationError('the signature key is not a party key', [
      { field, message: 'must be an Ed25519 (type 0x01) verifier key, as `sib keys party` prints' },
    ]);
  }
  return parsed;
}

/**
 * Checks a request's signed note against the statement the server rebuilt
 * from what it is about to append: the note must verify with the named key
 * and sign exactly `expected`. Answers what the entry stores; throws a
 * ValidationError naming each field that differs (`signature.<field>`).
 */
export function checkSignedStatement(expected: string, signed: SignedStatement, field = 'signature'): PartySignature {
  const key = partyKey(signed.key, `${field}.key`);
  let text: string;
  try {
    text = openNote(signed.note, [signed.key]).text;
  } catch (error) {
    throw new ValidationError('the signature does not verify', [
      { field: `${field}.note`, message: `${(error as Error).message} (with key ${signed.key})` },
    ]);
  }
  if (text !== expected) {
    const diffs = statementDifferences(text, expected);
    throw new ValidationError(
      'the signed statement is not what would be recorded',
      diffs.map((d) => ({ field: `${field}.${d.slice(0, d.indexOf(':'))}`, message: d })),
    );
  }
  const prefix = `\u2014 ${key.name} `;
  const line = signed.note
    .slice(text.length + 1)
    .split('\n')
    .find((l) => l.startsWith(prefix) && signatureVerifies(expected, { key: signed.key, line: l }));
  if (line === undefined) throw new IntegrityError(`no signature line by ${key.name} verifies`);
  return { key: signed.key, line };
}

/** Signs nothing: the note a stored signature makes with its statement (statement, blank line, the line). */
export function signedNote(statement: string, signature: PartySignature): string {
  return `${statement}\n${signature.line}\n`;
}

/** Whether a stored signature verifies over the statement with its own key. Never throws. */
export function signatureVerifies(statement: string, signature: PartySignature): boolean {
  try {
    partyKey(signature.key, 'signature.key');
    const opened = openNote(signedNote(statement, signature), [signature.key]);
    return opened.verified.length === 1 && opened.text === statement;
  } catch {
    return false;
  }
}
