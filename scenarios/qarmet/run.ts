import { ContractProfileSchema } from '#contracts';
import { type EvaluationResult, formatMoney } from '#evaluation';
import { type EvidenceInput, formatCount } from '#evidence';
import { showValue } from '../../cli/evaluation-view.ts';
import { table } from '../../cli/table.ts';
import { todayEarliestZone } from '../../functions/shared/clock.ts';
import {
  clientsOf,
  evaluate,
  indent,
  metric,
  type ProgrammeOptions,
  QARMET_CONTRACT,
  QARMET_SEED,
  registerSpec,
  type Say,
  type ScenarioClients,
  stdout,
  submitMonthly,
} from '../programmes.ts';
import { QARMET_PARTICIPANTS, qarmetEvidence } from './cohort.ts';
import { qarmetFigures } from './figures.ts';

/**
 * The Qarmet pilot (2026) run through the HTTP API: days worked, wages,
 * incidents and upkeep avoided per month and in total, each period's
 * evaluation checked against a recomputation from the records submitted.
 */

/** One period's evaluated figures. */
interface QarmetRow {
  readonly period: string;
  readonly enrolled: number;
  readonly withdrawn: number;
  readonly employed: string;
  readonly days: number;
  readonly wages: bigint;
  readonly incidents: number;
  readonly upkeep: bigint;
}

/** The contract's periods, as the spec gives them. */
type Period = { readonly id: string; readonly to: string };

/** Every period evaluated: its rows, the differences from the recomputation, and the currency. */
interface Evaluated {
  readonly rows: QarmetRow[];
  readonly differs: string[];
  readonly minorUnit: number;
  readonly currency: string;
}

/** The cohort in one sentence, counted from its records. */
function cohortStory(records: readonly EvidenceInput[]): string {
  const enrolledOn = new Map<string, string>();
  const started = new Map<string, string>();
  const count = (type: string) => records.filter((r) => r.type === type).length;
  let dismissed = 0;
  for (const r of records) {
    if (r.type === 'enrolment') enrolledOn.set(r.participant, r.date);
    if (r.type === 'employment-started' && !started.has(r.participant)) started.set(r.participant, r.date);
    if (r.type === 'employment-ended' && r.reason === 'dismissed') dismissed++;
  }
  const onArrival = [...started].filter(([p, d]) => enrolledOn.get(p) === d).length;
  return (
    `${enrolledOn.size} enrolled in February; ${onArrival} at work for the employer from arrival, ${started.size - onArrival} some days later, ` +
    `${enrolledOn.size - started.size} never (unfit at the medical check); ${count('employment-confirmed')} months confirmed by the employer; ` +
    `${count('probation-violation')} violations (${dismissed} taken off the work), ${count('withdrawal')} withdrawals`
  );
}

/**
 * The Qarmet pilot: registers the contract, submits a seeded cohort
 * (cohort.ts qarmetEvidence, seed QARMET_SEED) in monthly batches, evaluates
 * each month in order (each at the checkpoint right after the previous step),
 * and prints days worked, wages, incidents and upkeep avoided per month and
 * in total. True when every period's figures equal those recomputed straight
 * from the records submitted.
 */
export async function runQarmet(options: ProgrammeOptions = {}): Promise<boolean> {
  const say = options.say ?? stdout;
  const contract = options.contract ?? QARMET_CONTRACT;
  const clients = await clientsOf('qarmet', options, contract);
  const today = options.today ?? todayEarliestZone();
  say(`\nQarmet pilot, Karaganda region (${contract}): convicts at work on the employer's sites, through the HTTP API`);
  const { spec, seq } = await registerSpec(clients, contract, say);
  const records = qarmetEvidence(ContractProfileSchema.parse(spec), QARMET_SEED, { until: today });
  say(
    `A seeded cohort (seed ${QARMET_SEED}, ${QARMET_PARTICIPANTS} convicts serving a sentence, evidence up to ${records.at(-1)?.date}).`,
  );
  say(`  ${cohortStory(records)}`);
  const last = await submitMonthly(clients, contract, records, 'qarmet', say);
  const periods = (spec as { periods: Period[] }).periods.filter((q) => q.to.slice(0, 10) <= today);
  const unitValue = BigInt(
    (spec as { metrics: { id: string; unitValue?: string }[] }).metrics.find((m) => m.id === 'upkeep-avoided')
      ?.unitValue ?? '0',
  );
  const evaluated = await evaluatePeriods(clients, contract, periods, Math.max(seq, last) + 1, records, unitValue, say);
  sayTables(say, evaluated, unitValue);
  const { rows, differs } = evaluated;
  const ok = differs.length === 0 && rows.length > 0;
  say(
    ok
      ? `Recomputed straight from the ${records.length} records submitted: every month's figures equal the evaluations.`
      : `FIGURES DIFFER: ${differs.length === 0 ? 'no period has ended yet' : differs.join('; ')}`,
  );
  return ok;
}

