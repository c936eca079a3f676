import * as z from 'zod';
import {
  type ContractSpec,
  ContractSpecSchema,
  DIRECTIONS,
  EFFECTS,
  METRIC_KINDS,
  METRIC_UNITS,
  type Metric,
  type PaymentRule,
  specProblems,
} from '#contracts';
import type { MetricValue } from '#evaluation';
import {
  allocateByShare,
  exactValue,
  fixed,
  formatMoney,
  indicatorChecks,
  returnCapLimit,
  roundToStep,
  twoProportionZTest,
  wilsonInterval,
} from '#evaluation';
import {
  canonicalBytes,
  canonicalize,
  Decimal,
  ed25519Verify,
  fromBase64,
  fromHex,
  sha256,
  toHex,
  utf8,
} from '#kernel';
import {
  CONTRACT_REGISTERED_KIND,
  checkSigners,
  decodeEntry,
  type Entry,
  EVALUATION_RECORDED_KIND,
  EvaluationEntryBodySchema,
  entryHash,
  MAX_NOTE_BYTES,
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  PAYMENT_REJECTED_KIND,
  PAYMENT_STATES,
  type PaymentState,
  type PaymentStep,
  PaymentStepBodySchema,
  parseCheckpoint,
  parseVerifierKey,
  type VerifiedCheckpoint,
  type VerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '#ledger';
import { STEP_ROLES } from '#payments';
import { groupPeople, PSEUDONYM_IN_TEXT, reportSigningBytes } from './build.ts';
import { type AuditReport, MIN_CELL, type ProvenEntry, REPORT_FORMAT, type ReportMetric } from './types.ts';

/**
 * The offline verifier of audit reports (`sib report verify`): from the
 * report's bytes and the verifier keys alone, it checks every signature (the
 * report's, the checkpoint's, the witnesses'), every inclusion proof against
 * the signed checkpoint, that the entries are this contract's and agree with
 * the report, that the workflow steps follow the lifecycle with separate
 * subjects, and recomputes every amount from the figures in the report and
 * the contract terms it carries. Each check is named; a failed one says what
 * and by how much. Never throws: a truncated file, text that is not JSON or
 * a document of another shape is a failed `format` check.
 */

export interface ReportCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly message?: string;
}

export interface ReportVerification {
  /** Every check holds. */
  readonly ok: boolean;
  readonly contract?: string;
  readonly period?: string;
  readonly checks: readonly ReportCheck[];
}

// ---- The shape

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const Count = z.int().min(0);
const MinorUnits = z.string().regex(/^-?(?:0|[1-9][0-9]{0,30})$/, 'must be minor units written as digits');
const DecimalText = z.string().regex(/^-?(?:0|[1-9][0-9]{0,30})(?:\.[0-9]{1,40})?$/, 'must be a decimal number');
const Text = z.string().max(10_000);

const ProvenEntrySchema = z.strictObject({
  seq: Count,
  entry: z.string().max(MAX_NOTE_BYTES),
  leafHash: Hex64,
  proof: z.array(Hex64).max(64),
});
const IntervalSchema = z.strictObject({ level: Text, low: DecimalText, high: DecimalText });
const ReportGroupSchema = z.union([
  z.strictObject({ group: Text, suppressed: z.literal(true) }),
  z.strictObject({
    group: Text,
    value: DecimalText,
    numerator: DecimalText.optional(),
    denominator: Count.optional(),
    planned: Count.optional(),
  }),
]);
const ReportMetricSchema = z.strictObject({
  id: Text,
  title: Text,
  kind: z.enum(METRIC_KINDS),
  unit: z.enum(['rate', 'mean', 'count', 'money', 'groups']),
  value: DecimalText,
  numerator: DecimalText.optional(),
  denominator: Count.optional(),
  interval: IntervalSchema.optional(),
  pending: Count.optional(),
  excluded: Count.optional(),
  groups: z.array(ReportGroupSchema).max(10_000).optional(),
  illustrative: z.boolean().optional(),
  target: z.strictObject({ value: DecimalText, direction: z.enum(DIRECTIONS) }).optional(),
  met: z.boolean().optional(),
});
const figure = {
  value: DecimalText,
  numerator: DecimalText.optional(),
  denominator: Count.optional(),
  interval: IntervalSchema.optional(),
};
const ComparisonResultSchema = z.strictObject({
  id: Text,
  metric: Text,
  kind: z.enum(['baseline', 'published', 'control']),
  group: Text,
  effect: z.enum(EFFECTS),
  treatment: z.strictObject(figure),
  comparison: z.strictObject({ ...figure, source: Text }).optional(),
  effectSize: DecimalText.optional(),
  test: z
    .strictObject({
      test: z.enum(['two-proportion', 'difference-in-means']),
      statistic: DecimalText,
      pValue: DecimalText,
      significance: Text,
      alternative: z.enum(['greater', 'less', 'two-sided']),
      significant: z.boolean(),
    })
    .optional(),
  note: Text.optional(),
});
const PaymentsSchema = z.strictObject({
  currency: Text,
  minorUnit: Count,
  lines: z
    .array(
      z.strictObject({
        rule: Text,
        kind: z.enum(['per-outcome', 'tiered', 'per-effect', 'all-or-nothing']),
        type: z.enum(['payment', 'adjustment']),
        outcomes: Count,
        amount: MinorUnits,
        formula: Text,
      }),
    )
    .max(10_000),
  total: MinorUnits,
  paidBefore: MinorUnits,
  cumulative: MinorUnits,
  caps: z.array(
    z.strictObject({ cap: Text, limit: MinorUnits, before: MinorUnits, after: MinorUnits, binding: z.boolean() }),
  ),
  allocation: z.array(z.strictObject({ investor: Text, share: Text, amount: MinorUnits })),
});

/** The shape of an audit report (AuditReport); the contract spec inside is checked by ContractSpecSchema. */
export const AuditReportSchema = z.strictObject({
  format: z.literal(REPORT_FORMAT),
  contract: z.strictObject({
    id: Text,
    version: z.int().min(1),
    hash: Hex64,
    spec: z.unknown(),
    registration: ProvenEntrySchema,
  }),
  period: z.strictObject({ id: Text, from: Text, to: Text, paymentDate: Text, final: z.boolean().optional() }),
  checkpoint: z.strictObject({ size: Count, root: Hex64, note: z.string().max(MAX_NOTE_BYTES) }),
  evaluation: z.strictObject({
    entry: ProvenEntrySchema,
    resultSha256: Hex64,
    evaluatedAt: z.strictObject({ size: Count, root: Hex64 }),
    records: Count,
    batches: Count,
    participants: z.strictObject({ enrolled: Count, withdrawn: Count }),
    metrics: z.array(ReportMetricSchema).max(1000),
    comparisons: z.array(ComparisonResultSchema).max(10_000),
    triggers: z.array(z.strictObject({ id: Text, group: Text, met: z.boolean(), because: Text })).max(10_000),
    indicators: z
      .array(
        z.strictObject({
          rule: Text,
          metric: Text,
          value: DecimalText,
          target: DecimalText,
          direction: z.enum(DIRECTIONS),
          threshold: DecimalText,
          met: z.boolean(),
        }),
      )
      .max(10_000),
  }),
  payments: PaymentsSchema,
  earlier: z.array(z.strictObject({ period: Text, seq: Count, total: MinorUnits })).max(1000),
  paidBeforeByRule: z
    .array(z.strictObject({ rule: Text, group: Text.optional(), amount: MinorUnits }))
    .max(10_000)
    .optional(),
  workflow: z.strictObject({
    state: z.enum(PAYMENT_STATES),
    steps: z
      .array(z.strictObject({ step: z.enum(['attested', 'approved', 'rejected', 'paid']), entry: ProvenEntrySchema }))
      .max(100),
  }),
  witnesses: z.array(Text).max(100),
  issued: z.strictObject({ at: Text }),
  signature: z.strictObject({
    keyName: Text,
    keyId: z.string().regex(/^[0-9a-f]{8}$/, 'must be 8 lower-case hex digits'),
    value: Text,
  }),
});

// ---- Entry points

/** Verifies a report's bytes against the trusted verifier keys (the log's, and any witnesses'). Never throws. */
export function verifyReport(bytes: Uint8Array, keys: readonly string[]): ReportVerification {
  const checks: ReportCheck[] = [];
  let contract: string | undefined;
  let period: string | undefined;
  try {
    const parsed = parseReport(bytes, checks);
    contract = parsed.contract;
    period = parsed.period;
    if (parsed.document !== undefined) new Verifier(parsed.document, keys, checks).run();
  } catch (error) {
    checks.push({ name: 'verifier', ok: false, message: `the verifier failed: ${messageOf(error)}` });
  }
  return {
    ok: checks.length > 0 && checks.every((c) => c.ok),
    ...(contract === undefined ? {} : { contract }),
    ...(period === undefined ? {} : { period }),
    checks,
  };
}

