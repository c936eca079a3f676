import { ContractProfileSchema } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { table } from '../../cli/table.ts';
import {
  ANTARES_CONTRACT,
  clientsOf,
  evaluate,
  groupsOf,
  indent,
  mark,
  metric,
  type ProgrammeOptions,
  recordsOfType,
  registerSpec,
  type Say,
  stdout,
  submitMonthly,
} from '../programmes.ts';
import { antaresEvidence } from './evidence.ts';
import { antaresFlags } from './flags.ts';
import { ANTARES_ROLES, STAFF_CATEGORY } from './people.ts';
import {
  ANTARES_AGE_BANDS,
  ANTARES_SERVICES,
  ANTARES_STATUSES,
  type AntaresService,
  antaresPublished,
} from './published.ts';

/**
 * The Antares A pilot (2017) run through the HTTP API: the report's service
 * counts and participant breakdowns reproduced from evidence, printed beside
 * the published figures, then the FLAGS where the published figures do not
 * add up.
 */

const SERVICE_LABELS: Readonly<Record<AntaresService, string>> = {
  'social-package': 'social package (food + hygiene kit)',
  'medical-referral': 'medical referrals',
  'addiction-treatment': 'addiction treatment ("coding")',
  'medical-exam': 'medical exam (form 086)',
  'id-documents': 'ID documents',
  education: 'education',
  'legal-aid': 'legal aid',
  'psychological-help': 'psychological help',
  leisure: 'leisure',
};

const STATUS_LABELS: Readonly<Record<string, string>> = {
  youth: 'youth',
  'civil-servant': 'civil servants',
  'public-sector': 'public-sector workers',
  disabled: 'disabled',
  'aged-50-plus': 'aged 50 and over',
  unemployed: 'unemployed',
  ngo: 'NGO representatives',
  business: 'business representatives',
  other: 'other',
};

/** The published figures compared so far with those from evidence: every difference, in order. */
class Comparison {
  readonly differs: string[] = [];
  /** `yes` or `NO`, noting a difference. */
  compare(what: string, evidence: number, published: number): string {
    if (evidence !== published) this.differs.push(`${what}: ${evidence} from evidence, ${published} published`);
    return mark(evidence === published);
  }
}

/** The services read back from the ledger, per participant served. */
interface Served {
  readonly services: number;
  readonly served: number;
  readonly counts: readonly number[];
}

const p = antaresPublished;

/**
 * The Antares A pilot: registers the contract, submits the constructed
 * evidence (evidence.ts antaresEvidence: 257 enrolments, 210 services) in
 * monthly batches, evaluates the single period, reads the services back from
 * the ledger, and prints the service counts and participant breakdowns beside
 * the published figures, then the FLAGS. True when every figure reproduced
 * from evidence equals the published one it should (the flags are about the
 * report, and do not make it false).
 */
export async function runAntares(options: ProgrammeOptions = {}): Promise<boolean> {
  const say = options.say ?? stdout;
  const contract = options.contract ?? ANTARES_CONTRACT;
  const clients = await clientsOf('antares', options, contract);
  say(
    `\nAntares A pilot, East Kazakhstan, ${p.term.from}..${p.term.to} (${contract}): the fund's report reproduced from evidence, through the HTTP API`,
  );
  const { spec, seq } = await registerSpec(clients, contract, say);
  const records = antaresEvidence(ContractProfileSchema.parse(spec));
  const last = await submitMonthly(clients, contract, records, 'antares', say);
  const period = (spec as { periods: { id: string }[] }).periods[0]?.id ?? 'pilot';
  const run = await evaluate(clients, contract, period, Math.max(seq, last) + 1, say);
  const result = run.result;
  say(
    `  ${result.inputs.records} records in ${result.inputs.batches} batches; ${result.participants.enrolled} enrolled; result ${run.sha256}`,
  );
  const served = servedOf(await recordsOfType(clients, contract, 'service'));
  say(
    `The evaluator reads the services back from the ledger (GET /contracts/{contract}/records?type=service): ${served.services} records, ${served.served} participants`,
  );
  const comparison = new Comparison();
  sayServices(say, result, served, comparison);
  sayParticipants(say, result, served, comparison);
  sayBySex(say, result, comparison);
  sayByAge(say, result, comparison);
  sayByStatus(say, result, comparison);
  sayFlags(say);
  return sayVerdict(say, comparison.differs);
}

function servedOf(services: readonly StoredRecord[]): Served {
  const perParticipant = new Map<string, number>();
  for (const r of services) perParticipant.set(r.participant, (perParticipant.get(r.participant) ?? 0) + 1);
  return { services: services.length, served: perParticipant.size, counts: [...perParticipant.values()] };
}

