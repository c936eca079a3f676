import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExportParties, parseTrustPolicy, TRUST_POLICY_FORMAT, type TrustPolicy } from '#ledger';
import { partyKeys } from '../../cli/demo/parties.ts';
import { freePorts } from '../../infra/local/processes.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'sib-demo-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function runDemo() {
  const [dynamo, s3] = await freePorts(2);
  return spawnSync(process.execPath, [join(root, 'cli/bin/sib.js'), 'demo'], {
    cwd: root,
    env: { ...process.env, SIB_DATA_DIR: dataDir, SIB_DYNAMO_PORT: String(dynamo), SIB_S3_PORT: String(s3) },
    encoding: 'utf8',
    timeout: 180_000,
  });
}

/**
 * The log: the contract's registration, one entry per accepted batch of the synthetic cohort, then per period
 * its evaluation and the payment's steps: y1 (nothing to pay) attested and approved; y2 and final also paid.
 */
const COHORT_BATCHES = 5;
const PERIODS = [
  { id: 'y1', evaluatedAt: 7, steps: 2 },
  { id: 'y2', evaluatedAt: 10, steps: 3 },
  { id: 'final', evaluatedAt: 14, steps: 3 },
];
/** Registration, batches, the published comparison figure, then each period's evaluation and steps. */
const ENTRIES = 1 + COHORT_BATCHES + 1 + PERIODS.reduce((n, p) => n + 1 + p.steps, 0);
const MISTAKE_KINDS = [
  'future-date',
  'ended-before-start',
  'non-string-wage',
  'negative-wage',
  'unknown-service-type',
  'not-enrolled',
  'duplicate-event-id',
  'name-in-note',
];

/** The part of the output about the batch with mistakes: from its heading to the evaluations. */
function errorBatchPart(stdout: string): string {
  return stdout
    .slice(stdout.indexOf('Batch sc-cohort-2023-6'), stdout.indexOf('The evaluator publishes'))
    .replace(/today is [0-9-]+/g, 'today is …'); // the two runs may straddle midnight
}

