/**
 * A realistic audit report built by hand, for the PDF rendering tests: the
 * Second Chance contract (the shipped spec), period y2, metrics as an
 * evaluation over about 250 participants would give them (Wilson intervals
 * computed, cohort 2025 suppressed as under MIN_CELL people), the
 * all-or-nothing indicators, one payment line of 35,000,000.00 RUB, and the
 * workflow attested, approved and paid. The entries are real, chained
 * canonical entries with real RFC 6962 leaf hashes and inclusion proofs; the
 * signatures are fixed bytes (nothing here checks them).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ContractSpec, parseContractSpec, specHash } from '#contracts';
import type { ComparisonResult, MetricValue } from '#evaluation';
import { fixed, type IndicatorCheck, indicatorChecks, returnCapLimit, wilsonInterval } from '#evaluation';
import { Decimal, sha256, toBase64, toHex, utf8 } from '#kernel';
import {
  type Actor,
  type Entry,
  encodeEntry,
  entryHash,
  formatCheckpoint,
  GENESIS_PREV,
  inclusionProof,
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  rootFromLeaves,
} from '#ledger';
import { type AuditReport, type ProvenEntry, REPORT_FORMAT, type ReportMetric } from '#reports';

const CONTRACT = 'second-chance-kamchatka';
const LOG = 'sib-ledger-local';
const WITNESS = 'independent-evaluator';
const LEVEL = '0.95';

function loadSpec(): ContractSpec {
  const file = fileURLToPath(new URL(`../../contracts/${CONTRACT}.json`, import.meta.url));
  return parseContractSpec(JSON.parse(readFileSync(file, 'utf8')));
}

const hex = (label: string) => toHex(sha256(utf8(label)));

/** A rate metric from counts, with its Wilson interval and target as an evaluation gives them. */
function rate(
  spec: ContractSpec,
  id: string,
  achieved: number,
  counted: number,
  extra: Partial<Pick<MetricValue, 'pending' | 'groups'>> = {},
): MetricValue {
  const m = spec.metrics.find((x) => x.id === id);
  if (m === undefined) throw new Error(`no metric ${id}`);
  const interval = wilsonInterval(achieved, counted, LEVEL);
  return {
    id,
    title: m.title,
    kind: m.kind,
    unit: 'rate',
    value: fixed(new Decimal(achieved).div(counted)),
    numerator: String(achieved),
    denominator: counted,
    ...(interval === undefined ? {} : { interval }),
    ...extra,
    ...(m.illustrative === true ? { illustrative: true } : {}),
  };
}

/** A metric value as the report shows it: target and met added, groups under MIN_CELL suppressed. */
function reported(
  spec: ContractSpec,
  v: MetricValue,
  suppressed: readonly string[] = [],
): ReportMetric & { readonly groups?: ReportMetric['groups'] } {
  const m = spec.metrics.find((x) => x.id === v.id);
  const target = m?.target;
  const value = new Decimal(v.value);
  const met =
    target === undefined
      ? undefined
      : target.direction === 'at-least'
        ? value.gte(target.value)
        : value.lte(target.value);
  const { groups, ...rest } = v;
  return {
    ...rest,
    ...(target === undefined ? {} : { target: { value: target.value, direction: target.direction } }),
    ...(met === undefined ? {} : { met }),
    ...(groups === undefined
      ? {}
      : {
          groups: groups.map((g) =>
            suppressed.includes(g.group)
              ? { group: g.group, suppressed: true as const }
              : {
                  group: g.group,
                  value: g.value,
                  ...(g.numerator === undefined ? {} : { numerator: g.numerator }),
                  ...(g.denominator === undefined ? {} : { denominator: g.denominator }),
                  ...(g.planned === undefined ? {} : { planned: g.planned }),
                },
          ),
        }),
  };
}

const cohort = (group: string, achieved: number, counted: number) => ({
  group,
  value: fixed(new Decimal(achieved).div(counted)),
  numerator: String(achieved),
  denominator: counted,
});

