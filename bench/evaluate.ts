/**
 * Evaluation benchmark (issue 4): evaluate() in-process over 100,000
 * participants and 2,000,000 evidence events, and half that, each size in a
 * child process of its own so its peak RSS is its own.
 *
 * The events are generated deterministically as the evaluation reads them
 * (20 per participant: enrolment, release, services, jobs, monthly
 * confirmations, some reconvictions, custody, violations, withdrawals and
 * corrections). Generation alone is timed in a separate pass first and
 * subtracted, so the figures are the evaluator's own.
 *
 * The contract is Second Chance with one period over the whole term and a
 * per-outcome price on employment and on sustained employment, so every
 * participant's outcome is keyed and accounted for.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ContractSpec, parseContractSpec, specHash } from '#contracts';
import { encodeResult } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { dayNumber, isoDay } from '#kernel';
import type { Entry } from '#ledger';
import { CONTRACT_REGISTERED_KIND, EVIDENCE_BATCH_KIND } from '#ledger';
import { Evaluation } from '#services';
import { mulberry32 } from '../scenarios/random.ts';

export interface EvaluateBenchStep {
  readonly participants: number;
  readonly events: number;
  /** Generating the events alone (subtracted below). */
  readonly generateSeconds: number;
  /** Feeding the events to the evaluator (timelines), generation excluded. */
  readonly addSeconds: number;
  /** Metrics, comparisons, payments and the canonical result. */
  readonly finishSeconds: number;
  readonly evaluateSeconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly resultBytes: number;
  readonly outcomeLines: number;
}

export interface EvaluateBench {
  readonly steps: readonly EvaluateBenchStep[];
  /** Time at the larger size over time at the smaller (target: at most 2.3 for twice the data). */
  readonly doublingRatio: number;
}

const EVENTS_PER_PARTICIPANT = 20;
const ROOT = join(import.meta.dirname, '..');

export function benchSpec(): ContractSpec {
  const base = JSON.parse(readFileSync(join(ROOT, 'contracts/second-chance-kamchatka.json'), 'utf8'));
  const term = base.term as { from: string; to: string };
  return parseContractSpec({
    ...base,
    id: 'bench-evaluate',
    periods: [{ id: 'term', from: term.from, to: term.to, paymentDate: '2026-06-30', final: true }],
    payments: [
      {
        id: 'subsidy',
        kind: 'all-or-nothing',
        indicators: ['employed', 'permanent-employment', 'reoffending'],
        tolerance: '0.9',
        amount: '4500000000',
        periods: ['term'],
      },
      { id: 'per-job', kind: 'per-outcome', metric: 'employed', price: '5000000' },
      { id: 'per-sustained', kind: 'per-outcome', metric: 'sustained-employment', price: '10000000' },
    ],
    caps: { overall: '900000000000000' },
    returnCap: undefined,
    illustrative: undefined,
    // The shipped English texts name the shipped periods and rules, replaced here.
    translations: undefined,
  });
}

/** The events of participant `n`: exactly EVENTS_PER_PARTICIPANT, in date order, deterministic. */
function* participantEvents(n: number, spec: ContractSpec): Generator<StoredRecord> {
  const rng = mulberry32(0x5eed + n * 7919);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const p = `p-${n.toString(16).padStart(32, '0')}`;
  const from = dayNumber(spec.term.from);
  const to = dayNumber(spec.term.to);
  const enrolled = from + int(0, Math.floor((to - from) * 0.8));
  const cohort = isoDay(enrolled).slice(0, 4);
  const category = (['serving-sentence', 'probation', 'released'] as const)[int(0, 2)] as StoredRecord & string;
  let k = 0;
  const id = () => `b-${n}-${k++}`;
  const common = (type: string, day: number, source = 'operator') => ({
    eventId: id(),
    participant: p,
    type,
    date: isoDay(Math.min(day, to)),
    source,
  });
  const out: StoredRecord[] = [];
  const push = (r: object) => out.push(r as StoredRecord);
  push({
    ...common('enrolment', enrolled),
    cohort: spec.cohorts.includes(cohort) ? cohort : (spec.cohorts[0] as string),
    category,
    sex: rng() < 0.86 ? 'male' : 'female',
    birthYear: 1970 + int(0, 30),
    consentSha256: 'c'.repeat(64),
  });
  let free = enrolled;
  if (category === 'serving-sentence') {
    free = Math.min(to, enrolled + int(10, 200));
    push({ ...common('release', free, 'probation-service'), institution: 'IK-6' });
  }
  for (let i = 0; i < 3; i++) {
    push({ ...common('service', free + int(0, 120)), serviceType: spec.serviceTypes[int(0, 5)], provider: 'PROV-1' });
  }
  if (rng() < 0.45) {
    const start = free + int(7, 150);
    const permanent = rng() < 0.25;
    push({
      ...common('employment-started', start, 'employer'),
      employerId: 'EMP-1',
      contractType: permanent ? 'permanent' : 'fixed-term',
      monthlyWage: String(int(45, 100) * 100_000),
    });
    const length = int(20, 400);
    if (!permanent && start + length < to) {
      push({
        ...common('employment-ended', start + length, 'employer'),
        employerId: 'EMP-1',
        reason: 'contract-ended',
      });
    }
    for (let m = 1; m <= 6 && start + 30 * m <= to; m++) {
      push({
        ...common('employment-confirmed', start + 30 * m, 'tax-records'),
        employerId: 'EMP-1',
        month: isoDay(start + 30 * m - 20).slice(0, 7),
      });
    }
  }
  if (rng() < 0.15) {
    const day = free + int(30, 500);
    if (day < to) {
      push({ ...common('custody-spell', day - 20, 'court'), to: isoDay(Math.min(day, to)) });
      push({ ...common('reconviction', day, 'court'), offenceDate: isoDay(day - 30) });
    }
  }
  if (category === 'probation' && rng() < 0.2) push({ ...common('probation-violation', enrolled + int(10, 300)) });
  if (rng() < 0.04) push({ ...common('withdrawal', enrolled + int(30, 400)), reason: 'moved-away' });
  if (n % 1000 === 0 && out.length > 3) {
    push({ ...common('correction', to), supersedes: (out[2] as StoredRecord).eventId, reason: 'внесено ошибочно' });
  }
  // Pad with services to the fixed count.
  while (out.length < EVENTS_PER_PARTICIPANT) {
    push({ ...common('service', free + int(0, 600)), serviceType: spec.serviceTypes[int(0, 5)], provider: 'PROV-2' });
  }
  out.length = EVENTS_PER_PARTICIPANT;
  yield* out;
}