describe('the main job (npm run demo)', () => {
  let first = '';

  it('starts the stack, appends, enrols the cohort, rejects the faulty batch, verifies everything, stops and exits 0', async () => {
    const run = await runDemo();
    first = run.stdout;

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Local stack started');
    // Everything goes through the HTTP API (the local gateway), each role with its own token.
    expect(run.stdout).toMatch(
      /The HTTP API is up at http:\/\/127\.0\.0\.1:[0-9]+ \(OpenAPI: http:\/\/127\.0\.0\.1:[0-9]+\/openapi\.json\)/,
    );
    expect(run.stdout).toContain('(POST /contracts, contracts/second-chance-kamchatka.json)');
    expect(run.stdout).not.toMatch(/"level":|"_aws":/); // the handlers' logs and metrics stay out of the story
    expect(run.stdout).toMatch(/seq 0 {2}contract\.registered {2}spec hash [0-9a-f]{64}\n/);
    // The cohort: one line per accepted batch, seq 1 to 5.
    expect(run.stdout).toMatch(
      /synthetic Second Chance cohort \(seed 2023: 300 participants, [0-9,]+ records\) in 5 batches/,
    );
    for (let n = 1; n <= COHORT_BATCHES; n++) {
      expect(run.stdout).toMatch(new RegExp(`sc-cohort-2023-${n} +[0-9]+ records .* seq ${n}  accepted\n`));
    }
    // The faulty batch: rejected, every mistake reported in the table, nothing written.
    const rejected = errorBatchPart(run.stdout);
    expect(rejected).toContain('with 8 deliberate mistakes');
    for (const kind of MISTAKE_KINDS) expect(rejected).toContain(kind);
    expect(rejected).toMatch(
      /Rejected as expected \(422\): batch rejected: [0-9]+ problems in 8 records; nothing was written/,
    );
    expect(rejected).toMatch(/record +field +problem\n/);
    expect(rejected).toContain('is in the future');
    expect(rejected).toContain('employment ends before it started');
    expect(rejected).toContain('must be a string of digits');
    expect(rejected).toContain('must not be negative');
    expect(rejected).toContain('is not a service type of this contract');
    expect(rejected).toContain('participant is not enrolled');
    expect(rejected).toContain('duplicate eventId');
    expect(rejected).toContain('looks like it contains a personal name');
    expect(rejected).not.toContain('Кузнецов'); // problems never repeat the submitted text
    expect(rejected).toContain(
      `Every injected mistake was reported; nothing was written (the log still has ${1 + COHORT_BATCHES} entries)`,
    );
    // Each period evaluated in order, at the checkpoint after the previous step, with its tables.
    for (const period of PERIODS) {
      const checkpoint = period.evaluatedAt;
      expect(run.stdout).toContain(
        `The evaluator evaluates period ${period.id} at checkpoint ${checkpoint}: seq ${checkpoint}  evaluation.recorded\n`,
      );
      // Four subjects: calculated by the analyst, attested, approved, paid.
      expect(run.stdout).toContain(`  seq ${checkpoint + 1}  payment.attested  by independent-evaluator\n`);
      expect(run.stdout).toContain(`  seq ${checkpoint + 2}  payment.approved  by minlabour-kamchatka\n`);
      if (period.steps === 3) {
        expect(run.stdout).toMatch(
          new RegExp(`  seq ${checkpoint + 3} {2}payment\\.paid +by minfin-kamchatka-treasury \\(order PP-`),
        );
      }
    }
    // The investor's report: cosigned checkpoint, issued, downloaded, verified offline.
    expect(run.stdout).toMatch(/The evaluator's witness \(sib witness serve\) is up at http:\/\/127\.0\.0\.1:[0-9]+\n/);
    expect(run.stdout).toContain(
      `The checkpoint of size ${ENTRIES} carries the cosignature of the evaluator's witness (evaluator.kamchatka.example+`,
    );
    expect(run.stdout).toMatch(/Audit report of payment 14 \(final\), issued: [0-9a-f]{64}\n/);
    expect(run.stdout).toMatch(/downloaded \(presigned URLs, 300 s\): .*\.json, .*\.ru\.pdf\n/);
    // Beside it, the payment-order data for the treasury (issue 17), in ru and en.
    expect(run.stdout).toMatch(
      /payment-order data for the treasury \(form 0401060\): [\d,]+\.\d\d RUB, [А-ЯЁ][а-яё ]+ рубл(ь|я|ей) \d\d копе(йка|йки|ек)\n/,
    );
    expect(readdirSync(join(dataDir, 'payment-orders')).sort()).toEqual(
      ['en.json', 'en.xlsx', 'ru.json', 'ru.xlsx'].map((f) => `second-chance-kamchatka-payment-14-order-${f}`),
    );
    expect(run.stdout).toMatch(/npx sib report verify .*: OK, [0-9]+ checks/);
    // Verified against the trust policy the investor fetched from the API and kept in the data dir.
    const trustFile = join(dataDir, 'trust', 'second-chance-kamchatka.json');
    expect(run.stdout).toContain(
      `the investor's trust policy (GET /contracts/second-chance-kamchatka/trust, sib trust show): ${trustFile}; log key and 1 of 1 witness(es) required`,
    );
    expect(run.stdout).toMatch(
      /npx sib report verify \S+\.json --trust \S+: OK, [0-9]+ checks \(signatures by the policy's log key, a quorum of its witnesses and each decision's party key/,
    );
    expect(run.stdout).toContain(` --trust ${trustFile}: OK, `);
    const trust = parseTrustPolicy(readFileSync(trustFile, 'utf8'));
    expect(trust.logs[0]).toMatchObject({
      contract: 'second-chance-kamchatka',
      origin: 'sib-ledger.local/second-chance-kamchatka',
      witnesses: { quorum: 1 },
    });
    expect(trust.logs[0]?.witnesses.keys).toHaveLength(1);
    const reports = readdirSync(join(dataDir, 'reports'));
    expect(reports.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    // The final report's checkpoint carries the witness server's cosignature, and names it.
    const reportJson = JSON.parse(
      readFileSync(join(dataDir, 'reports', reports.find((f) => f.endsWith('.json')) as string), 'utf8'),
    ) as { witnesses: string[]; checkpoint: { note: string } };
    expect(reportJson.witnesses).toEqual(['evaluator.kamchatka.example']);
    expect(reportJson.checkpoint.note).toContain('\n\u2014 evaluator.kamchatka.example ');
    const pdf = reports.find((f) => f.endsWith('.ru.pdf')) as string;
    expect(
      readFileSync(join(dataDir, 'reports', pdf))
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect(run.stdout).toMatch(/employed \* +[0-9.]+% +[0-9]+\/[0-9]+ +≥ 35\.0%/);
    expect(run.stdout).toMatch(/subsidy-y2 +reoffending +0\.[0-9]{6} +≤ 0\.20 +0\.222222 +(yes|NO)/);
    expect(run.stdout).toMatch(/subsidy-final +payment +[01] +[0-9,.]+ RUB/);
    expect(run.stdout).toContain(
      "The evaluator publishes the comparison group's re-offending rate, 25.0% of 412 (POST /contracts/{contract}/comparisons): seq 6  comparison.published\n",
    );
    expect(run.stdout).toMatch(
      /reoffending-vs-comparison-group +all +0\.[0-9]{6} \(n [0-9]+\) +0\.250000 \(published by the evaluator, entry 6\) +relative-reduction/,
    );
    expect(run.stdout).toMatch(/Paid over the term: [0-9,.]+ RUB, every payment attested and approved/);
    expect(run.stdout).not.toContain('RECOMPUTATION DIFFERS');
    // The log.
    expect(run.stdout).toMatch(new RegExp(`sib-ledger\\.local/second-chance-kamchatka\\n\\s+${ENTRIES}\\n`));
    expect(run.stdout).toContain(`Verify as stored in DynamoDB: OK, ${ENTRIES} entries`);
    expect(run.stdout).toMatch(/Verify the export offline .*: OK/);
    expect(run.stdout).toContain(`Inclusion proof of seq 1 in the tree of size ${ENTRIES}: verifies`);
    // The summary, read back from the record store.
    expect(run.stdout).toMatch(/read back through the API \([0-9,]+ records, pseudonymised\): the figures match/);
    expect(run.stdout).toMatch(/participants +300\n/);
    expect(run.stdout).toMatch(/events by type +enrolment 300, /);
    expect(run.stdout).toMatch(/employed +[0-9.]+% \([0-9]+; baseline without the programme: below 30%\)/);
    expect(run.stdout).toMatch(/permanent job +[0-9.]+% \([0-9]+; baseline: about 5%\)/);
    expect(run.stdout).toMatch(/reconvicted +[0-9.]+% \([0-9]+\)/);
    expect(run.stdout).toContain('Everything verified.');
    expect(run.stdout).toContain('Local stack stopped');
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
    expect(readFileSync(join(dataDir, 'exports/second-chance-kamchatka.jsonl'), 'utf8').split('\n')).toHaveLength(
      ENTRIES + 2,
    );
    // Each deciding subject has its own key; every decision in the log is signed by its role's key.
    expect(run.stdout).toMatch(
      /Each deciding party signs with its own key \(SIB_PARTY_KEYS\): analyst evaluator-analyst/,
    );
    expect(await partiesOfExport()).toEqual({
      ok: true,
      decisions: ENTRIES - 1 - COHORT_BATCHES,
      signed: ENTRIES - 1 - COHORT_BATCHES,
      required: true,
      problems: [],
    });
  }, 200_000);

  it('is idempotent: a second run finds the entries and batches already there, and rejects the faulty batch again', async () => {
    const run = await runDemo();

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.match(/\(already there\)/g)).toHaveLength(ENTRIES);
    expect(run.stdout).not.toMatch(/ {2}accepted\n/);
    // The faulty batch is reported the same way (the log it leaves untouched is longer now: the evaluations).
    const untouched = (text: string) => text.replace(/the log still has [0-9]+ entries/, 'the log still has … entries');
    expect(untouched(errorBatchPart(run.stdout))).toBe(untouched(errorBatchPart(first)));
    expect(run.stdout).toContain(`Verify as stored in DynamoDB: OK, ${ENTRIES} entries`);
    expect(run.stdout).toContain('Audit report of payment 14 (final), already issued:');
    expect(run.stdout).toContain('Everything verified.');
    // The same keys, reused: the replayed decisions still verify against them.
    expect((await partiesOfExport()).problems).toEqual([]);
  }, 200_000);
});

/** The party signatures of the demo's export, against the key files it keeps under the data dir. */
async function partiesOfExport() {
  const keys = await partyKeys(dataDir);
  const lines = readFileSync(join(dataDir, 'exports/second-chance-kamchatka.jsonl'))
    .toString('utf8')
    .split('\n')
    .map((l) => new TextEncoder().encode(l));
  const contract = 'second-chance-kamchatka';
  const trust: TrustPolicy = {
    format: TRUST_POLICY_FORMAT,
    logs: [
      {
        contract,
        origin: `x/${contract}`,
        logKey: keys.analyst.verifierKey,
        witnesses: { quorum: 0, keys: [] },
        parties: Object.fromEntries(Object.entries(keys).map(([role, k]) => [role, [k.verifierKey]])) as never,
      },
    ],
  };
  return checkExportParties(lines, contract, { trust });
}