/** The log behind the report: 25 entries, y1 evaluated and paid, then y2. */
function buildLog(spec: ContractSpec, y2Total: string) {
  const entries: Entry[] = [];
  const add = (kind: string, at: string, actor: Actor, body: Record<string, unknown>): Entry => {
    const seq = entries.length;
    const prev = seq === 0 ? GENESIS_PREV : toHex(entryHash(encodeEntry(entries[seq - 1] as Entry)));
    const entry = { v: 1, contract: CONTRACT, seq, kind, at, actor, body: body as Entry['body'], prev } as Entry;
    entries.push(entry);
    return entry;
  };
  const operator: Actor = { sub: 'operator:veb-rf-kuznetsova', role: 'operator' };
  const evaluator: Actor = { sub: 'evaluator:orlova', role: 'evaluator' };
  const ministry: Actor = { sub: 'ministry:petrov', role: 'ministry' };
  const treasury: Actor = { sub: 'ministry:sokolova', role: 'ministry' };
  const system: Actor = { sub: 'sib-evaluate', role: 'system' };
  const hash = specHash(spec);
  const batch = (n: number, at: string, records: number) =>
    add('evidence.batch', at, operator, {
      batch: `b-${String(n).padStart(4, '0')}`,
      records,
      archive: { key: `evidence/${CONTRACT}/b-${String(n).padStart(4, '0')}.ndjson.gz`, sha256: hex(`batch ${n}`) },
    });
  const evaluation = (period: string, at: string, total: string) => {
    const size = entries.length;
    const root = toHex(rootFromLeaves(entries.map((e) => entryHash(encodeEntry(e)))));
    const result = hex(`evaluation ${period}`);
    return add('evaluation.recorded', at, system, {
      period,
      checkpoint: { size, root },
      contract: { version: spec.version, hash },
      result: { sha256: result, key: `evaluations/${CONTRACT}/${period}/${result}.json` },
      total,
      currency: spec.currency,
    });
  };
  const step = (kind: string, at: string, actor: Actor, payment: Entry, extra: Record<string, unknown> = {}) =>
    add(kind, at, actor, {
      payment: payment.seq,
      period: (payment.body as { period: string }).period,
      result: (payment.body as { result: { sha256: string } }).result.sha256,
      total: (payment.body as { total: string }).total,
      ...extra,
    });

  const registration = add('contract.registered', '2023-08-01T06:00:00.000Z', operator, { spec: hash });
  for (let i = 1; i <= 9; i++) batch(i, `2024-0${Math.min(i, 8)}-1${i % 10}T08:30:00.000Z`, 180 + 37 * i);
  const y1 = evaluation('y1', '2024-09-02T10:00:00.000Z', '3000000000');
  const y1Steps = [
    step(PAYMENT_ATTESTED_KIND, '2024-09-05T11:20:00.000Z', evaluator, y1),
    step(PAYMENT_APPROVED_KIND, '2024-09-16T14:05:00.000Z', ministry, y1),
    step(PAYMENT_PAID_KIND, '2024-09-30T07:40:00.000Z', treasury, y1, { paymentOrder: '1418', paidOn: '2024-09-30' }),
  ];
  for (let i = 10; i <= 17; i++) batch(i, `2025-0${i - 9}-0${(i % 9) + 1}T08:30:00.000Z`, 150 + 41 * i);
  const y2 = evaluation('y2', '2025-09-02T10:00:00.000Z', y2Total);
  const attested = step(PAYMENT_ATTESTED_KIND, '2025-09-08T09:14:27.512Z', evaluator, y2);
  const approved = step(PAYMENT_APPROVED_KIND, '2025-09-15T13:02:11.040Z', ministry, y2);
  const paid = step(PAYMENT_PAID_KIND, '2025-09-30T07:45:00.000Z', treasury, y2, {
    paymentOrder: '1842',
    paidOn: '2025-09-30',
  });

  const leaves = entries.map((e) => entryHash(encodeEntry(e)));
  const root = rootFromLeaves(leaves);
  const proven = (e: Entry): ProvenEntry => ({
    seq: e.seq,
    entry: new TextDecoder().decode(encodeEntry(e)),
    leafHash: toHex(leaves[e.seq] as Uint8Array),
    proof: inclusionProof(leaves, e.seq).map(toHex),
  });
  const signature = (name: string) =>
    `\u2014 ${name} ${toBase64(new Uint8Array([...sha256(utf8(`key ${name}`)).subarray(0, 4), ...sha256(utf8(`sig ${name}`)), ...sha256(utf8(`sig2 ${name}`))]))}\n`;
  const text = formatCheckpoint({ origin: `${LOG}/${CONTRACT}`, size: entries.length, root });
  return {
    size: entries.length,
    root: toHex(root),
    note: `${text}\n${signature(LOG)}${signature(WITNESS)}`,
    registration: proven(registration),
    y1,
    y1Proven: proven(y1),
    y1Steps: [
      { step: 'attested' as const, entry: proven(y1Steps[0] as Entry) },
      { step: 'approved' as const, entry: proven(y1Steps[1] as Entry) },
      { step: 'paid' as const, entry: proven(y1Steps[2] as Entry) },
    ],
    y2: proven(y2),
    y2Checkpoint: (y2.body as { checkpoint: { size: number; root: string } }).checkpoint,
    steps: [
      { step: 'attested' as const, entry: proven(attested) },
      { step: 'approved' as const, entry: proven(approved) },
      { step: 'paid' as const, entry: proven(paid) },
    ],
  };
}