export function* allEvents(participants: number, spec: ContractSpec): Generator<StoredRecord> {
  for (let n = 1; n <= participants; n++) yield* participantEvents(n, spec);
}

/** One size, in this process: generation timed alone, then the evaluation. */
function step(participants: number): EvaluateBenchStep {
  const spec = benchSpec();
  const t0 = performance.now();
  let generated = 0;
  for (const _ of allEvents(participants, spec)) generated++;
  const generateSeconds = (performance.now() - t0) / 1000;

  const entries: Entry[] = [
    {
      v: 1,
      contract: spec.id,
      seq: 0,
      kind: CONTRACT_REGISTERED_KIND,
      at: '2026-11-01T00:00:00.000Z',
      actor: { sub: 'bench', role: 'ministry' },
      body: { spec: spec as never, specHash: specHash(spec) },
      prev: '0'.repeat(64),
    },
    {
      v: 1,
      contract: spec.id,
      seq: 1,
      kind: EVIDENCE_BATCH_KIND,
      at: '2026-11-01T00:00:01.000Z',
      actor: { sub: 'bench', role: 'operator' },
      body: {
        batchId: 'bench',
        recordCount: generated,
        archive: { key: 'archive/bench', sha256: '0'.repeat(64) },
        types: { service: generated },
      },
      prev: '0'.repeat(64),
    },
  ];
  const t1 = performance.now();
  const evaluation = new Evaluation({
    contract: spec.id,
    period: 'term',
    checkpoint: { size: 2, root: 'f'.repeat(64) },
    entries,
  });
  for (const r of allEvents(participants, spec)) evaluation.addRecord(r);
  const t2 = performance.now();
  const result = evaluation.finish(new Map());
  const { bytes } = encodeResult(result);
  const t3 = performance.now();
  const addSeconds = Math.max(0, (t2 - t1) / 1000 - generateSeconds);
  const finishSeconds = (t3 - t2) / 1000;
  const evaluateSeconds = addSeconds + finishSeconds;
  return {
    participants,
    events: generated,
    generateSeconds,
    addSeconds,
    finishSeconds,
    evaluateSeconds,
    eventsPerSecond: generated / evaluateSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    resultBytes: bytes.length,
    outcomeLines: result.outcomes.length,
  };
}

async function inChild(participants: number): Promise<EvaluateBenchStep> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--step', String(participants)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`evaluation benchmark step (${participants} participants) exited ${code}`);
  return JSON.parse(out) as EvaluateBenchStep;
}

export async function benchEvaluate(options: { participants?: readonly number[] } = {}): Promise<EvaluateBench> {
  const sizes = options.participants ?? [50_000, 100_000];
  const steps: EvaluateBenchStep[] = [];
  for (const n of sizes) steps.push(await inChild(n));
  const [small, large] = [steps[0], steps.at(-1)];
  return {
    steps,
    doublingRatio: small !== undefined && large !== undefined ? large.evaluateSeconds / small.evaluateSeconds : 0,
  };
}

if (process.argv[2] === '--step') {
  process.stdout.write(JSON.stringify(step(Number(process.argv[3]))));
} else if (import.meta.filename === process.argv[1]) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await benchEvaluate(quick ? { participants: [5_000, 10_000] } : {}), null, 2));
}