/** Services by type beside the report's, and services per pilot participant. */
function sayServices(say: Say, result: EvaluationResult, served: Served, c: Comparison): void {
  const delivered = groupsOf(result, 'services');
  const planned = new Map((metric(result, 'services').groups ?? []).map((g) => [g.group, g.planned]));
  const total = Number(metric(result, 'services').value);
  say('\nServices by type (delivered: the evaluation\'s "services" metric; published: the report\'s text)');
  const rows = ANTARES_SERVICES.map((t) => [
    SERVICE_LABELS[t],
    t,
    delivered.get(t) ?? 0,
    p.services[t],
    planned.get(t) ?? p.servicesPlanned[t] ?? '',
    c.compare(`services ${t}`, delivered.get(t) ?? 0, p.services[t]),
  ]);
  rows.push([
    'total',
    '',
    total,
    `${p.arithmetic.servicesListed} listed, ${p.arithmetic.servicesReported} reported`,
    '',
    `${c.compare('services listed', total, p.arithmetic.servicesListed)} (listed), ${mark(total === p.arithmetic.servicesReported)} (reported)`,
  ]);
  say(indent(table(['service', 'type', 'delivered', 'published', 'planned', 'same?'], rows)));
  const { counts } = served;
  const mean = served.served === 0 ? 0 : served.services / served.served;
  say(
    `\n  Services per pilot participant (from the ledger): min ${counts.length === 0 ? 0 : Math.min(...counts)}, mean ${mean.toFixed(2)}, max ${counts.length === 0 ? 0 : Math.max(...counts)}` +
      ` (the report: "at least 2 components" each; ${p.pilot.services}/${p.pilot.enrolled} = ${p.arithmetic.servicesPerParticipantReported.toFixed(2)} on its total)`,
  );
}

/** The pilot's participants and the project's, beside the report's, and what the 257 are. */
function sayParticipants(say: Say, result: EvaluationResult, served: Served, c: Comparison): void {
  const enrolledMetric = metric(result, 'enrolled');
  say('\nParticipants');
  const rows = [
    [
      'in the pilot (with services)',
      served.served,
      p.pilot.enrolled,
      p.pilot.planned,
      c.compare('pilot participants', served.served, p.pilot.enrolled),
    ],
    [
      '"participants of the project"',
      result.participants.enrolled,
      p.participants.total,
      '',
      c.compare('participants of the project', result.participants.enrolled, p.participants.total),
    ],
  ];
  say(indent(table(['figure', 'from evidence', 'published', 'planned', 'same?'], rows)));
  const target = enrolledMetric.target;
  say(
    `  The contract's "enrolled" metric counts every enrolment: ${enrolledMetric.value}${target === undefined ? '' : ` (target ${target.direction === 'at-least' ? '≥' : '≤'} ${target.value}: ${enrolledMetric.met === true ? 'met' : 'not met'})`}; the pilot's ${served.served} are those with services.`,
  );
  const composition = ANTARES_ROLES.map((r) => `${r.count} ${r.role}`).join(' + ');
  say(`  The evidence holds the 257 as the report's events account for them: ${composition}.`);
}

function sayBySex(say: Say, result: EvaluationResult, c: Comparison): void {
  const bySex = groupsOf(result, 'participants-by-sex');
  say('\nParticipants by sex (the evaluation\'s "participants-by-sex" metric)');
  const rows = (['male', 'female'] as const).map((s) => [
    s,
    bySex.get(s) ?? 0,
    p.participants.bySex[s],
    c.compare(`sex ${s}`, bySex.get(s) ?? 0, p.participants.bySex[s]),
  ]);
  say(indent(table(['sex', 'from evidence', 'published', 'same?'], rows)));
}

function sayByAge(say: Say, result: EvaluationResult, c: Comparison): void {
  const byAge = groupsOf(result, 'participants-by-age');
  say('\nParticipants by age at enrolment ("participants-by-age")');
  const rows = ANTARES_AGE_BANDS.map((b) => {
    // 13-16 is not a band of the contract: anyone that young would be in its "other" group.
    const evidence = byAge.get(b.id) ?? (b.id === '13-16' ? (byAge.get('other') ?? 0) : 0);
    return [
      b.id,
      evidence,
      p.participants.byAgeBand[b.id],
      c.compare(`age ${b.id}`, evidence, p.participants.byAgeBand[b.id]),
    ];
  });
  say(indent(table(['age band', 'from evidence', 'published', 'same?'], rows)));
}

function sayByStatus(say: Say, result: EvaluationResult, c: Comparison): void {
  const byStatus = groupsOf(result, 'participants-by-status');
  say('\nParticipants by social status ("participants-by-status")');
  const rows = [
    ['children', '(none in the model)', '', p.participants.children, ''],
    ...ANTARES_STATUSES.map((s) => [
      STATUS_LABELS[s] ?? s,
      s,
      byStatus.get(s) ?? 0,
      p.participants.byStatus[s],
      c.compare(`status ${s}`, byStatus.get(s) ?? 0, p.participants.byStatus[s]),
    ]),
  ];
  if (byStatus.has('not-recorded')) {
    const notRecorded = byStatus.get('not-recorded') ?? 0;
    rows.push(['not recorded', '', notRecorded, 0, c.compare('status not recorded', notRecorded, 0)]);
  }
  say(indent(table(['status', 'field value', 'from evidence', 'published', 'same?'], rows)));
}

function sayFlags(say: Say): void {
  const flags = antaresFlags(p);
  say('\nFLAGS: where the published figures do not add up');
  for (const [i, f] of flags.entries()) say(`  ${i + 1}. [${f.id}] ${f.message}`);
  const staff = ANTARES_ROLES.filter((r) => r.categories[STAFF_CATEGORY] === r.count).reduce((s, r) => s + r.count, 0);
  say(
    `  Note: an enrolment must carry a criminal-law category; the ${staff} staff and partners among the 257 have none, and are recorded as "${STAFF_CATEGORY}", so the contract's participants-by-category figure overstates them.`,
  );
}

/** Whether every figure was reproduced, said and returned. */
function sayVerdict(say: Say, differs: readonly string[]): boolean {
  const ok = differs.length === 0;
  say(
    ok
      ? "\nReproduced from evidence: every service count and breakdown equals the published figure (the flags above are the report's own arithmetic)."
      : `\nNOT REPRODUCED: ${differs.join('; ')}`,
  );
  return ok;
}