/** The report the PDF tests render. */
export function sampleReport(): AuditReport {
  const spec = loadSpec();
  const period = spec.periods.find((p) => p.id === 'y2');
  if (period === undefined) throw new Error('no period y2');
  const rule = spec.payments.find((p) => p.id === 'subsidy-y2');
  if (rule === undefined || rule.kind !== 'all-or-nothing') throw new Error('no rule subsidy-y2');

  const employed = rate(spec, 'employed', 71, 188, {
    pending: 34,
    groups: [cohort('2023', 41, 102), cohort('2024', 29, 83), cohort('2025', 1, 3)],
  });
  const permanent = rate(spec, 'permanent-employment', 17, 166, {
    pending: 56,
    groups: [cohort('2023', 11, 97), cohort('2024', 6, 66), cohort('2025', 0, 3)],
  });
  const sustained = rate(spec, 'sustained-employment', 24, 166, { pending: 56 });
  const reoffending = rate(spec, 'reoffending', 29, 166, { pending: 56 });
  const enrolled: MetricValue = {
    id: 'enrolled',
    title: spec.metrics[0]?.title ?? 'enrolled',
    kind: 'enrolled',
    unit: 'count',
    value: '248',
    illustrative: true,
  };
  const services: MetricValue = {
    id: 'services',
    title: spec.metrics.find((m) => m.id === 'services')?.title ?? 'services',
    kind: 'services',
    unit: 'groups',
    value: '1095',
    groups: [
      { group: 'employment-assistance', value: '412' },
      { group: 'job-retention-support', value: '188' },
      { group: 're-socialisation', value: '240' },
      { group: 'legal-aid', value: '97' },
      { group: 'psychological-help', value: '155' },
      { group: 'education', value: '3' },
    ],
  };
  const wages: MetricValue = {
    id: 'wages',
    title: spec.metrics.find((m) => m.id === 'wages')?.title ?? 'wages',
    kind: 'wages',
    unit: 'money',
    value: '1284513200',
  };
  const values = new Map(
    [employed, permanent, sustained, reoffending, enrolled, services, wages].map((v) => [v.id, v]),
  );
  const indicators: IndicatorCheck[] = indicatorChecks(spec, rule, values);

  const comparison = (id: string, metric: MetricValue, baseline: string): ComparisonResult => ({
    id,
    metric: metric.id,
    kind: 'baseline',
    group: 'all',
    effect: 'difference',
    treatment: {
      value: metric.value,
      ...(metric.numerator === undefined ? {} : { numerator: metric.numerator }),
      ...(metric.denominator === undefined ? {} : { denominator: metric.denominator }),
      ...(metric.interval === undefined ? {} : { interval: metric.interval }),
    },
    comparison: { value: fixed(baseline), source: 'baseline in the contract' },
    effectSize: fixed(new Decimal(metric.value).minus(baseline)),
  });

  const log = buildLog(spec, rule.amount);
  const returnCap = spec.returnCap;
  if (returnCap === undefined) throw new Error('no return cap');
  return {
    format: REPORT_FORMAT,
    contract: { id: spec.id, version: spec.version, hash: specHash(spec), spec, registration: log.registration },
    period,
    checkpoint: { size: log.size, root: log.root, note: log.note },
    evaluation: {
      entry: log.y2,
      resultSha256: hex('evaluation y2'),
      evaluatedAt: log.y2Checkpoint,
      records: 48_316,
      batches: 17,
      participants: { enrolled: 248, withdrawn: 9 },
      metrics: [
        reported(spec, enrolled),
        reported(spec, employed, ['2025']),
        reported(spec, permanent, ['2025']),
        reported(spec, sustained),
        reported(spec, reoffending),
        reported(spec, services, ['education']),
        reported(spec, wages),
      ],
      comparisons: [
        comparison('employed-vs-baseline', employed, '0.30'),
        comparison('permanent-vs-baseline', permanent, '0.05'),
      ],
      triggers: [],
      indicators,
    },
    payments: {
      currency: 'RUB',
      minorUnit: 2,
      lines: [
        {
          rule: 'subsidy-y2',
          kind: 'all-or-nothing',
          type: 'payment',
          outcomes: 1,
          amount: '3500000000',
          due: '3500000000',
          cappedBy: [],
          figures: { basis: 'indicators', tolerance: '90%', amount: '3500000000', failed: [] },
          formula: 'every indicator within 90% of target: 35,000,000.00 RUB',
        },
      ],
      total: '3500000000',
      paidBefore: '3000000000',
      cumulative: '6500000000',
      caps: [
        { cap: 'overall', limit: '11000000000', before: '3000000000', after: '6500000000', binding: false },
        {
          cap: 'return cap (6% a year on 100,000,000.00 to 2025-09-30)',
          limit: returnCapLimit(returnCap, period.paymentDate).toString(),
          before: '3000000000',
          after: '6500000000',
          binding: false,
        },
      ],
      allocation: [{ investor: 'veb-dv', share: '1', amount: '3500000000' }],
    },
    earlier: [{ period: 'y1', evaluation: log.y1Proven, steps: log.y1Steps }],
    workflow: { state: 'paid', steps: log.steps },
    witnesses: [WITNESS],
    issued: { at: '2025-09-30T08:00:00.000Z' },
    signature: {
      keyName: LOG,
      keyId: toHex(sha256(utf8(`key ${LOG}`)).subarray(0, 4)),
      value: toBase64(sha256(utf8('report'))),
    },
  };
}

/** What the earlier period measured, for the chart (as the CLI reads it from y1's evaluation). */
export function sampleHistory(): { period: string; metrics: Record<string, string>; total: string }[] {
  return [
    {
      period: 'y1',
      metrics: { employed: '0.331250', 'permanent-employment': '0.075000', reoffending: '0.190476' },
      total: '3000000000',
    },
  ];
}