interface Document {
  /** The parsed JSON, as it is (what the signature covers). */
  readonly raw: Record<string, unknown>;
  readonly report: AuditReport;
  readonly spec: ContractSpec;
  readonly text: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function parseReport(
  bytes: Uint8Array,
  checks: ReportCheck[],
): { document?: Document; contract?: string; period?: string } {
  const fail = (message: string) => {
    checks.push({ name: 'format', ok: false, message });
    return {};
  };
  if (!(bytes instanceof Uint8Array)) return fail('the report is not bytes');
  if (bytes.byteLength === 0) return fail('the file is empty');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Cut inside a multi-byte character: the start decodes, the end does not.
    const cut = (() => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
        return true;
      } catch {
        return false;
      }
    })();
    return fail(
      cut ? 'the file ends inside a UTF-8 character: a truncated or damaged file?' : 'the file is not UTF-8 text',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`the file is not JSON (${messageOf(error)}): a truncated or damaged file?`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the file is not a JSON object');
  const raw = value as Record<string, unknown>;
  const id = (raw.contract as { id?: unknown } | undefined)?.id;
  const pid = (raw.period as { id?: unknown } | undefined)?.id;
  const named = {
    ...(typeof id === 'string' ? { contract: id } : {}),
    ...(typeof pid === 'string' ? { period: pid } : {}),
  };
  if (raw.format !== REPORT_FORMAT) {
    fail(`format is ${JSON.stringify(raw.format) ?? 'missing'}, not ${REPORT_FORMAT}: not an audit report`);
    return named;
  }
  const shape = AuditReportSchema.safeParse(raw);
  if (!shape.success) {
    const problems = shape.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    fail(`not an audit report of ${REPORT_FORMAT}: ${summary(problems)}`);
    return named;
  }
  const spec = ContractSpecSchema.safeParse(shape.data.contract.spec);
  if (!spec.success) {
    const problems = specProblems(spec.error).map((p) => `contract.spec.${p.field}: ${p.message}`);
    fail(`the contract terms in the report are not a valid contract spec: ${summary(problems)}`);
    return named;
  }
  checks.push({ name: 'format', ok: true, message: REPORT_FORMAT });
  let canonical: string | undefined;
  try {
    canonical = canonicalize(raw);
  } catch (error) {
    canonical = `(${messageOf(error)})`;
  }
  checks.push(
    canonical === text
      ? { name: 'canonical form', ok: true }
      : {
          name: 'canonical form',
          ok: false,
          message: 'the file is not the canonical JSON (RFC 8785) of the report: it was re-encoded or edited',
        },
  );
  return { document: { raw, report: shape.data as unknown as AuditReport, spec: spec.data, text }, ...named };
}

const summary = (problems: readonly string[], max = 8): string =>
  problems.length <= max
    ? problems.join('; ')
    : `${problems.slice(0, max).join('; ')}; and ${problems.length - max} more`;

// ---- The checks

type Fail = (message: string) => void;

/** The state each step must follow. */
const FROM: Readonly<Record<PaymentStep, PaymentState>> = {
  attested: 'calculated',
  approved: 'attested',
  rejected: 'attested',
  paid: 'approved',
};
const STEP_KINDS: Readonly<Record<PaymentStep, string>> = {
  attested: PAYMENT_ATTESTED_KIND,
  approved: PAYMENT_APPROVED_KIND,
  rejected: PAYMENT_REJECTED_KIND,
  paid: PAYMENT_PAID_KIND,
};
/** Roles that record an evaluation (the payment's calculation). */
const CALCULATING_ROLES = new Set(['evaluator', 'system']);

/** A comparison row with the exact numbers decisions are made on. */
interface ExactRow {
  readonly id: string;
  readonly group: string;
  readonly effect: Decimal | undefined;
  readonly t: Decimal;
  readonly c: Decimal | undefined;
  readonly n: number;
  readonly sum: Decimal | undefined;
  readonly significant: boolean;
}

interface CapState {
  readonly name: string;
  readonly limit: bigint;
  readonly before: bigint;
  used: bigint;
  binding: boolean;
  /** A per-outcome line may or may not have been cut by this cap (its figures per participant are not in the report). */
  maybeBinding: boolean;
  readonly applies: (rule: string) => boolean;
}

interface Simulation {
  readonly problems: string[];
  readonly caps: CapState[];
}

const money = (v: bigint) => v.toString();
const sumOf = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);

class Verifier {
  readonly #raw: Record<string, unknown>;
  readonly #r: AuditReport;
  readonly #spec: ContractSpec;
  readonly #text: string;
  readonly #keyTexts: readonly string[];
  readonly #checks: ReportCheck[];
  #keys: VerifierKey[] = [];
  readonly #entries = new Map<ProvenEntry, Entry | undefined>();
  #rows: Map<string, ExactRow> | undefined;
  #simulation: Simulation | undefined;

  constructor(document: Document, keys: readonly string[], checks: ReportCheck[]) {
    this.#raw = document.raw;
    this.#r = document.report;
    this.#spec = document.spec;
    this.#text = document.text;
    this.#keyTexts = Array.isArray(keys) ? keys : [];
    this.#checks = checks;
  }

