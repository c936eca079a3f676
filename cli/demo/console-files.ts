/**
 * Work left for the operator and the evaluator in the web console by
 * `npm start` (`sib demo --serve` only). The Qarmet pilot's contract
 * (KZT, scenarios/qarmet) is registered, but its evidence is not submitted:
 * it is written as CSV files in `<data dir>/console-files/`, one a month as
 * the employer's chamber would send them, plus the first month's file with
 * two mistakes in it. In the console the operator submits the file with
 * mistakes (refused, every problem in a table, nothing written), then the
 * right one (its receipt), then the others; the evaluator's analyst
 * evaluates a month (a dry run, then recorded, signed in the browser), a
 * reviewer attests it, and the akimat decides.
 *
 * The files carry the cohort's codes (QR-000001…), never names: the ledger
 * keeps pseudonyms of them. Idempotent: the contract is registered once, and
 * the files are rewritten the same (a seeded cohort).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContractProfileSchema } from '#contracts';
import { ALL_FIELDS, type EvidenceInput } from '#evidence';
import { todayEarliestZone } from '../../functions/shared/clock.ts';
import {
  clientsOf,
  PROGRAMME_SUBJECTS,
  QARMET_CONTRACT,
  QARMET_SEED,
  registerSpec,
} from '../../scenarios/programmes.ts';
import { QARMET_PARTICIPANTS, qarmetEvidence } from '../../scenarios/qarmet/cohort.ts';

/** Where the files are, under the data dir. */
export const CONSOLE_FILES_DIR = 'console-files';

/** The evaluator's second subject, who attests what the working group's analyst calculated (four eyes). */
export const QARMET_REVIEWER = 'qarmet-evaluation-reviewer';

export interface ConsoleFiles {
  readonly contract: string;
  /** The first month's file with two mistakes, then each month's file, in order. */
  readonly withMistakes: string;
  readonly months: readonly string[];
  readonly records: number;
  readonly participants: number;
}

/** A CSV cell as RFC 4180 writes it: quoted only when it must be. */
const cell = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Records as the operator's CSV: the evidence columns (docs/evidence.md), one record a line. */
export function evidenceCsv(records: readonly EvidenceInput[]): string {
  const lines = [ALL_FIELDS.join(',')];
  for (const record of records) {
    const r = record as Record<string, unknown>;
    lines.push(ALL_FIELDS.map((field) => cell(r[field])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The first month's records with two mistakes an operator makes: a date
 * typed a few years ahead, and a sex written as a word the vocabulary does
 * not have. Both are refused with the line and the field named.
 */
function withTwoMistakes(records: readonly EvidenceInput[]): EvidenceInput[] {
  const copy = records.map((r) => ({ ...r }) as Record<string, unknown>);
  const service = copy.findIndex((r) => r.type === 'service');
  const enrolment = copy.findIndex((r, i) => r.type === 'enrolment' && i > 0);
  if (service >= 0) copy[service] = { ...copy[service], date: '2029-02-03' };
  if (enrolment >= 0) copy[enrolment] = { ...copy[enrolment], sex: 'мужской' };
  return copy as EvidenceInput[];
}

/** Registers the Qarmet contract and writes its evidence files for the console's operator. */
export async function leaveFilesForTheOperator(
  dir: string,
  url: string,
  contract: string = QARMET_CONTRACT,
  today: string = todayEarliestZone(),
): Promise<ConsoleFiles> {
  const clients = await clientsOf('qarmet', { dataDir: dir, url }, contract);
  const { spec } = await registerSpec(clients, contract, () => {});
  const records = qarmetEvidence(ContractProfileSchema.parse(spec), QARMET_SEED, { until: today });
  const byMonth = new Map<string, EvidenceInput[]>();
  for (const r of records) byMonth.set(r.date.slice(0, 7), [...(byMonth.get(r.date.slice(0, 7)) ?? []), r]);
  const out = join(dir, CONSOLE_FILES_DIR);
  await mkdir(out, { recursive: true });
  const months: string[] = [];
  for (const [month, batch] of byMonth) {
    const file = join(out, `qarmet-${month}.csv`);
    await writeFile(file, evidenceCsv(batch));
    months.push(file);
  }
  const first = [...byMonth.values()][0] ?? [];
  const withMistakes = join(out, `qarmet-${[...byMonth.keys()][0] ?? 'first'}-with-mistakes.csv`);
  await writeFile(withMistakes, evidenceCsv(withTwoMistakes(first)));
  return { contract, withMistakes, months, records: records.length, participants: QARMET_PARTICIPANTS };
}

/** What npm start prints about the files: whom to sign in as, and what to do. */
export function consoleFilesGuide(files: ConsoleFiles): string[] {
  const s = PROGRAMME_SUBJECTS.qarmet;
  return [
    `\nFor the operator and the evaluator (the Qarmet pilot, ${files.contract}, registered with no evidence yet):`,
    `  as ${s.operator} (operator): "Передать данные", submit ${files.withMistakes} (refused: its problems in a table),`,
    `    then ${files.months.join(', ')}; "История пакетов" checks each in the page.`,
    `  as ${s.evaluator} (evaluator): "Ключ подписи" (enrol as analyst), then "Расчёт периода": a dry run, then record.`,
    `  as ${QARMET_REVIEWER} (evaluator): enrol a key as evaluator, then "Подтверждение выплат"; as ${s.ministry} (ministry): decide.`,
  ];
}
