import { ContractProfileSchema } from '#contracts';
import { type EvaluationResult, formatMoney } from '#evaluation';
import { type EvidenceInput, formatCount, type StoredRecord } from '#evidence';
import { ApiClient } from '../cli/api-client.ts';
import { readSpecFile } from '../cli/commands/contract.ts';
import { showValue } from '../cli/evaluation-view.ts';
import { table } from '../cli/table.ts';
import { issueToken } from '../functions/adapters/local-token.ts';
import { todayEarliestZone } from '../functions/shared/clock.ts';
import {
  ANTARES_AGE_BANDS,
  ANTARES_ROLES,
  ANTARES_SERVICES,
  ANTARES_STATUSES,
  type AntaresService,
  antaresEvidence,
  antaresFlags,
  antaresPublished,
  QARMET_PARTICIPANTS,
  qarmetEvidence,
  qarmetFigures,
  STAFF_CATEGORY,
} from './programme-cohorts.ts';

/**
 * The other two programmes of the seed (DOMAIN.md 2.2 and 2.3), run through
 * the HTTP API as their parties: the ministry (commissioner) registers the
 * contract, the operator submits the evidence month by month, the evaluator
 * evaluates each period and reads the ledger back. Idempotent: fixed batch
 * ids, and evaluations at the checkpoint right after the evidence (or the
 * previous evaluation), so a second run replays every write.
 *
 * - Antares A (2017): the report's service counts and participant
 *   breakdowns reproduced from evidence, printed beside the published
 *   figures, and FLAGS where the published figures do not add up.
 * - Qarmet (2026): days worked, wages, incidents and upkeep avoided per
 *   month and in total, checked against a recomputation from the records.
 */

export const ANTARES_CONTRACT = 'antares-vko-2017';
export const QARMET_CONTRACT = 'qarmet-karaganda-2026';
/** The Qarmet cohort's seed (scenarios/programme-cohorts.ts qarmetEvidence). */
export const QARMET_SEED = 2026;

export type Programme = 'antares' | 'qarmet';
export type Say = (line?: string) => void;

/** One API client per role, each with its own subject's token. */
export interface ScenarioClients {
  readonly ministry: ApiClient;
  readonly operator: ApiClient;
  readonly evaluator: ApiClient;
}

/** The subjects acting for each programme's parties (contracts/*.json `parties`). */
export const PROGRAMME_SUBJECTS: Readonly<Record<Programme, Readonly<Record<keyof ScenarioClients, string>>>> = {
  antares: { ministry: 'vko-akimat', operator: 'antares-a', evaluator: 'independent-evaluator' },
  qarmet: {
    ministry: 'karaganda-akimat',
    operator: 'chamber-of-entrepreneurs',
    evaluator: 'interagency-working-group',
  },
};

export interface ProgrammeOptions {
  /** Where to print (default stdout). */
  readonly say?: Say;
  /** The API's base URL and the data dir whose token key signs the tokens (the local gateway): used unless `clients` is given. */
  readonly url?: string;
  readonly dataDir?: string;
  /** Clients for the three roles, instead of issuing tokens. */
  readonly clients?: ScenarioClients;
  /** Another contract id with the same spec (tests): its file contracts/<id>.json (SIB_CONTRACTS_DIR) is registered. */
  readonly contract?: string;
  /** Today's date (default: the earliest time zone's), the last date evidence may carry. */
  readonly today?: string;
}

/** Development tokens of the local gateway for a programme's three subjects, on `contract` only. */
export async function programmeClients(
  programme: Programme,
  options: { url: string; dataDir: string; contract?: string },
): Promise<ScenarioClients> {
  const contract = options.contract ?? (programme === 'antares' ? ANTARES_CONTRACT : QARMET_CONTRACT);
  const subjects = PROGRAMME_SUBJECTS[programme];
  const client = async (role: keyof ScenarioClients) =>
    new ApiClient({
      baseUrl: options.url,
      token: (await issueToken({ dataDir: options.dataDir, sub: subjects[role], role, contracts: [contract] })).token,
    });
  return {
    ministry: await client('ministry'),
    operator: await client('operator'),
    evaluator: await client('evaluator'),
  };
}

const stdout: Say = (line = '') => {
  process.stdout.write(`${line}\n`);
};