  run(): void {
    this.#check('keys', (fail) => this.#checkKeys(fail));
    this.#check('report signature', (fail) => this.#checkReportSignature(fail));
    this.#check('checkpoint signature', (fail) => this.#checkCheckpoint(fail));
    this.#check('checkpoint witnesses', (fail) => this.#checkWitnesses(fail));
    this.#check('contract hash', (fail) => this.#checkContractHash(fail));
    const r = this.#r;
    this.#check('proof: registration', (fail) =>
      this.#checkProof(fail, r.contract.registration, CONTRACT_REGISTERED_KIND),
    );
    this.#check('proof: evaluation', (fail) => this.#checkProof(fail, r.evaluation.entry, EVALUATION_RECORDED_KIND));
    for (const s of r.workflow.steps) {
      this.#check(`proof: ${s.step} step`, (fail) => this.#checkProof(fail, s.entry, STEP_KINDS[s.step]));
    }
    this.#check('evaluation entry', (fail) => this.#checkEvaluationEntry(fail));
    this.#check('period', (fail) => this.#checkPeriod(fail));
    this.#check('workflow', (fail) => this.#checkWorkflow(fail));
    this.#check('separation of duties', (fail) => this.#checkDuties(fail));
    this.#check('aggregates only', (fail) => this.#checkAggregates(fail));
    this.#check('earlier payments', (fail) => this.#checkEarlier(fail));
    this.#check('metrics', (fail) => this.#checkMetrics(fail));
    this.#check('indicators', (fail) => this.#checkIndicators(fail));
    this.#check('comparisons', (fail) => this.#checkComparisons(fail));
    this.#check('triggers', (fail) => this.#checkTriggers(fail));
    this.#check('payment lines', (fail) => this.#checkLines(fail));
    this.#check('total', (fail) => this.#checkTotal(fail));
    this.#check('caps', (fail) => this.#checkCaps(fail));
    this.#check('allocation', (fail) => this.#checkAllocation(fail));
  }

  #check(name: string, fn: (fail: Fail) => string | undefined): void {
    const problems: string[] = [];
    let info: string | undefined;
    try {
      info = fn((message) => problems.push(message));
    } catch (error) {
      problems.push(`cannot be checked: ${messageOf(error)}`);
    }
    this.#checks.push(
      problems.length === 0
        ? { name, ok: true, ...(info === undefined ? {} : { message: info }) }
        : { name, ok: false, message: summary(problems) },
    );
  }

  // ---- Keys and signatures

  #checkKeys(fail: Fail): string | undefined {
    for (const text of this.#keyTexts) {
      try {
        this.#keys.push(parseVerifierKey(String(text)));
      } catch (error) {
        fail(messageOf(error));
      }
    }
    if (this.#keyTexts.length === 0) fail('no verifier key given: the log key is needed to check the signatures');
    return this.#keys.map((k) => `${k.name}+${k.keyId}`).join(', ');
  }

  /** The log's name: the checkpoint origin is `<log name>/<contract>`. */
  #logName(): string | undefined {
    const note = this.#r.checkpoint.note;
    const split = note.lastIndexOf('\n\n');
    if (split < 0) return undefined;
    try {
      const origin = parseCheckpoint(note.slice(0, split + 1)).origin;
      const slash = origin.lastIndexOf('/');
      return slash < 0 ? origin : origin.slice(0, slash);
    } catch {
      return undefined;
    }
  }

  #checkReportSignature(fail: Fail): string | undefined {
    const sig = this.#r.signature;
    const id = `${sig.keyName}+${sig.keyId}`;
    const key = this.#keys.find((k) => k.name === sig.keyName && k.keyId === sig.keyId);
    if (key === undefined) {
      fail(
        `the report is signed by ${id}, which is not among the trusted keys (${this.#keys.map((k) => `${k.name}+${k.keyId}`).join(', ') || 'none'})`,
      );
    } else {
      let value: Uint8Array | undefined;
      try {
        value = fromBase64(sig.value);
      } catch {
        fail('the signature value is not base64');
      }
      if (value !== undefined && !ed25519Verify(key.publicKey, reportSigningBytes(this.#raw as never), value)) {
        fail(`the signature by ${id} does not verify: the report was changed after it was signed`);
      }
    }
    const log = this.#logName();
    if (log !== undefined && log !== sig.keyName) {
      fail(`the report is signed by ${sig.keyName}, not by the log's key (${log}, the checkpoint's origin)`);
    }
    return `signed by ${id}`;
  }

  #openCheckpoint(): VerifiedCheckpoint {
    return verifyCheckpoint(this.#r.checkpoint.note, this.#keys);
  }

  #checkCheckpoint(fail: Fail): string | undefined {
    const r = this.#r;
    let cp: VerifiedCheckpoint;
    try {
      cp = this.#openCheckpoint();
    } catch (error) {
      fail(`the checkpoint note does not verify with the given keys: ${messageOf(error)}`);
      return undefined;
    }
    const log = this.#logName();
    if (!cp.origin.endsWith(`/${r.contract.id}`)) {
      fail(`the checkpoint is of the log ${cp.origin}, not of contract ${r.contract.id}`);
    }
    if (!cp.verified.some((v) => v.name === log)) {
      fail(
        `the checkpoint is not signed by the log's key ${log ?? ''} (verified signatures: ${cp.verified.map((v) => v.name).join(', ')})`,
      );
    }
    const root = toHex(cp.root);
    if (cp.size !== r.checkpoint.size || root !== r.checkpoint.root) {
      fail(
        `the signed checkpoint is size ${cp.size} root ${root}, but the report says size ${r.checkpoint.size} root ${r.checkpoint.root}`,
      );
    }
    return `${cp.origin} size ${cp.size} signed by ${log}`;
  }

  #checkWitnesses(fail: Fail): string | undefined {
    const log = this.#logName();
    const signers = checkSigners(this.#r.checkpoint.note, this.#keys).filter((s) => s.name !== log);
    for (const s of signers.filter((x) => x.status === 'invalid')) {
      fail(`the cosignature of ${s.name}+${s.keyId} does not verify`);
    }
    const cosigned = signers.filter((s) => s.status === 'signed').map((s) => s.name);
    const unchecked: string[] = [];
    for (const name of this.#r.witnesses) {
      if (cosigned.includes(name)) continue;
      if (signers.some((s) => s.name === name)) {
        fail(`the report names ${name} as a witness, but the checkpoint carries no valid cosignature by its key`);
      } else unchecked.push(name);
    }
    return `cosigned by ${cosigned.join(', ') || 'no witness among the given keys'}${
      unchecked.length > 0 ? `; not checked (no key given): ${unchecked.join(', ')}` : ''
    }`;
  }

  // ---- The contract, the entries and their proofs

  #checkContractHash(fail: Fail): string | undefined {
    const r = this.#r;
    const hash = toHex(sha256(canonicalBytes(r.contract.spec)));
    if (hash !== r.contract.hash) {
      fail(`the hash of contract.spec is ${hash}, but contract.hash is ${r.contract.hash}: the terms were changed`);
    }
    if (this.#spec.id !== r.contract.id) fail(`contract.spec is of contract ${this.#spec.id}, not ${r.contract.id}`);
    if (this.#spec.version !== r.contract.version) {
      fail(`contract.spec is version ${this.#spec.version}, not version ${r.contract.version}`);
    }
    const entry = this.#entry(r.contract.registration);
    if (entry === undefined) {
      fail('the registration entry cannot be read');
      return undefined;
    }
    if (entry.body.specHash !== r.contract.hash) {
      fail(`the registration entry registers spec hash ${String(entry.body.specHash)}, not ${r.contract.hash}`);
    }
    if (entry.body.spec === undefined || canonicalize(entry.body.spec) !== canonicalize(r.contract.spec)) {
      fail('the registration entry registers other terms than contract.spec');
    }
    return hash;
  }

  /** The decoded entry of a proven entry, or undefined if it does not decode. */
  #entry(p: ProvenEntry): Entry | undefined {
    if (!this.#entries.has(p)) {
      try {
        this.#entries.set(p, decodeEntry(utf8(p.entry), p.seq));
      } catch {
        this.#entries.set(p, undefined);
      }
    }
    return this.#entries.get(p);
  }

  #checkProof(fail: Fail, p: ProvenEntry, kind: string): string | undefined {
    const r = this.#r;
    const bytes = utf8(p.entry);
    const leaf = entryHash(bytes);
    if (toHex(leaf) !== p.leafHash) fail(`entry ${p.seq}: the entry text does not hash to its leafHash`);
    try {
      decodeEntry(bytes, p.seq);
    } catch (error) {
      fail(`entry ${p.seq}: ${messageOf(error)}`);
    }
    const entry = this.#entry(p);
    if (entry !== undefined) {
      if (entry.seq !== p.seq) fail(`the entry is seq ${entry.seq}, but the report says seq ${p.seq}`);
      if (entry.contract !== r.contract.id) {
        fail(`entry ${p.seq} is an entry of contract ${entry.contract}, not of ${r.contract.id}`);
      }
      if (entry.kind !== kind) fail(`entry ${p.seq} is a ${entry.kind} entry, not ${kind}`);
    }
    if (!verifyInclusion(leaf, p.seq, r.checkpoint.size, p.proof.map(fromHex), fromHex(r.checkpoint.root))) {
      fail(
        `the inclusion proof of entry ${p.seq} does not lead to the checkpoint root (size ${r.checkpoint.size}): the entry is not in the log the checkpoint signs`,
      );
    }
    return `entry ${p.seq} (${kind}) is in the checkpoint`;
  }

  #checkEvaluationEntry(fail: Fail): string | undefined {
    const r = this.#r;
    const ev = r.evaluation;
    const entry = this.#entry(ev.entry);
    if (entry === undefined) {
      fail('the evaluation entry cannot be read');
      return undefined;
    }
    const parsed = EvaluationEntryBodySchema.safeParse(entry.body);
    if (!parsed.success) {
      fail(`the evaluation entry's body is not an evaluation body`);
      return undefined;
    }
    const b = parsed.data;
    if (b.period !== r.period.id) fail(`the evaluation entry is of period ${b.period}, the report of ${r.period.id}`);
    if (b.result.sha256 !== ev.resultSha256) {
      fail(`the evaluation entry records result ${b.result.sha256}, the report says ${ev.resultSha256}`);
    }
    if (b.total !== r.payments.total) {
      fail(`the evaluation entry records a total of ${b.total}, but the report's payments total ${r.payments.total}`);
    }
    if (b.currency !== r.payments.currency) {
      fail(`the evaluation entry is in ${b.currency}, the report's payments in ${r.payments.currency}`);
    }
    if (b.contract.version !== r.contract.version || b.contract.hash !== r.contract.hash) {
      fail(
        `the evaluation cites contract version ${b.contract.version} (${b.contract.hash}), not the report's version ${r.contract.version} (${r.contract.hash})`,
      );
    }
    if (b.checkpoint.size !== ev.evaluatedAt.size || b.checkpoint.root !== ev.evaluatedAt.root) {
      fail(
        `the evaluation entry read the log at size ${b.checkpoint.size}, the report says size ${ev.evaluatedAt.size}`,
      );
    }
    if (r.contract.registration.seq >= ev.evaluatedAt.size) {
      fail(
        `the registration (entry ${r.contract.registration.seq}) is not in the log prefix the evaluation read (size ${ev.evaluatedAt.size})`,
      );
    }
    if (ev.entry.seq < ev.evaluatedAt.size) {
      fail(
        `the evaluation entry (${ev.entry.seq}) lies inside the log prefix it evaluated (size ${ev.evaluatedAt.size})`,
      );
    }
    return `entry ${ev.entry.seq}: period ${b.period}, result ${b.result.sha256}, total ${b.total}`;
  }

  #checkPeriod(fail: Fail): string | undefined {
    const r = this.#r;
    const p = this.#spec.periods.find((x) => x.id === r.period.id);
    if (p === undefined) {
      fail(`${r.period.id} is not a period of the contract (${this.#spec.periods.map((x) => x.id).join(', ')})`);
      return undefined;
    }
    if (canonicalize(p) !== canonicalize(r.period)) fail(`period ${p.id} differs from the contract's period ${p.id}`);
    if (this.#spec.effectiveFrom > p.to) {
      fail(
        `contract version ${this.#spec.version} is effective from ${this.#spec.effectiveFrom}, after period ${p.id}`,
      );
    }
    return `${p.id}: ${p.from}..${p.to}, payment date ${p.paymentDate}`;
  }

  // ---- The workflow

  #checkWorkflow(fail: Fail): string | undefined {
    const r = this.#r;
    const payment = r.evaluation.entry.seq;
    let state: PaymentState = 'calculated';
    let last = payment;
    const path: string[] = [];
    for (const { step, entry: p } of r.workflow.steps) {
      path.push(`${step} (entry ${p.seq})`);
      if (p.seq <= last) fail(`the ${step} step (entry ${p.seq}) is not after the step before it (entry ${last})`);
      last = Math.max(last, p.seq);
      if (FROM[step] !== state) {
        fail(
          step === 'paid'
            ? `the paid step (entry ${p.seq}) follows ${state}, not an approval: a payment is paid only once approved`
            : `the ${step} step (entry ${p.seq}) follows ${state}: a payment goes calculated -> attested -> approved or rejected -> paid`,
        );
      }
      state = step;
      const entry = this.#entry(p);
      if (entry === undefined) {
        fail(`the ${step} step (entry ${p.seq}) cannot be read`);
        continue;
      }
      const parsed = PaymentStepBodySchema.safeParse(entry.body);
      if (!parsed.success) {
        fail(`the ${step} step (entry ${p.seq}) has no payment step body`);
        continue;
      }
      const b = parsed.data;
      if (b.payment !== payment)
        fail(`the ${step} step (entry ${p.seq}) is a step of payment ${b.payment}, not ${payment}`);
      if (b.period !== r.period.id)
        fail(`the ${step} step (entry ${p.seq}) is for period ${b.period}, not ${r.period.id}`);
      if (b.result !== r.evaluation.resultSha256) {
        fail(`the ${step} step (entry ${p.seq}) is for result ${b.result}, not ${r.evaluation.resultSha256}`);
      }
      if (b.total !== r.payments.total) {
        fail(`the ${step} step (entry ${p.seq}) is for a total of ${b.total}, not ${r.payments.total}`);
      }
      if (step === 'paid' && (b.paymentOrder === undefined || b.paidOn === undefined)) {
        fail(`the paid step (entry ${p.seq}) names no payment order or day`);
      }
      if (step === 'rejected' && (b.reason ?? '').trim() === '') fail(`the rejection (entry ${p.seq}) gives no reason`);
    }
    if (r.workflow.state !== state) fail(`the workflow state is ${r.workflow.state}, but the steps give ${state}`);
    return `${['calculated', ...path].join(' -> ')}: ${state}`;
  }

  #checkDuties(fail: Fail): string | undefined {
    const r = this.#r;
    const taken: { what: string; sub: string }[] = [];
    const evaluation = this.#entry(r.evaluation.entry);
    if (evaluation === undefined) fail('the evaluation entry cannot be read');
    else {
      if (!CALCULATING_ROLES.has(evaluation.actor.role)) {
        fail(
          `the evaluation is recorded by ${evaluation.actor.sub} acting as ${evaluation.actor.role}, not the evaluator`,
        );
      }
      taken.push({ what: 'calculated', sub: evaluation.actor.sub });
    }
    for (const { step, entry: p } of r.workflow.steps) {
      const entry = this.#entry(p);
      if (entry === undefined) {
        fail(`the ${step} step (entry ${p.seq}) cannot be read`);
        continue;
      }
      const { sub, role } = entry.actor;
      if (role !== STEP_ROLES[step]) {
        fail(`the ${step} step (entry ${p.seq}) is by ${sub} acting as ${role}: only the ${STEP_ROLES[step]} takes it`);
      }
      const same = taken.find((t) => t.sub === sub);
      if (same !== undefined) {
        fail(`${sub} both ${same.what} and ${step} the payment: each step must be taken by another subject`);
      }
      taken.push({ what: step, sub });
    }
    return taken.map((t) => `${t.what} by ${t.sub}`).join(', ');
  }

  #checkAggregates(fail: Fail): string | undefined {
    const found = PSEUDONYM_IN_TEXT.exec(this.#text);
    if (found !== null) fail(`the report names a participant pseudonym (at character ${found.index})`);
    for (const m of this.#r.evaluation.metrics) {
      const groups = m.groups ?? [];
      let suppressed = 0;
      for (const g of groups) {
        if ('suppressed' in g) {
          suppressed++;
          continue;
        }
        const people = groupPeople(g);
        if (!(people >= MIN_CELL)) {
          fail(`metric ${m.id}, group ${g.group}: ${people} people shown; groups under ${MIN_CELL} must be suppressed`);
        }
      }
      if (suppressed === 1 && groups.length > 1) {
        fail(`metric ${m.id}: one group alone is suppressed, so the total and the other groups give it away`);
      }
    }
    return undefined;
  }

  // ---- Earlier payments

  /** Net paid before per rule, and per rule and group. */
  #prior(): { byRule: Map<string, bigint>; byGroup: Map<string, bigint> } {
    const byRule = new Map<string, bigint>();
    const byGroup = new Map<string, bigint>();
    for (const p of this.#r.paidBeforeByRule ?? []) {
      const v = BigInt(p.amount);
      byRule.set(p.rule, (byRule.get(p.rule) ?? 0n) + v);
      if (p.group !== undefined)
        byGroup.set(`${p.rule}\u0000${p.group}`, (byGroup.get(`${p.rule}\u0000${p.group}`) ?? 0n) + v);
    }
    return { byRule, byGroup };
  }

  #checkEarlier(fail: Fail): string | undefined {
    const r = this.#r;
    const order = this.#spec.periods.map((p) => p.id);
    const mine = order.indexOf(r.period.id);
    const expected = mine < 0 ? [] : order.slice(0, mine);
    const got = r.earlier.map((e) => e.period);
    if (got.join(',') !== expected.join(',')) {
      fail(
        `the earlier payments are of ${got.join(', ') || 'no period'}, but the periods before ${r.period.id} are ${expected.join(', ') || 'none'}`,
      );
    }
    for (const e of r.earlier) {
      if (e.seq >= r.evaluation.entry.seq) {
        fail(
          `the payment of ${e.period} (entry ${e.seq}) is not before this evaluation (entry ${r.evaluation.entry.seq})`,
        );
      }
      if (e.seq >= r.evaluation.evaluatedAt.size) {
        fail(`the payment of ${e.period} (entry ${e.seq}) is not in the log prefix the evaluation read`);
      }
    }
    const total = sumOf(r.earlier.map((e) => BigInt(e.total)));
    const paidBefore = BigInt(r.payments.paidBefore);
    if (total !== paidBefore) {
      fail(`the earlier periods paid ${money(total)} in all, but payments.paidBefore is ${money(paidBefore)}`);
    }
    const byRule = r.paidBeforeByRule;
    if (byRule === undefined) {
      if (paidBefore !== 0n)
        fail('paidBeforeByRule is missing: the amounts paid before cannot be recomputed without it');
    } else {
      const rules = new Map(this.#spec.payments.map((p) => [p.id, p]));
      for (const p of byRule) {
        const rule = rules.get(p.rule);
        if (rule === undefined) fail(`paidBeforeByRule names ${p.rule}, which is no payment rule of the contract`);
        else if (p.group !== undefined && rule.kind !== 'tiered' && rule.kind !== 'per-effect') {
          fail(`paidBeforeByRule names a group of ${p.rule}, a ${rule.kind} rule`);
        }
      }
      const sum = sumOf(byRule.map((p) => BigInt(p.amount)));
      if (sum !== paidBefore) {
        fail(`paidBeforeByRule sums to ${money(sum)}, but payments.paidBefore is ${money(paidBefore)}`);
      }
    }
    return r.earlier.map((e) => `${e.period}: ${e.total} (entry ${e.seq})`).join(', ') || 'none';
  }

  // ---- Metrics, indicators, comparisons, triggers

  #metricSpec(id: string): Metric | undefined {
    return this.#spec.metrics.find((m) => m.id === id);
  }

  #reportMetric(id: string): ReportMetric | undefined {
    return this.#r.evaluation.metrics.find((m) => m.id === id);
  }

  /** The indicator checks of the all-or-nothing rules of this period, from the report's metric figures. */
  #expectedIndicators() {
    const values = new Map(this.#r.evaluation.metrics.map((m) => [m.id, m as unknown as MetricValue]));
    return this.#spec.payments.flatMap((p) =>
      p.kind === 'all-or-nothing' && p.periods.includes(this.#r.period.id)
        ? indicatorChecks(this.#spec, p, values)
        : [],
    );
  }

  #checkMetrics(fail: Fail): string | undefined {
    const spec = this.#spec;
    const level = spec.confidenceLevel;
    const metrics = this.#r.evaluation.metrics;
    const ids = metrics.map((m) => m.id).join(', ');
    const wanted = spec.metrics.map((m) => m.id).join(', ');
    if (ids !== wanted) fail(`the report's metrics are ${ids || 'none'}, the contract's ${wanted}`);
    const indicators = this.#expectedIndicators();
    for (const m of metrics) {
      const sm = this.#metricSpec(m.id);
      if (sm === undefined) continue;
      const at = `metric ${m.id}`;
      const unit = METRIC_UNITS[sm.kind];
      if (m.kind !== sm.kind || m.unit !== unit)
        fail(`${at}: kind ${m.kind} (${m.unit}), the contract's ${sm.kind} (${unit})`);
      if (m.title !== sm.title) fail(`${at}: the title differs from the contract's`);
      if ((m.illustrative === true) !== (sm.illustrative === true))
        fail(`${at}: illustrative differs from the contract`);
      if (canonicalize(m.target ?? null) !== canonicalize(sm.target ?? null)) {
        fail(
          `${at}: target ${m.target?.direction ?? ''} ${m.target?.value ?? 'none'}, the contract's ${sm.target?.direction ?? ''} ${sm.target?.value ?? 'none'}`,
        );
      }
      if (unit === 'rate' || unit === 'mean') {
        if (m.numerator === undefined || m.denominator === undefined) {
          fail(`${at}: a ${unit} without its numerator and denominator`);
          continue;
        }
        const expected = ratio(m.numerator, m.denominator);
        if (m.value !== expected) {
          fail(`${at}: value ${m.value} but ${m.numerator} / ${m.denominator} is ${expected}`);
        }
        if (unit === 'rate') {
          const wilson = wilsonInterval(Number(m.numerator), m.denominator, level);
          if (canonicalize(m.interval ?? null) !== canonicalize(wilson ?? null)) {
            fail(
              `${at}: interval ${intervalText(m.interval)} but the Wilson interval of ${m.numerator} / ${m.denominator} at ${level} is ${intervalText(wilson)}`,
            );
          }
        } else if (
          (m.interval !== undefined) !== m.denominator >= 2 ||
          (m.interval !== undefined && m.interval.level !== level)
        ) {
          // A mean's interval needs the sum of squares, which the report does not carry: its presence and level only.
          fail(
            `${at}: ${m.interval === undefined ? 'no interval' : `an interval at ${m.interval.level}`} over ${m.denominator} participant(s); a mean over 2 or more has one at the contract's level ${level}`,
          );
        }
        for (const g of m.groups ?? []) {
          if ('suppressed' in g || g.numerator === undefined || g.denominator === undefined) continue;
          const v = ratio(g.numerator, g.denominator);
          if (g.value !== v)
            fail(`${at}, group ${g.group}: value ${g.value} but ${g.numerator} / ${g.denominator} is ${v}`);
        }
      } else if (unit === 'count' || unit === 'money') {
        if (!/^(?:0|[1-9][0-9]*)$/.test(m.value)) fail(`${at}: value ${m.value} is not a whole number`);
        if (sm.kind === 'value-of') {
          const of = this.#reportMetric(sm.metric);
          if (m.numerator !== of?.value) {
            fail(`${at}: ${m.numerator ?? 'no'} units, but metric ${sm.metric} is ${of?.value ?? 'missing'}`);
          }
          const value = (BigInt(m.numerator ?? '0') * BigInt(sm.unitValue)).toString();
          if (m.value !== value) fail(`${at}: value ${m.value} but ${m.numerator} × ${sm.unitValue} is ${value}`);
        }
      } else {
        const groups = m.groups ?? [];
        const shown = groups.filter((g) => !('suppressed' in g)) as {
          group: string;
          value: string;
          planned?: number;
        }[];
        const sum = sumOf(shown.map((g) => BigInt(new Decimal(g.value).toFixed(0))));
        const total = BigInt(new Decimal(m.value).toFixed(0));
        if (shown.length === groups.length ? sum !== total : sum > total) {
          fail(`${at}: the groups add up to ${sum}, the total is ${m.value}`);
        }
        if (sm.kind === 'services') {
          for (const g of shown) {
            if (g.planned !== sm.planned?.[g.group]) {
              fail(
                `${at}, ${g.group}: planned ${g.planned ?? 'none'}, the contract plans ${sm.planned?.[g.group] ?? 'none'}`,
              );
            }
          }
        }
      }
      // Whether the target is met: against the all-or-nothing threshold where one applies.
      if (sm.target !== undefined) {
        const check = indicators.find((i) => i.metric === m.id);
        const empty = (unit === 'rate' || unit === 'mean') && !m.denominator;
        const value = exactValue(m as unknown as MetricValue) ?? new Decimal(0);
        const met =
          check !== undefined
            ? check.met
            : empty
              ? false
              : sm.target.direction === 'at-least'
                ? value.gte(sm.target.value)
                : value.lte(sm.target.value);
        if (m.met !== met) {
          fail(
            `${at}: met ${String(m.met)} but ${m.value} against ${check === undefined ? `the target ${sm.target.value}` : `the threshold ${check.threshold}`} (${sm.target.direction}) gives ${met}`,
          );
        }
      } else if (m.met !== undefined) fail(`${at}: met is given, but the metric has no target`);
    }
    return `${metrics.length} metric(s) recomputed from their figures`;
  }

  #checkIndicators(fail: Fail): string | undefined {
    const expected = this.#expectedIndicators();
    const got = this.#r.evaluation.indicators;
    const key = (i: { rule: string; metric: string }) => `${i.metric} of ${i.rule}`;
    if (got.map(key).join(', ') !== expected.map(key).join(', ')) {
      fail(
        `the report checks ${got.map(key).join(', ') || 'no indicator'}, the contract's all-or-nothing rules of ${this.#r.period.id} check ${expected.map(key).join(', ') || 'none'}`,
      );
    }
    for (const e of expected) {
      const g = got.find((x) => x.rule === e.rule && x.metric === e.metric);
      if (g === undefined) continue;
      for (const field of ['value', 'target', 'direction', 'threshold', 'met'] as const) {
        if (g[field] !== e[field]) {
          fail(
            field === 'met'
              ? `indicator ${key(e)}: met ${g.met} but ${e.value} against the threshold ${e.threshold} (${e.direction}) gives ${e.met}`
              : `indicator ${key(e)}: ${field} ${g[field]} but the contract gives ${e[field]}`,
          );
        }
      }
    }
    return expected.map((e) => `${key(e)}: ${e.met ? 'met' : 'not met'}`).join(', ') || 'none in this period';
  }

  /** The comparison rows with exact numbers, by `id|group`. */
  #exactRows(): Map<string, ExactRow> {
    if (this.#rows !== undefined) return this.#rows;
    const rows = new Map<string, ExactRow>();
    for (const row of this.#r.evaluation.comparisons) {
      const c = this.#spec.comparisons.find((x) => x.id === row.id);
      const n = row.treatment.denominator ?? 0;
      const t = exactOf(row.treatment);
      let cValue: Decimal | undefined;
      if (c?.kind === 'baseline') cValue = new Decimal(c.value);
      else if (c?.kind === 'control') cValue = row.comparison === undefined ? undefined : exactOf(row.comparison);
      // A published figure as the report shows it (6 places): exact for figures published with 6 places or fewer;
      // the comparison.published entry itself is not in the report.
      else if (row.comparison !== undefined) cValue = new Decimal(row.comparison.value);
      const enough = n > 0 && (c?.kind !== 'control' || (row.comparison?.denominator ?? 0) > 0);
      const effect = cValue !== undefined && enough && c !== undefined ? effectOf(c.effect, t, cValue) : undefined;
      rows.set(`${row.id}\u0000${row.group}`, {
        id: row.id,
        group: row.group,
        effect,
        t,
        c: cValue,
        n,
        sum: row.treatment.numerator === undefined ? undefined : new Decimal(row.treatment.numerator),
        significant: row.test?.significant === true,
      });
    }
    this.#rows = rows;
    return rows;
  }

  #checkComparisons(fail: Fail): string | undefined {
    const spec = this.#spec;
    const level = spec.confidenceLevel;
    const got = this.#r.evaluation.comparisons;
    const expected: string[] = [];
    for (const c of spec.comparisons) {
      const metric = this.#metricSpec(c.metric);
      const groups =
        c.kind === 'control' || c.groupBy !== 'cohort'
          ? ['all']
          : ['all', ...(metric?.population?.cohorts ?? spec.cohorts)];
      for (const g of groups) expected.push(`${c.id}/${g}`);
    }
    const rowsText = got.map((row) => `${row.id}/${row.group}`);
    if (rowsText.join(', ') !== expected.join(', ')) {
      fail(`the report compares ${rowsText.join(', ') || 'nothing'}, the contract ${expected.join(', ') || 'nothing'}`);
    }
    const rows = this.#exactRows();
    let unchecked = 0;
    for (const row of got) {
      const c = spec.comparisons.find((x) => x.id === row.id);
      if (c === undefined) continue;
      const at = `comparison ${row.id} (${row.group})`;
      if (row.metric !== c.metric || row.kind !== c.kind || row.effect !== c.effect) {
        fail(`${at}: ${row.kind} ${row.effect} of ${row.metric}, the contract's ${c.kind} ${c.effect} of ${c.metric}`);
      }
      const unit = METRIC_UNITS[this.#metricSpec(c.metric)?.kind ?? 'enrolled'];
      for (const p of figureProblems(row.treatment, unit, level)) fail(`${at}, treatment: ${p}`);
      const metric = this.#reportMetric(c.metric);
      if (c.kind !== 'control' && row.group === 'all' && metric !== undefined) {
        if (row.treatment.numerator !== metric.numerator || row.treatment.denominator !== metric.denominator) {
          fail(
            `${at}: treatment ${row.treatment.numerator} / ${row.treatment.denominator}, but metric ${c.metric} is ${metric.numerator} / ${metric.denominator}`,
          );
        }
      }
      if (c.kind === 'baseline') {
        const want = { value: fixed(c.value), source: 'baseline in the contract' };
        if (canonicalize(row.comparison ?? null) !== canonicalize(want)) {
          fail(
            `${at}: compared against ${row.comparison?.value ?? 'nothing'}, the contract's baseline is ${want.value}`,
          );
        }
      } else if (c.kind === 'control') {
        if (row.comparison === undefined) fail(`${at}: no control figure`);
        else {
          for (const p of figureProblems(row.comparison, unit, level)) fail(`${at}, control: ${p}`);
          const source = `control cohorts ${c.control.join(', ')}`;
          if (row.comparison.source !== source)
            fail(`${at}: control ${row.comparison.source}, the contract's ${source}`);
        }
      }
      const exact = rows.get(`${row.id}\u0000${row.group}`);
      const effectSize = exact?.effect === undefined ? undefined : fixed(exact.effect);
      if (row.effectSize !== effectSize) {
        fail(
          `${at}: effect ${row.effectSize ?? 'none'} but the ${c.effect} of ${row.treatment.value} against ${row.comparison?.value ?? 'no figure'} is ${effectSize ?? 'none'}`,
        );
      }
      if (c.kind === 'control') {
        if (c.test === 'two-proportion') {
          const x1 = Number(row.treatment.numerator ?? '0');
          const x2 = Number(row.comparison?.numerator ?? '0');
          const test = twoProportionZTest(
            x1,
            row.treatment.denominator ?? 0,
            x2,
            row.comparison?.denominator ?? 0,
            c.alternative,
            c.significance,
          );
          if (canonicalize(row.test ?? null) !== canonicalize(test ?? null)) {
            fail(
              `${at}: test z ${row.test?.statistic ?? 'none'} p ${row.test?.pValue ?? 'none'}, but the two-proportion z-test gives z ${test?.statistic ?? 'none'} p ${test?.pValue ?? 'none'}`,
            );
          }
        } else {
          // Sums of squares are not in the report: the difference-in-means test is taken as reported.
          unchecked++;
          if (
            row.test !== undefined &&
            (row.test.test !== c.test ||
              row.test.significance !== c.significance ||
              row.test.alternative !== c.alternative)
          ) {
            fail(`${at}: the test is not the contract's (${c.test}, ${c.alternative}, at ${c.significance})`);
          }
        }
      } else if (row.test !== undefined) fail(`${at}: a significance test on a ${c.kind} comparison`);
    }
    return `${got.length} comparison(s) recomputed${unchecked > 0 ? `; ${unchecked} difference-in-means test(s) as reported (sums of squares are not in the report)` : ''}`;
  }

  /** The triggers as the contract gives them from the report's figures: id, group, met. */
  #expectedTriggers(): { id: string; group: string; met: boolean }[] {
    const spec = this.#spec;
    const period = this.#r.period.id;
    const rows = [...this.#exactRows().values()];
    const out: { id: string; group: string; met: boolean }[] = [];
    for (const t of spec.triggers) {
      const inPeriod = t.periods === undefined || t.periods.includes(period);
      if ('comparison' in t) {
        const wanted = t.group ?? 'all';
        for (const row of rows) {
          if (row.id !== t.comparison || (wanted === 'all' ? row.group !== 'all' : row.group === 'all')) continue;
          const enough = row.effect?.gte(t.effectAtLeast) === true;
          out.push({
            id: t.id,
            group: row.group,
            met: inPeriod && enough && (t.significant !== true || row.significant),
          });
        }
        continue;
      }
      const m = this.#reportMetric(t.metric);
      const empty = m === undefined || ((m.unit === 'rate' || m.unit === 'mean') && !m.denominator);
      const value = empty ? undefined : exactValue(m as unknown as MetricValue);
      let met = inPeriod && value !== undefined;
      if (value !== undefined && t.atLeast !== undefined) met &&= value.gte(t.atLeast);
      if (value !== undefined && t.atMost !== undefined) met &&= value.lte(t.atMost);
      out.push({ id: t.id, group: 'all', met });
    }
    return out;
  }

  #checkTriggers(fail: Fail): string | undefined {
    const expected = this.#expectedTriggers();
    const got = this.#r.evaluation.triggers;
    const key = (t: { id: string; group: string }) => `${t.id}/${t.group}`;
    if (got.map(key).join(', ') !== expected.map(key).join(', ')) {
      fail(
        `the report's triggers are ${got.map(key).join(', ') || 'none'}, the contract's ${expected.map(key).join(', ') || 'none'}`,
      );
    }
    for (const e of expected) {
      const g = got.find((x) => x.id === e.id && x.group === e.group);
      if (g !== undefined && g.met !== e.met)
        fail(`trigger ${e.id} (${e.group}): met ${g.met} but the figures give ${e.met}`);
    }
    return expected.map((e) => `${key(e)}: ${e.met ? 'met' : 'not met'}`).join(', ') || 'none';
  }

  // ---- Payments

  #caps(): CapState[] {
    const spec = this.#spec;
    const { byRule } = this.#prior();
    const before = BigInt(this.#r.payments.paidBefore);
    const all = () => true;
    const caps: CapState[] = [];
    const cap = (name: string, limit: bigint, used: bigint, applies: (rule: string) => boolean) =>
      caps.push({ name, limit, before: used, used, binding: false, maybeBinding: false, applies });
    if (spec.caps.overall !== undefined) cap('overall', BigInt(spec.caps.overall), before, all);
    if (spec.caps.perPeriod !== undefined) cap('per period', BigInt(spec.caps.perPeriod), 0n, all);
    for (const [rule, limit] of Object.entries(spec.caps.perOutcome ?? {})) {
      cap(`per outcome ${rule}`, BigInt(limit), byRule.get(rule) ?? 0n, (r) => r === rule);
    }
    if (spec.returnCap !== undefined) {
      cap(
        `return cap (${new Decimal(spec.returnCap.annualRate).times(100).toString()}% a year on ${formatMoney(BigInt(spec.returnCap.principal), spec.minorUnit)} to ${this.#r.period.paymentDate})`,
        returnCapLimit(spec.returnCap, this.#r.period.paymentDate),
        before,
        all,
      );
    }
    return caps;
  }

  /**
   * The payment lines as the contract gives them, worked out like the payment
   * engine (adjustments first, then rule by rule, each key within the room
   * left under every cap), from the report's figures and what was paid before.
   */
  #simulate(): Simulation {
    if (this.#simulation !== undefined) return this.#simulation;
    const spec = this.#spec;
    const r = this.#r;
    const problems: string[] = [];
    const caps = this.#caps();
    const { byRule, byGroup } = this.#prior();
    const rules = new Map(spec.payments.map((p) => [p.id, p]));
    const paidNow = new Map<string, bigint>();
    const lines = r.payments.lines;
    const step = BigInt(spec.rounding.step);
    const floorToStep = (v: bigint) => (v <= 0n ? 0n : (v / step) * step);
    const roomFor = (rule: string) =>
      caps
        .filter((c) => c.applies(rule))
        .reduce<bigint | undefined>((m, c) => {
          const room = floorToStep(c.limit - c.used);
          return m === undefined || room < m ? room : m;
        }, undefined);
    const use = (rule: string, amount: bigint) => {
      for (const c of caps) if (c.applies(rule)) c.used += amount;
      paidNow.set(rule, (paidNow.get(rule) ?? 0n) + amount);
    };

    // Adjustments: outcomes paid before and no longer achieved (per-outcome rules only), in contract order.
    let i = 0;
    let lastIndex = -1;
    for (; i < lines.length && lines[i]?.type === 'adjustment'; i++) {
      const l = lines[i] as AuditReport['payments']['lines'][number];
      const rule = rules.get(l.rule);
      const amount = BigInt(l.amount);
      const at = `adjustment line ${l.rule}`;
      if (rule === undefined) {
        problems.push(`${at}: ${l.rule} is no payment rule of the contract`);
        continue;
      }
      const index = spec.payments.indexOf(rule);
      if (index <= lastIndex) problems.push(`${at}: out of the contract's order of rules`);
      lastIndex = index;
      if (l.kind !== rule.kind) problems.push(`${at}: kind ${l.kind}, the rule is ${rule.kind}`);
      if (rule.kind !== 'per-outcome') {
        problems.push(`${at}: a ${rule.kind} payment is never taken back (only per-outcome payments are)`);
      }
      if (amount >= 0n) problems.push(`${at}: amount ${amount} is not negative`);
      const before = byRule.get(rule.id) ?? 0n;
      if (-amount > before)
        problems.push(`${at}: takes back ${-amount}, but ${before} was paid under ${rule.id} before`);
      if (l.outcomes < 1) problems.push(`${at}: adjusts ${l.outcomes} outcomes`);
      use(rule.id, amount);
    }

    // Payments, rule by rule (a rule deducting others after them).
    const indicators = this.#expectedIndicators();
    const triggers = this.#expectedTriggers();
    const rows = this.#exactRows();
    for (const rule of paymentOrder(spec.payments)) {
      const l = lines[i];
      const line = l !== undefined && l.type === 'payment' && l.rule === rule.id ? l : undefined;
      if (line !== undefined) i++;
      const at = `payment line ${rule.id}`;
      if (line !== undefined && line.kind !== rule.kind)
        problems.push(`${at}: kind ${line.kind}, the rule is ${rule.kind}`);

      if (rule.kind === 'per-outcome') {
        if (rule.trigger !== undefined && !triggers.some((t) => t.id === rule.trigger && t.group === 'all' && t.met)) {
          if (line !== undefined)
            problems.push(`${at}: trigger ${rule.trigger} is not met, so nothing is due under it`);
          continue;
        }
        if (line === undefined) continue; // nothing new was due
        const amount = BigInt(line.amount);
        const room = roomFor(rule.id);
        const metric = this.#metricSpec(rule.metric);
        const price = BigInt(rule.price);
        const rate = metric !== undefined && METRIC_UNITS[metric.kind] === 'rate';
        let upper: bigint;
        let words: string;
        if (rate) {
          const unitPrice = roundToStep(price.toString(), spec);
          upper = BigInt(line.outcomes) * unitPrice;
          words = `${line.outcomes} outcome(s) × ${unitPrice} = ${upper}`;
        } else {
          const units = BigInt(new Decimal(this.#reportMetric(rule.metric)?.value ?? '0').toFixed(0));
          upper = price * units + BigInt(line.outcomes) * step;
          words = `${units} unit(s) × ${price} (with rounding) = at most ${upper}`;
        }
        if (amount < 0n) problems.push(`${at}: amount ${amount} is negative`);
        if (amount > upper) problems.push(`${at}: amount ${amount} but ${words}: never more`);
        else if (room !== undefined && amount > room) {
          problems.push(`${at}: amount ${amount} exceeds the ${room} left under the caps`);
        } else if (rate && amount < upper) {
          if ((room === undefined || amount !== room) && (byRule.get(rule.id) ?? 0n) === 0n) {
            problems.push(
              `${at}: amount ${amount} but the contract gives ${upper} (${words}) unless a cap binds, and the caps leave ${room ?? 'no limit'}`,
            );
          }
        }
        use(rule.id, amount);
        // Whether a cap cut an outcome is not in the report (the line counts the outcomes paid, not those due):
        // a cap left with less room than one outcome's price may have.
        const unitPrice = roundToStep(price.toString(), spec);
        for (const c of caps)
          if (c.applies(rule.id) && floorToStep(c.limit - c.used) < unitPrice) c.maybeBinding = true;
        continue;
      }

      // Exact rules: the entitlement of each key, less what was paid before.
      let deltas: { key: string; delta: bigint }[] = [];
      let mandatory = true;
      let why = '';
      if (rule.kind === 'all-or-nothing') {
        if (!rule.periods.includes(r.period.id)) {
          mandatory = false;
        } else {
          const checks = indicators.filter((c) => c.rule === rule.id);
          const all = checks.every((c) => c.met);
          const failed = checks.filter((c) => !c.met).map((c) => c.metric);
          why = all ? 'every indicator met' : `not met: ${failed.join(', ')}`;
          deltas = [{ key: 'contract', delta: all ? BigInt(rule.amount) : 0n }];
        }
      } else if (rule.kind === 'tiered') {
        const allowed = rule.periods === undefined || rule.periods.includes(r.period.id);
        mandatory = allowed;
        const wanted = rule.group ?? 'all';
        const words: string[] = [];
        for (const row of rows.values()) {
          if (row.id !== rule.comparison || (wanted === 'all' ? row.group !== 'all' : row.group === 'all')) continue;
          if (!allowed || row.effect === undefined) continue;
          const before = byGroup.get(`${rule.id}\u0000${row.group}`) ?? 0n;
          const significant = rule.significant !== true || row.significant;
          let tier: (typeof rule.tiers)[number] | undefined;
          for (const t of rule.tiers) if (significant && row.effect.gte(t.effectAtLeast)) tier = t;
          const amount = tier === undefined ? 0n : BigInt(tier.amount);
          words.push(
            `${row.group}: effect ${fixed(row.effect)} → ${tier === undefined ? 'no tier' : `tier ≥ ${tier.effectAtLeast}`}`,
          );
          deltas.push({ key: `group:${row.group}`, delta: amount > before ? amount - before : 0n });
        }
        why = words.join('; ');
      } else {
        const trigger = spec.triggers.find((t) => t.id === rule.trigger);
        const comparisonId = trigger !== undefined && 'comparison' in trigger ? trigger.comparison : '';
        const price = new Decimal(rule.pricePerUnit);
        let deducted = 0n;
        for (const id of rule.deduct ?? []) deducted += (byRule.get(id) ?? 0n) + (paidNow.get(id) ?? 0n);
        const words: string[] = [];
        for (const t of triggers.filter((x) => x.id === rule.trigger)) {
          if (!t.met) continue;
          const row = rows.get(`${comparisonId}\u0000${t.group}`);
          if (row === undefined || row.c === undefined) continue;
          const before = byGroup.get(`${rule.id}\u0000${t.group}`) ?? 0n;
          const units = row.sum === undefined ? row.c.minus(row.t).times(row.n) : row.c.times(row.n).minus(row.sum);
          const gross = roundToStep(units.times(price), spec);
          const net = gross - deducted > 0n ? gross - deducted : 0n;
          words.push(
            `${t.group}: ${units.toDecimalPlaces(6).toString()} units × ${rule.pricePerUnit} = ${gross}${deducted > 0n ? ` − ${deducted} deducted` : ''}`,
          );
          deltas.push({ key: `group:${t.group}`, delta: net > before ? net - before : 0n });
        }
        why = words.join('; ');
      }
      deltas.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

      let amount = 0n;
      let paidKeys = 0;
      let due = 0n;
      const cutBy = new Set<string>();
      for (const d of deltas) {
        if (d.delta <= 0n) continue;
        due += d.delta;
        let pay = d.delta;
        for (const c of caps) {
          if (!c.applies(rule.id)) continue;
          const room = floorToStep(c.limit - c.used);
          if (pay > room) {
            pay = room;
            c.binding = true;
            cutBy.add(c.name);
          }
        }
        if (pay > 0n) {
          for (const c of caps) if (c.applies(rule.id)) c.used += pay;
          amount += pay;
          paidKeys++;
        }
      }
      paidNow.set(rule.id, (paidNow.get(rule.id) ?? 0n) + amount);
      if (line === undefined) {
        if (mandatory || due > 0n) {
          problems.push(
            `the contract gives a payment line for ${rule.id} (${rule.kind}) of ${amount}, the report has none`,
          );
        }
        continue;
      }
      if (!mandatory && due === 0n) {
        problems.push(`${at}: ${rule.id} pays nothing in period ${r.period.id}, so it has no line`);
        continue;
      }
      const capped = cutBy.size > 0 ? `; capped by ${[...cutBy].join(', ')}: ${due} due` : '';
      if (BigInt(line.amount) !== amount) {
        problems.push(
          `${at}: amount ${line.amount} but the contract gives ${amount}${why === '' ? '' : ` (${why}${capped})`}`,
        );
      }
      if (line.outcomes !== paidKeys)
        problems.push(`${at}: ${line.outcomes} outcome(s) paid, the contract gives ${paidKeys}`);
    }
    for (; i < lines.length; i++) {
      const l = lines[i] as AuditReport['payments']['lines'][number];
      problems.push(`${l.type} line ${l.rule} (amount ${l.amount}) is not a line the contract gives here`);
    }
    this.#simulation = { problems, caps };
    return this.#simulation;
  }

  #checkLines(fail: Fail): string | undefined {
    const sim = this.#simulate();
    for (const p of sim.problems) fail(p);
    return `${this.#r.payments.lines.length} line(s) recomputed from the contract terms`;
  }

  #checkTotal(fail: Fail): string | undefined {
    const p = this.#r.payments;
    const spec = this.#spec;
    if (p.currency !== spec.currency || p.minorUnit !== spec.minorUnit) {
      fail(`payments in ${p.currency} (${p.minorUnit} digits), the contract's ${spec.currency} (${spec.minorUnit})`);
    }
    const sum = sumOf(p.lines.map((l) => BigInt(l.amount)));
    if (BigInt(p.total) !== sum) fail(`the total is ${p.total} but the lines sum to ${sum}`);
    const cumulative = BigInt(p.paidBefore) + BigInt(p.total);
    if (BigInt(p.cumulative) !== cumulative) {
      fail(`cumulative ${p.cumulative} but paid before ${p.paidBefore} + total ${p.total} is ${cumulative}`);
    }
    return `${p.total} ${p.currency} (${formatMoney(BigInt(p.total), p.minorUnit)}); to date ${p.cumulative}`;
  }

  #checkCaps(fail: Fail): string | undefined {
    const p = this.#r.payments;
    const expected = this.#simulate().caps;
    const names = p.caps.map((c) => c.cap);
    if (names.join(' | ') !== expected.map((c) => c.name).join(' | ')) {
      fail(
        `the report's caps are ${names.join(', ') || 'none'}, the contract's ${expected.map((c) => c.name).join(', ') || 'none'}`,
      );
    }
    for (const c of p.caps) {
      const e = expected.find((x) => x.name === c.cap);
      const limit = BigInt(c.limit);
      const before = BigInt(c.before);
      const after = BigInt(c.after);
      if (e !== undefined) {
        if (limit !== e.limit) fail(`cap ${c.cap}: limit ${c.limit} but the contract gives ${e.limit}`);
        if (before !== e.before) fail(`cap ${c.cap}: ${c.before} used before, but ${e.before} was paid before`);
        if (after !== e.used) fail(`cap ${c.cap}: ${c.after} used after, but the contract's lines give ${e.used}`);
        if (c.binding !== e.binding && !e.maybeBinding) {
          fail(`cap ${c.cap}: binding ${c.binding}, but the contract's lines give ${e.binding}`);
        }
      }
      if (after > before && after > limit) fail(`cap ${c.cap}: ${c.after} paid to date exceeds the limit ${c.limit}`);
    }
    const total = BigInt(p.total);
    const cumulative = BigInt(p.cumulative);
    const spec = this.#spec;
    if (total > 0n && spec.caps.overall !== undefined && cumulative > BigInt(spec.caps.overall)) {
      fail(`cumulative ${p.cumulative} exceeds the overall cap ${spec.caps.overall}`);
    }
    if (total > 0n && spec.returnCap !== undefined) {
      const limit = returnCapLimit(spec.returnCap, this.#r.period.paymentDate);
      if (cumulative > limit) {
        fail(`cumulative ${p.cumulative} exceeds the return cap limit ${limit} at ${this.#r.period.paymentDate}`);
      }
    }
    return expected.map((c) => `${c.name}: ${c.used} of ${c.limit}`).join('; ') || 'no caps';
  }

  #checkAllocation(fail: Fail): string | undefined {
    const p = this.#r.payments;
    const expected = allocateByShare(
      BigInt(p.total),
      this.#spec.parties.investors.map((i) => ({ id: i.id, share: i.share })),
    );
    const who = (list: readonly { investor: string }[]) => list.map((a) => a.investor).join(', ');
    if (who(p.allocation) !== who(expected))
      fail(`the allocation is to ${who(p.allocation)}, the contract's investors are ${who(expected)}`);
    for (const e of expected) {
      const g = p.allocation.find((a) => a.investor === e.investor);
      if (g === undefined) continue;
      if (g.share !== e.share) fail(`allocation ${e.investor}: share ${g.share}, the contract's ${e.share}`);
      if (g.amount !== e.amount)
        fail(`allocation ${e.investor}: amount ${g.amount} but ${e.share} of ${p.total} is ${e.amount}`);
    }
    return expected.map((a) => `${a.investor}: ${a.amount}`).join(', ');
  }
}

