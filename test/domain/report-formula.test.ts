/**
 * A payment line's formula text is a function of the figures the line
 * carries (formulaText, #evaluation): the report verifier writes it again
 * and fails 'payment lines' when the report's text differs. A per-outcome
 * line that pays outcomes carried over from a capped earlier period says so,
 * and its report verifies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { logSigner } from '#ledger';
import { type AuditReport, encodeReport, type ReportVerification, verifyReport } from '#reports';
import { copyOf, type ReportFixture, reportOfLedger, resigned, secondChanceReport } from '../support/audit-report.ts';
import { ledgerFor, pseudonym, Records, specWith } from '../support/evaluation-fixtures.ts';
import { memorySigner } from '../support/signer.ts';

const failed = (r: ReportVerification) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message ?? '';
type Line = AuditReport['payments']['lines'][number];

let f: ReportFixture;
beforeAll(async () => {
  f = await secondChanceReport();
});

async function forged(change: (line: Line) => void): Promise<ReportVerification> {
  const report = copyOf(f.report);
  change(report.payments.lines[0] as Line);
  return verifyReport(await resigned(report, f.logSigner), [f.logKey, f.witnessKey]);
}

describe('the formula text of a report', () => {
  it('as issued: the figures give the text', () => {
    expect(f.report.payments.lines[0]).toMatchObject({
      due: '3500000000',
      cappedBy: [],
      figures: { basis: 'indicators', tolerance: '90%', amount: '3500000000', failed: [] },
      formula: 'every indicator within 90% of target: 35,000,000.00 RUB',
    });
    expect(failed(verifyReport(f.bytes, [f.logKey, f.witnessKey]))).toEqual([]);
  });

  it('a text changed: the verifier writes it again from the figures and names both', async () => {
    const result = await forged((l) => {
      Object.assign(l, { formula: 'every indicator within 80% of target: 35,000,000.00 RUB' });
    });
    expect(failed(result)).toEqual(['public summary', 'payment lines']);
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line subsidy-y2: the formula text reads "every indicator within 80% of target: 35,000,000.00 RUB", but its figures give "every indicator within 90% of target: 35,000,000.00 RUB"',
    );
  });

  it('a cap named that did not cut the amount', async () => {
    const result = await forged((l) => {
      Object.assign(l, {
        cappedBy: ['overall'],
        formula:
          'every indicator within 90% of target: 35,000,000.00 RUB; capped by overall: 35,000,000.00 RUB of 35,000,000.00 RUB due is paid',
      });
    });
    expect(failed(result)).toEqual(['public summary', 'payment lines']);
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line subsidy-y2: capped by overall, but 35,000,000.00 RUB of 35,000,000.00 RUB due is paid',
    );
  });
});

describe('outcomes carried over from a capped period', () => {
  const { signer, keyFor } = memorySigner('test.log');
  const key = keyFor('second-chance-kamchatka');
  // The report is signed by the log's key, named by the checkpoint origin.
  const log = logSigner(signer, 'second-chance-kamchatka');

  it('y2 pays the outcome y1 paid in part: its line says so, its arithmetic holds, and the report verifies', async () => {
    // Prepare: 50,000.00 per job, at most 125,000.00 a period. y1: a, b and c employed: 150,000.00 due,
    // 125,000.00 paid (c gets 25,000.00 of 50,000.00). y2: d and e employed too.
    const spec = specWith('second-chance-kamchatka', (raw) => {
      raw.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '5000000' }];
      raw.caps = { perPeriod: '12500000' };
      delete raw.returnCap;
    });
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((x) => pseudonym(`carried-${x}`)) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch([
      ...[a, b, c].map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      ...[a, b, c].map((p) => ev.job(p, '2023-09-01')),
    ]);
    const y1 = ledger.evaluatePeriod('y1');
    ledger.addBatch([
      ...[d, e].map((p) => ev.enrol(p, '2024-09-01', { cohort: '2024' })),
      ...[d, e].map((p) => ev.job(p, '2024-10-01')),
    ]);
    const y2 = ledger.evaluatePeriod('y2');

    expect(y1.payments.lines.map((l) => l.formula)).toEqual([
      '3 new employed outcome(s) × 50,000.00 RUB = 150,000.00 RUB; capped by per period: 125,000.00 RUB of 150,000.00 RUB due is paid',
    ]);
    expect(y2.payments.lines.map((l) => l.formula)).toEqual([
      '2 new employed outcome(s) × 50,000.00 RUB = 100,000.00 RUB + 1 employed outcome(s) carried over from a capped earlier period: 25,000.00 RUB still due = 125,000.00 RUB',
    ]);
    const report = await reportOfLedger(ledger, 'y2', signer);
    expect(failed(verifyReport(encodeReport(report).bytes, [key]))).toEqual([]);

    // The old wording, whose arithmetic does not hold (3 × 50,000.00 is not 125,000.00), is refused.
    const old = copyOf(report);
    Object.assign(old.payments.lines[0] as Line, {
      formula: '3 new employed outcome(s) × 50,000.00 RUB = 125,000.00 RUB',
    });
    const result = verifyReport(await resigned(old, log), [key]);
    expect(failed(result)).toEqual(['public summary', 'payment lines']);
    expect(messageOf(result, 'payment lines')).toContain(
      'payment line job: the formula text reads "3 new employed outcome(s) × 50,000.00 RUB = 125,000.00 RUB", but its figures give "2 new employed outcome(s)',
    );

    // Figures changed to make the old wording's arithmetic: the contract's price and the sums do not allow it.
    const figures = copyOf(report);
    const line = figures.payments.lines[0] as Line;
    Object.assign(line, {
      figures: { ...line.figures, new: 3, newAmount: '12500000', carried: 0, carriedAmount: '0' },
    });
    Object.assign(line, { formula: '3 new employed outcome(s) × 50,000.00 RUB = 125,000.00 RUB' });
    const forgedFigures = verifyReport(await resigned(figures, log), [key]);
    expect(messageOf(forgedFigures, 'payment lines')).toBe(
      'payment line job: 3 new outcome(s) × 5000000 is 15000000, not 12500000',
    );
  });
});