async function clientsOf(programme: Programme, options: ProgrammeOptions, contract: string): Promise<ScenarioClients> {
  if (options.clients !== undefined) return options.clients;
  if (options.url === undefined || options.dataDir === undefined) {
    throw new Error('give the API url and the data dir (for the tokens), or clients');
  }
  return programmeClients(programme, { url: options.url, dataDir: options.dataDir, contract });
}

const indent = (text: string, by = '  ') => text.replace(/^/gm, by);

// ---- API steps shared by both programmes

interface Appended {
  readonly seq: number;
  readonly replayed: boolean;
}

interface EvaluationRun {
  readonly sha256: string;
  readonly key: string;
  readonly entry: Appended & { readonly treeSize: number };
  readonly result: EvaluationResult;
}

/** The ministry registers the contract spec (contracts/<id>.json); returns it with its entry. */
async function registerSpec(
  clients: ScenarioClients,
  contract: string,
  say: Say,
): Promise<{ spec: unknown; seq: number }> {
  const spec = await readSpecFile({ contract });
  const receipt = (
    await clients.ministry.call<{ version: number; seq: number; specHash: string; replayed: boolean }>(
      'registerContract',
      { body: spec },
    )
  ).body;
  say(
    `The ministry registers ${contract} version ${receipt.version} (POST /contracts): seq ${receipt.seq}  contract.registered${receipt.replayed ? '  (already there)' : ''}`,
  );
  return { spec, seq: receipt.seq };
}

/** The operator submits the records month by month (batch `<prefix>-YYYY-MM`); returns the last seq. */
async function submitMonthly(
  clients: ScenarioClients,
  contract: string,
  records: readonly EvidenceInput[],
  prefix: string,
  say: Say,
): Promise<number> {
  const months = new Map<string, EvidenceInput[]>();
  for (const r of records) {
    const month = r.date.slice(0, 7);
    const list = months.get(month) ?? [];
    list.push(r);
    months.set(month, list);
  }
  say(
    `The operator submits ${new Set(records.map((r) => r.participant)).size} participants' evidence (${records.length} records) in ${months.size} monthly batches (POST /contracts/{contract}/batches):`,
  );
  let last = 0;
  for (const [month, batch] of months) {
    const batchId = `${prefix}-${month}`;
    const receipt = (
      await clients.operator.call<{ seq: number; recordCount: number; replayed: boolean }>('submitBatch', {
        params: { contract },
        body: { batchId, records: batch },
      })
    ).body;
    last = Math.max(last, receipt.seq);
    say(
      `  ${batchId}  ${String(receipt.recordCount).padStart(4)} records  ${batch[0]?.date} .. ${batch.at(-1)?.date}  seq ${receipt.seq}${receipt.replayed ? '  (already there)' : '  accepted'}`,
    );
  }
  return last;
}

async function evaluate(
  clients: ScenarioClients,
  contract: string,
  period: string,
  checkpoint: number,
  say: Say,
): Promise<EvaluationRun> {
  const run = (
    await clients.evaluator.call<EvaluationRun>('evaluate', { params: { contract }, body: { period, checkpoint } })
  ).body;
  say(
    `The evaluator evaluates period ${period} at checkpoint ${checkpoint} (POST /contracts/{contract}/evaluations): seq ${run.entry.seq}  evaluation.recorded${run.entry.replayed ? '  (already there)' : ''}`,
  );
  return run;
}