/** Evaluates each period in order, each at the checkpoint right after the step before, checking it against the records. */
async function evaluatePeriods(
  clients: ScenarioClients,
  contract: string,
  periods: readonly Period[],
  firstCheckpoint: number,
  records: readonly EvidenceInput[],
  unitValue: bigint,
  say: Say,
): Promise<Evaluated> {
  let checkpoint = firstCheckpoint;
  const rows: QarmetRow[] = [];
  const differs: string[] = [];
  let minorUnit = 2;
  let currency = 'KZT';
  for (const period of periods) {
    const run = await evaluate(clients, contract, period.id, checkpoint, say);
    checkpoint = run.entry.seq + 1;
    minorUnit = run.result.payments.minorUnit;
    currency = run.result.payments.currency;
    const row = rowOf(period.id, run.result);
    rows.push(row);
    differs.push(...differences(row, records, period.to, unitValue));
  }
  return { rows, differs, minorUnit, currency };
}

function rowOf(period: string, r: EvaluationResult): QarmetRow {
  const employed = metric(r, 'employed');
  return {
    period,
    enrolled: r.participants.enrolled,
    withdrawn: r.participants.withdrawn,
    employed:
      (employed.denominator ?? 0) === 0
        ? `n/a (${employed.pending ?? 0} pending)`
        : `${showValue(employed, r)} (${employed.numerator ?? 0}/${employed.denominator}${employed.pending ? `, ${employed.pending} pending` : ''})`,
    days: Number(metric(r, 'days-worked').value),
    wages: BigInt(metric(r, 'wages').value),
    incidents: Number(metric(r, 'incidents').value),
    upkeep: BigInt(metric(r, 'upkeep-avoided').value),
  };
}

/** Where a period's evaluated figures differ from those recomputed from the records up to its end. */
function differences(row: QarmetRow, records: readonly EvidenceInput[], to: string, unitValue: bigint): string[] {
  const expected = qarmetFigures(records, to);
  const differs: string[] = [];
  const check = (what: string, got: string, want: string) => {
    if (got !== want) differs.push(`${row.period} ${what}: ${got} evaluated, ${want} from the records`);
  };
  check('enrolled', String(row.enrolled), String(expected.enrolled));
  check('withdrawn', String(row.withdrawn), String(expected.withdrawn));
  check('days worked', String(row.days), String(expected.daysWorked));
  check('wages', String(row.wages), String(expected.wages));
  check('incidents', String(row.incidents), String(expected.incidents));
  check('upkeep avoided', String(row.upkeep), String(BigInt(expected.daysWorked) * unitValue));
  return differs;
}

/** The cumulative figures per period, each month's difference, and the total. */
function sayTables(say: Say, evaluated: Evaluated, unitValue: bigint): void {
  const { rows, minorUnit, currency } = evaluated;
  const money = (v: bigint) => formatMoney(v, minorUnit);
  sayCumulative(say, rows, currency, money);
  sayMonthly(say, rows, currency, money);
  const final = rows.at(-1);
  if (final !== undefined) {
    say(
      `\nTotal over the pilot (${final.period}, the final evaluation): ${final.enrolled} convicts enrolled, ${final.withdrawn} withdrew; ${formatCount(final.days)} days worked; wages ${money(final.wages)} ${currency}; ${final.incidents} incidents; upkeep avoided ${money(final.upkeep)} ${currency} *`,
    );
  }
  say(
    `  * ${money(unitValue)} ${currency} a day of upkeep: illustrative, not in the source (the contract marks it so)`,
  );
}

type Money = (v: bigint) => string;

function sayCumulative(say: Say, rows: readonly QarmetRow[], currency: string, money: Money): void {
  say(
    `\nAs evaluated at the end of each month (cumulative from enrolment; a withdrawn participant is left out of the whole term, as the contract says)`,
  );
  const headers = [
    'period',
    'enrolled',
    'withdrawn',
    'employed (60 days)',
    'days worked',
    `wages (${currency})`,
    'incidents',
    `upkeep avoided (${currency}) *`,
  ];
  const cells = rows.map((w) => [
    w.period,
    w.enrolled,
    w.withdrawn,
    w.employed,
    formatCount(w.days),
    money(w.wages),
    w.incidents,
    money(w.upkeep),
  ]);
  say(indent(table(headers, cells)));
}

function sayMonthly(say: Say, rows: readonly QarmetRow[], currency: string, money: Money): void {
  say('\nIn each month (the difference between consecutive evaluations; a withdrawal also takes back earlier months)');
  const headers = [
    'month',
    'enrolled',
    'withdrew',
    'days worked',
    `wages (${currency})`,
    'incidents',
    `upkeep avoided (${currency}) *`,
  ];
  const cells = rows.map((w, i) => {
    const b = rows[i - 1];
    return [
      w.period,
      w.enrolled - (b?.enrolled ?? 0),
      w.withdrawn - (b?.withdrawn ?? 0),
      formatCount(w.days - (b?.days ?? 0)),
      money(w.wages - (b?.wages ?? 0n)),
      w.incidents - (b?.incidents ?? 0),
      money(w.upkeep - (b?.upkeep ?? 0n)),
    ];
  });
  say(indent(table(headers, cells)));
}
