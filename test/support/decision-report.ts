/**
 * The Second Chance report of the final period as the demo gives it, for
 * the tests of the report PDF's first page (the decision): the shipped spec
 * (with its legal basis and its directory of people), y1 and y2 paid, then
 * the final period calculated (June 2026) by the demo's analyst, attested by the demo's
 * independent evaluator, approved by the demo's ministry subject and paid by
 * its treasury (cli/demo/cast.ts), every decision signed by its party's key;
 * the checkpoint signed by the log and cosigned by a witness. Real entries,
 * proofs and signatures (in-memory keys).
 */
import {
  checkpointOrigin,
  cosignNote,
  type LogTrust,
  logSigner,
  logVerifierKey,
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  signCheckpoint,
} from '#ledger';
import { type AuditReport, buildReport, encodeReport, signReport } from '#reports';
import { cohort, MemoryLog } from './audit-report.ts';
import { loadSpec, Records } from './evaluation-fixtures.ts';
import { memoryParty, partyKeysOf } from './parties.ts';
import { memorySigner, memoryWitness } from './signer.ts';

/** The demo's subjects (cli/demo/cast.ts): the ids page 1 must never print. */
export const DEMO_SUBJECTS = {
  analyst: { sub: 'evaluator-analyst', role: 'evaluator' },
  evaluator: { sub: 'independent-evaluator', role: 'evaluator' },
  ministry: { sub: 'minlabour-kamchatka', role: 'ministry' },
  treasury: { sub: 'minfin-kamchatka-treasury', role: 'ministry' },
} as const;

export interface DecisionReport {
  readonly report: AuditReport;
  readonly bytes: Uint8Array;
  /** The deployment's trust policy for the log: its key, the witness, the parties' keys. */
  readonly trust: LogTrust;
}

/** The final period's report (see the file comment). */
export async function finalPeriodReport(): Promise<DecisionReport> {
  const base = memorySigner('test.log');
  const witness = memoryWitness('test.witness');
  // Keys named as the demo names them, by subject: page 1 must not print those names either.
  const parties = {
    analyst: memoryParty(DEMO_SUBJECTS.analyst.sub),
    evaluator: memoryParty(DEMO_SUBJECTS.evaluator.sub),
    ministry: memoryParty(DEMO_SUBJECTS.ministry.sub),
    treasury: memoryParty(DEMO_SUBJECTS.treasury.sub),
  };
  const spec = loadSpec('second-chance-kamchatka');
  const log = { signer: logSigner(base.signer, spec.id), key: await logVerifierKey(base.signer, spec.id) };
  const ledger = new MemoryLog(spec.id, parties);
  const registration = ledger.register(spec);
  const ev = new Records();
  ledger.addBatch([...cohort(ev, '2023', 200, 70, 20, 40), ...cohort(ev, '2025', 10, 0, 0, 0)]);
  const earlier = ['y1', 'y2'].map((period, i) => {
    // Each period's decisions in the September after it ends, as the demo dates them.
    ledger.clock = Date.UTC(2024 + i, 8, 10, 4);
    const { entry } = ledger.evaluate(period, DEMO_SUBJECTS.analyst);
    const steps = [
      ledger.step(PAYMENT_ATTESTED_KIND, entry, DEMO_SUBJECTS.evaluator),
      ledger.step(PAYMENT_APPROVED_KIND, entry, DEMO_SUBJECTS.ministry),
      ledger.step(PAYMENT_PAID_KIND, entry, DEMO_SUBJECTS.treasury, {
        paymentOrder: `PP-${2024 + i}-00000${i + 1}`,
        paidOn: `${2024 + i}-09-30`,
      }),
    ];
    return { period, entry, steps };
  });
  // The final period's decisions in June 2026, late in the day UTC: the next day in Kamchatka (UTC+12).
  ledger.clock = Date.UTC(2026, 5, 15, 13);
  const final = ledger.evaluate('final', DEMO_SUBJECTS.analyst);
  const steps = [
    ledger.step(PAYMENT_ATTESTED_KIND, final.entry, DEMO_SUBJECTS.evaluator),
    ledger.step(PAYMENT_APPROVED_KIND, final.entry, DEMO_SUBJECTS.ministry),
    ledger.step(PAYMENT_PAID_KIND, final.entry, DEMO_SUBJECTS.treasury, {
      paymentOrder: 'PP-2026-000031',
      paidOn: '2026-06-29',
    }),
  ];
  const size = ledger.entries.length;
  const { root } = ledger.checkpoint(size);
  const signed = await signCheckpoint(
    { origin: checkpointOrigin(base.signer.name, spec.id), size, root: Uint8Array.from(Buffer.from(root, 'hex')) },
    [log.signer],
  );
  const note = await cosignNote(signed, log.key, witness.signer, 1_767_000_000);
  const report = await signReport(
    buildReport({
      spec,
      registration: ledger.proven(registration.seq),
      evaluation: { ...ledger.proven(final.entry.seq), result: final.result },
      steps: steps.map((s) => ledger.proven(s.seq)),
      checkpoint: { size, root, note },
      earlier: earlier.map((e) => ({
        period: e.period,
        evaluation: ledger.proven(e.entry.seq),
        steps: e.steps.map((s) => ledger.proven(s.seq)),
      })),
      witnesses: [witness.signer.name],
      issuedAt: '2026-06-30T09:00:00.000Z',
    }),
    log.signer,
  );
  const trust: LogTrust = {
    contract: spec.id,
    origin: checkpointOrigin(base.signer.name, spec.id),
    logKey: log.key,
    witnesses: { quorum: 1, keys: [witness.key] },
    parties: partyKeysOf(parties),
  };
  return { report, bytes: encodeReport(report).bytes, trust };
}