/** Every record of a type in the ledger, page by page (the evaluator: pseudonyms, never references). */
async function recordsOfType(clients: ScenarioClients, contract: string, type: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = (
      await clients.evaluator.call<{ records: { record: StoredRecord }[]; next?: string }>('queryRecords', {
        params: { contract },
        query: { type, limit: 1000, cursor },
      })
    ).body;
    out.push(...page.records.map((r) => r.record));
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

type MetricOf = EvaluationResult['metrics'][number];

function metric(result: EvaluationResult, id: string): MetricOf {
  const m = result.metrics.find((x) => x.id === id);
  if (m === undefined) throw new Error(`the evaluation of ${result.contract.id} has no metric ${id}`);
  return m;
}

/** A metric's groups as numbers, by group id. */
function groupsOf(result: EvaluationResult, id: string): Map<string, number> {
  return new Map((metric(result, id).groups ?? []).map((g) => [g.group, Number(g.value)]));
}

const mark = (same: boolean) => (same ? 'yes' : 'NO');

// ---- Antares A

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

/**
 * The Antares A pilot (DOMAIN.md 2.2): registers the contract, submits the
 * constructed evidence (scenarios/programme-cohorts.ts antaresEvidence: 257
 * enrolments, 210 services) in monthly batches, evaluates the single period,
 * reads the services back from the ledger, and prints the service counts and
 * participant breakdowns beside the published figures, then the FLAGS.
 * True when every figure reproduced from evidence equals the published one
 * it should (the flags are about the report, and do not make it false).
 */
export async function runAntares(options: ProgrammeOptions = {}): Promise<boolean> {
  const say = options.say ?? stdout;
  const contract = options.contract ?? ANTARES_CONTRACT;
  const clients = await clientsOf('antares', options, contract);
  const p = antaresPublished;
  say(
    `\nAntares A pilot, East Kazakhstan, ${p.term.from}..${p.term.to} (${contract}): the fund's report reproduced from evidence, through the HTTP API`,
  );
  const { spec, seq } = await registerSpec(clients, contract, say);
  const profile = ContractProfileSchema.parse(spec);
  const records = antaresEvidence(profile);
  const last = await submitMonthly(clients, contract, records, 'antares', say);
  const checkpoint = Math.max(seq, last) + 1;
  const period = (spec as { periods: { id: string }[] }).periods[0]?.id ?? 'pilot';
  const run = await evaluate(clients, contract, period, checkpoint, say);
  const result = run.result;
  say(
    `  ${result.inputs.records} records in ${result.inputs.batches} batches; ${result.participants.enrolled} enrolled; result ${run.sha256}`,
  );
  const services = await recordsOfType(clients, contract, 'service');
  const perParticipant = new Map<string, number>();
  for (const r of services) perParticipant.set(r.participant, (perParticipant.get(r.participant) ?? 0) + 1);
  const counts = [...perParticipant.values()];
  const served = perParticipant.size;
  say(
    `The evaluator reads the services back from the ledger (GET /contracts/{contract}/records?type=service): ${services.length} records, ${served} participants`,
  );

  const differs: string[] = [];
  const compare = (what: string, evidence: number, published: number) => {
    if (evidence !== published) differs.push(`${what}: ${evidence} from evidence, ${published} published`);
    return mark(evidence === published);
  };

  // Services.
  const delivered = groupsOf(result, 'services');
  const planned = new Map((metric(result, 'services').groups ?? []).map((g) => [g.group, g.planned]));
  const total = Number(metric(result, 'services').value);
  say('\nServices by type (delivered: the evaluation\'s "services" metric; published: the report\'s text)');
  say(
    indent(
      table(
        ['service', 'type', 'delivered', 'published', 'planned', 'same?'],
        [
          ...ANTARES_SERVICES.map((t) => [
            SERVICE_LABELS[t],
            t,
            delivered.get(t) ?? 0,
            p.services[t],
            planned.get(t) ?? p.servicesPlanned[t] ?? '',
            compare(`services ${t}`, delivered.get(t) ?? 0, p.services[t]),
          ]),
          [
            'total',
            '',
            total,
            `${p.arithmetic.servicesListed} listed, ${p.arithmetic.servicesReported} reported`,
            '',
            `${compare('services listed', total, p.arithmetic.servicesListed)} (listed), ${mark(total === p.arithmetic.servicesReported)} (reported)`,
          ],
        ],
      ),
    ),
  );
  const mean = served === 0 ? 0 : services.length / served;
  say(
    `\n  Services per pilot participant (from the ledger): min ${counts.length === 0 ? 0 : Math.min(...counts)}, mean ${mean.toFixed(2)}, max ${counts.length === 0 ? 0 : Math.max(...counts)}` +
      ` (the report: "at least 2 components" each; ${p.pilot.services}/${p.pilot.enrolled} = ${p.arithmetic.servicesPerParticipantReported.toFixed(2)} on its total)`,
  );

  // Participants.
  const enrolledMetric = metric(result, 'enrolled');
  say('\nParticipants');
  say(
    indent(
      table(
        ['figure', 'from evidence', 'published', 'planned', 'same?'],
        [
          [
            'in the pilot (with services)',
            served,
            p.pilot.enrolled,
            p.pilot.planned,
            compare('pilot participants', served, p.pilot.enrolled),
          ],
          [
            '"participants of the project"',
            result.participants.enrolled,
            p.participants.total,
            '',
            compare('participants of the project', result.participants.enrolled, p.participants.total),
          ],
        ],
      ),
    ),
  );
  say(
    `  The contract's "enrolled" metric counts every enrolment: ${enrolledMetric.value}${enrolledMetric.target === undefined ? '' : ` (target ${enrolledMetric.target.direction === 'at-least' ? '≥' : '≤'} ${enrolledMetric.target.value}: ${enrolledMetric.met === true ? 'met' : 'not met'})`}; the pilot's ${served} are those with services.`,
  );
  const composition = ANTARES_ROLES.map((r) => `${r.count} ${r.role}`).join(' + ');
  say(`  The evidence holds the 257 as the report's events account for them: ${composition}.`);

  const bySex = groupsOf(result, 'participants-by-sex');
  say('\nParticipants by sex (the evaluation\'s "participants-by-sex" metric)');
  say(
    indent(
      table(
        ['sex', 'from evidence', 'published', 'same?'],
        (['male', 'female'] as const).map((s) => [
          s,
          bySex.get(s) ?? 0,
          p.participants.bySex[s],
          compare(`sex ${s}`, bySex.get(s) ?? 0, p.participants.bySex[s]),
        ]),
      ),
    ),
  );

  const byAge = groupsOf(result, 'participants-by-age');
  say('\nParticipants by age at enrolment ("participants-by-age")');
  say(
    indent(
      table(
        ['age band', 'from evidence', 'published', 'same?'],
        ANTARES_AGE_BANDS.map((b) => {
          // 13-16 is not a band of the contract: anyone that young would be in its "other" group.
          const evidence = byAge.get(b.id) ?? (b.id === '13-16' ? (byAge.get('other') ?? 0) : 0);
          return [
            b.id,
            evidence,
            p.participants.byAgeBand[b.id],
            compare(`age ${b.id}`, evidence, p.participants.byAgeBand[b.id]),
          ];
        }),
      ),
    ),
  );

  const byStatus = groupsOf(result, 'participants-by-status');
  say('\nParticipants by social status ("participants-by-status")');
  say(
    indent(
      table(
        ['status', 'field value', 'from evidence', 'published', 'same?'],
        [
          ['children', '(none in the model)', '', p.participants.children, ''],
          ...ANTARES_STATUSES.map((s) => [
            STATUS_LABELS[s] ?? s,
            s,
            byStatus.get(s) ?? 0,
            p.participants.byStatus[s],
            compare(`status ${s}`, byStatus.get(s) ?? 0, p.participants.byStatus[s]),
          ]),
          ...(byStatus.has('not-recorded')
            ? [
                [
                  'not recorded',
                  '',
                  byStatus.get('not-recorded') ?? 0,
                  0,
                  compare('status not recorded', byStatus.get('not-recorded') ?? 0, 0),
                ],
              ]
            : []),
        ],
      ),
    ),
  );

  const flags = antaresFlags(p);
  say('\nFLAGS: where the published figures do not add up');
  for (const [i, f] of flags.entries()) say(`  ${i + 1}. [${f.id}] ${f.message}`);
  const staff = ANTARES_ROLES.filter((r) => r.categories[STAFF_CATEGORY] === r.count).reduce((s, r) => s + r.count, 0);
  say(
    `  Note: an enrolment must carry a criminal-law category; the ${staff} staff and partners among the 257 have none, and are recorded as "${STAFF_CATEGORY}", so the contract's participants-by-category figure overstates them.`,
  );

  const ok = differs.length === 0;
  say(
    ok
      ? "\nReproduced from evidence: every service count and breakdown equals the published figure (the flags above are the report's own arithmetic)."
      : `\nNOT REPRODUCED: ${differs.join('; ')}`,
  );
  return ok;
}

// ---- Qarmet

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
 * The Qarmet pilot (DOMAIN.md 2.3): registers the contract, submits a
 * seeded cohort (scenarios/programme-cohorts.ts qarmetEvidence, seed
 * QARMET_SEED) in monthly batches, evaluates each month in order (each at the
 * checkpoint right after the previous step), and prints days worked, wages,
 * incidents and upkeep avoided per month and in total. True when every
 * period's figures equal those recomputed straight from the records
 * submitted.
 */
export async function runQarmet(options: ProgrammeOptions = {}): Promise<boolean> {
  const say = options.say ?? stdout;
  const contract = options.contract ?? QARMET_CONTRACT;
  const clients = await clientsOf('qarmet', options, contract);
  const today = options.today ?? todayEarliestZone();
  say(`\nQarmet pilot, Karaganda region (${contract}): convicts at work on the employer's sites, through the HTTP API`);
  const { spec, seq } = await registerSpec(clients, contract, say);
  const profile = ContractProfileSchema.parse(spec);
  const records = qarmetEvidence(profile, QARMET_SEED, { until: today });
  say(
    `A seeded cohort (seed ${QARMET_SEED}, ${QARMET_PARTICIPANTS} convicts serving a sentence, evidence up to ${records.at(-1)?.date}).`,
  );
  say(`  ${cohortStory(records)}`);
  const last = await submitMonthly(clients, contract, records, 'qarmet', say);
  const periods = (spec as { periods: { id: string; to: string }[] }).periods.filter((q) => q.to.slice(0, 10) <= today);
  const unitValue = BigInt(
    (spec as { metrics: { id: string; unitValue?: string }[] }).metrics.find((m) => m.id === 'upkeep-avoided')
      ?.unitValue ?? '0',
  );
  let checkpoint = Math.max(seq, last) + 1;
  const rows: QarmetRow[] = [];
  const differs: string[] = [];
  let minorUnit = 2;
  let currency = 'KZT';
  for (const period of periods) {
    const run = await evaluate(clients, contract, period.id, checkpoint, say);
    checkpoint = run.entry.seq + 1;
    const r = run.result;
    minorUnit = r.payments.minorUnit;
    currency = r.payments.currency;
    const employed = metric(r, 'employed');
    const row: QarmetRow = {
      period: period.id,
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
    rows.push(row);
    const expected = qarmetFigures(records, period.to);
    const check = (what: string, got: string, want: string) => {
      if (got !== want) differs.push(`${period.id} ${what}: ${got} evaluated, ${want} from the records`);
    };
    check('enrolled', String(row.enrolled), String(expected.enrolled));
    check('withdrawn', String(row.withdrawn), String(expected.withdrawn));
    check('days worked', String(row.days), String(expected.daysWorked));
    check('wages', String(row.wages), String(expected.wages));
    check('incidents', String(row.incidents), String(expected.incidents));
    check('upkeep avoided', String(row.upkeep), String(BigInt(expected.daysWorked) * unitValue));
  }
  const money = (v: bigint) => formatMoney(v, minorUnit);
  say(
    `\nAs evaluated at the end of each month (cumulative from enrolment; a withdrawn participant is left out of the whole term, as the contract says)`,
  );
  say(
    indent(
      table(
        [
          'period',
          'enrolled',
          'withdrawn',
          'employed (60 days)',
          'days worked',
          `wages (${currency})`,
          'incidents',
          `upkeep avoided (${currency}) *`,
        ],
        rows.map((w) => [
          w.period,
          w.enrolled,
          w.withdrawn,
          w.employed,
          formatCount(w.days),
          money(w.wages),
          w.incidents,
          money(w.upkeep),
        ]),
      ),
    ),
  );
  say('\nIn each month (the difference between consecutive evaluations; a withdrawal also takes back earlier months)');
  say(
    indent(
      table(
        [
          'month',
          'enrolled',
          'withdrew',
          'days worked',
          `wages (${currency})`,
          'incidents',
          `upkeep avoided (${currency}) *`,
        ],
        rows.map((w, i) => {
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
        }),
      ),
    ),
  );
  const final = rows.at(-1);
  if (final !== undefined) {
    say(
      `\nTotal over the pilot (${final.period}, the final evaluation): ${final.enrolled} convicts enrolled, ${final.withdrawn} withdrew; ${formatCount(final.days)} days worked; wages ${money(final.wages)} ${currency}; ${final.incidents} incidents; upkeep avoided ${money(final.upkeep)} ${currency} *`,
    );
  }
  say(
    `  * ${money(unitValue)} ${currency} a day of upkeep: illustrative, not in the source (the contract marks it so)`,
  );
  const ok = differs.length === 0 && rows.length > 0;
  say(
    ok
      ? `Recomputed straight from the ${records.length} records submitted: every month's figures equal the evaluations.`
      : `FIGURES DIFFER: ${differs.length === 0 ? 'no period has ended yet' : differs.join('; ')}`,
  );
  return ok;
}
