/**
 * The evaluator reads the cohort's batches back through the API (GET
 * /contracts/{contract}/records?batch=…: committed records, pseudonymised),
 * checks they hold what was submitted, and prints the cohort's figures.
 */
import { EVIDENCE_TYPES, type EvidenceInput, formatCount, type StoredRecord } from '#evidence';
import { BASELINE_RATES } from '../../scenarios/second-chance/population.ts';
import { type CohortSummary, summariseCohort } from '../../scenarios/second-chance/summary.ts';
import { say } from '../output.ts';
import { type Clients, cohortBatchId, DEMO_CONTRACT } from './cast.ts';

const percent = (share: number, digits = 1) => `${(share * 100).toFixed(digits)}%`;

/** Every committed record of a batch, page by page. */
async function readBatch(clients: Clients, batchId: string): Promise<StoredRecord[]> {
  const back: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = (
      await clients.evaluator.call<{ records: { record: StoredRecord }[]; next?: string }>('queryRecords', {
        params: { contract: DEMO_CONTRACT },
        query: { batch: batchId, cursor },
      })
    ).body;
    back.push(...page.records.map((r) => r.record));
    cursor = page.next;
  } while (cursor !== undefined);
  return back;
}

export async function printSummary(clients: Clients, submitted: readonly EvidenceInput[][]): Promise<boolean> {
  const stored: StoredRecord[] = [];
  let ok = true;
  for (const [i, records] of submitted.entries()) {
    const back = await readBatch(clients, cohortBatchId(i + 1));
    const same = back.length === records.length && back.every((r, j) => r.eventId === records[j]?.eventId);
    if (!same) {
      ok = false;
      say(`\nBatch ${cohortBatchId(i + 1)} reads back ${back.length} records, not the ${records.length} submitted`);
    }
    stored.push(...back);
  }
  const fromLedger = summariseCohort(stored);
  const fromGenerator = summariseCohort(submitted.flat());
  const matches = JSON.stringify(fromLedger) === JSON.stringify(fromGenerator);
  ok &&= matches;
  say(
    `\nThe synthetic cohort, read back through the API (${formatCount(stored.length)} records, pseudonymised): ${matches ? 'the figures match what was generated' : 'FIGURES DIFFER from what was generated'}`,
  );
  say(`  participants     ${fromLedger.participants}`);
  say(`  events by type   ${eventsByType(fromLedger, 19)}`);
  say(
    `  employed         ${percent(fromLedger.rates.employed)} (${fromLedger.employed}; baseline without the programme: below ${percent(BASELINE_RATES.employed, 0)})`,
  );
  say(
    `  permanent job    ${percent(fromLedger.rates.permanent)} (${fromLedger.permanent}; baseline: about ${percent(BASELINE_RATES.permanent, 0)})`,
  );
  say(`  reconvicted      ${percent(fromLedger.rates.reconvicted)} (${fromLedger.reconvicted})`);
  return ok;
}

/** `enrolment 300, release 68, …` wrapped at about 100 characters, continuation lines indented to `indent`. */
function eventsByType(summary: CohortSummary, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const item of EVIDENCE_TYPES.map((t) => `${t} ${summary.eventsByType[t]}`)) {
    if (line !== '' && line.length + item.length + 2 > 100) {
      lines.push(`${line},`);
      line = '';
    }
    line = line === '' ? item : `${line}, ${item}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}