// ---- Helpers

/** numerator / denominator to 6 places (half-even); 0 for an empty denominator. */
function ratio(numerator: string, denominator: number): string {
  return denominator === 0 ? fixed(0) : fixed(new Decimal(numerator).div(denominator));
}

function exactOf(f: { readonly value: string; readonly numerator?: string; readonly denominator?: number }): Decimal {
  if (f.numerator !== undefined && f.denominator !== undefined) {
    return f.denominator === 0 ? new Decimal(0) : new Decimal(f.numerator).div(f.denominator);
  }
  return new Decimal(f.value);
}

function effectOf(kind: (typeof EFFECTS)[number], t: Decimal, c: Decimal): Decimal | undefined {
  switch (kind) {
    case 'difference':
      return t.minus(c);
    case 'relative-reduction':
      return c.isZero() ? undefined : c.minus(t).div(c);
    case 'relative-increase':
      return c.isZero() ? undefined : t.minus(c).div(c);
  }
}

const intervalText = (i: { low: string; high: string } | undefined) =>
  i === undefined ? 'none' : `${i.low}–${i.high}`;

/** What is wrong with a rate or mean figure (value from numerator/denominator; a rate's Wilson interval). */
function figureProblems(
  f: {
    value: string;
    numerator?: string;
    denominator?: number;
    interval?: { level: string; low: string; high: string };
  },
  unit: string,
  level: string,
): string[] {
  if (f.numerator === undefined || f.denominator === undefined) return [];
  const problems: string[] = [];
  const value = ratio(f.numerator, f.denominator);
  if (f.value !== value) problems.push(`value ${f.value} but ${f.numerator} / ${f.denominator} is ${value}`);
  if (unit === 'rate') {
    const wilson = wilsonInterval(Number(f.numerator), f.denominator, level);
    if (canonicalize(f.interval ?? null) !== canonicalize(wilson ?? null)) {
      problems.push(`interval ${intervalText(f.interval)} but the Wilson interval is ${intervalText(wilson)}`);
    }
  }
  return problems;
}

/** Rules in contract order, except that a rule deducting others comes after them (as the payment engine pays them). */
function paymentOrder(rules: readonly PaymentRule[]): PaymentRule[] {
  const waiting = [...rules];
  const out: PaymentRule[] = [];
  while (waiting.length > 0) {
    const ready = waiting.findIndex(
      (rule) => rule.kind !== 'per-effect' || (rule.deduct ?? []).every((id) => !waiting.some((w) => w.id === id)),
    );
    out.push(...waiting.splice(ready < 0 ? 0 : ready, 1));
  }
  return out;
}
