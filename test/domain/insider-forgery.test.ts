/**
 * The insider forgery suite: whoever runs the servers holds the log key, and
 * with it can rewrite the log, sign a new checkpoint and sign a new report.
 * Each forgery below is built that way (test/support/forger.ts), and each
 * must be refused by `verifyReport` against the investor's trust policy,
 * which names the log key, a witness with a quorum of one and the parties'
 * keys per role; the insider holds neither the witness's key nor any
 * party's. Every test also names the check that catches the forgery.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContractSpec } from '#contracts';
import { type Entry, TRUST_POLICY_FORMAT, type TrustPolicy } from '#ledger';
import { type AuditReport, type ReportVerification, verifyReport } from '#reports';
import { type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { forgeReport } from '../support/forger.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const base = memorySigner('test.log');
const witness = memoryWitness('test.witness');
const parties = memoryParties();
let f: ReportFixture;
let trust: TrustPolicy;

beforeAll(async () => {
  f = await secondChanceReport({ logSigner: base, witnessSigner: witness, parties });
  trust = {
    format: TRUST_POLICY_FORMAT,
    logs: [
      {
        contract: f.spec.id,
        origin: `test.log/${f.spec.id}`,
        logKey: f.logKey,
        witnesses: { quorum: 1, keys: [witness.key] },
        parties: partyKeysOf(parties),
      },
    ],
  };
});

const failed = (r: ReportVerification) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message ?? '';
const verified = (bytes: Uint8Array) => verifyReport(bytes, [], { trust });
const metric = (r: { metrics: readonly unknown[] }, id: string) =>
  (r.metrics as { id: string; numerator?: string; value: string; denominator?: number }[]).find((m) => m.id === id);

describe('the honest report, and the forger itself', () => {
  it('the report as issued verifies against the policy', () => {
    const result = verified(f.bytes);
    expect(failed(result)).toEqual([]);
    expect(messageOf(result, 'party signatures')).toMatch(/^8 of 8 decisions signed/);
  });

  it('the log re-signed with nothing changed and the witness line kept still verifies (the forger is faithful)', async () => {
    const bytes = await forgeReport(f, { keepWitnessLine: true, keepWitnessList: true });
    expect(failed(verified(bytes))).toEqual([]);
  });
});

describe('forgeries by the holder of the log key', () => {
  it('the contract price raised, the log rewritten to match, a new checkpoint signed, the witness line dropped', async () => {
    const raised = JSON.parse(JSON.stringify(f.spec)) as ContractSpec & { payments: { id: string; amount: string }[] };
    const rule = raised.payments.find((p) => p.id === 'subsidy-y2') as { amount: string };
    rule.amount = '4500000000';
    // The insider runs the whole log again on the raised price, signing every decision with keys of its own.
    const rewritten = await secondChanceReport({
      logSigner: base,
      witnessSigner: memoryWitness('test.witness'),
      parties: memoryParties(),
      spec: raised,
    });
    expect(rewritten.report.payments.total).toBe('4500000000');
    const bytes = await forgeReport(rewritten, {});
    // With the log key alone (what investors had before the trust policy) this is accepted.
    expect(verifyReport(bytes, [f.logKey]).ok).toBe(true);
    const result = verified(bytes);
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(['trust policy', 'party signatures']);
    expect(messageOf(result, 'trust policy')).toMatch(/not enough witnesses: 0 of the policy's 1 witness\(es\)/);
    expect(messageOf(result, 'party signatures')).toMatch(
      /not by a key the trust policy names for the analyst|analyst/,
    );
  });

  it('a metric numerator changed, with its rate recomputed and the evaluation entry rewritten to match', async () => {
    const bytes = await forgeReport(f, {
      result: (r) => {
        const m = metric(r, 'employed') as { numerator: string; value: string; denominator: number };
        m.numerator = String(Number(m.numerator) + 20);
        m.value = (Number(m.numerator) / m.denominator).toFixed(6);
        return r;
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toContain('party signatures');
    expect(failed(result)).toContain('trust policy');
    expect(messageOf(result, 'party signatures')).toMatch(/does not verify|summary/);
  });

  it('the same, keeping the witness line: the cosignature no longer verifies over the new root', async () => {
    const bytes = await forgeReport(f, {
      keepWitnessLine: true,
      keepWitnessList: true,
      result: (r) => {
        const m = metric(r, 'employed') as { numerator: string };
        m.numerator = String(Number(m.numerator) + 20);
        return r;
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toEqual(expect.arrayContaining(['checkpoint witnesses', 'party signatures']));
  });

  it("the comparison group's figure changed (and the summary rewritten to match)", async () => {
    const bytes = await forgeReport(f, {
      result: (r) => {
        const c = r.comparisons.find((x) => x.comparison !== undefined) ?? r.comparisons[0];
        const row = c as unknown as { comparison?: { value: string }; treatment: { value: string } };
        if (row.comparison !== undefined) row.comparison.value = '0.9';
        else row.treatment.value = '0.9';
        return r;
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toEqual(expect.arrayContaining(['party signatures', 'trust policy']));
  });

  it("the comparison group's figure changed in the report only (the entries left alone)", async () => {
    const bytes = await forgeReport(f, {
      keepWitnessLine: true,
      keepWitnessList: true,
      report: (r) => {
        const row = r.evaluation.comparisons[0] as unknown as { treatment: { value: string } };
        row.treatment.value = '0.9';
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toContain('public summary');
  });

  it("an earlier period's payment understated: its entries rewritten and paid-before lowered", async () => {
    const y1 = f.input.earlier[0]?.evaluation.seq as number;
    const lower = (total: string) => String(BigInt(total) - 1_000_000_00n);
    const bytes = await forgeReport(f, {
      entries: (entries) => {
        for (const e of entries) {
          if (e.seq === y1 || (e.kind.startsWith('payment.') && e.body.payment === y1)) {
            Object.assign(e.body, { total: lower(e.body.total as string) });
          }
        }
      },
      result: (r) => {
        const payments = r.payments as { paidBefore: string; cumulative: string };
        payments.paidBefore = lower(payments.paidBefore);
        payments.cumulative = lower(payments.cumulative);
        return r;
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toEqual(expect.arrayContaining(['party signatures', 'trust policy']));
    expect(messageOf(result, 'party signatures')).toMatch(
      /^entry 2 \(calculated, signed by the analyst\): the signature by analyst\.test\+[0-9a-f]{8} does not verify/,
    );
  });

  it("an earlier period's payment moved to another period", async () => {
    const y1 = f.input.earlier[0]?.evaluation.seq as number;
    const bytes = await forgeReport(f, {
      keepWitnessLine: true,
      keepWitnessList: true,
      report: (r) => {
        (r.earlier[0] as { period: string }).period = 'final';
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toContain('earlier payments');
    expect(messageOf(result, 'earlier payments')).toMatch(new RegExp(`${y1}|y1`));
  });

  it('the participant count inflated (and the summary rewritten to match)', async () => {
    const bytes = await forgeReport(f, {
      result: (r) => ({ ...r, participants: { ...r.participants, enrolled: r.participants.enrolled + 100 } }),
    });
    const result = verified(bytes);
    expect(failed(result)).toEqual(expect.arrayContaining(['party signatures', 'trust policy']));
  });

  it('the participant count inflated in the report only', async () => {
    const bytes = await forgeReport(f, {
      keepWitnessLine: true,
      keepWitnessList: true,
      report: (r) => {
        const e = r.evaluation as { participants: { enrolled: number } };
        e.participants.enrolled += 100;
      },
    });
    expect(failed(verified(bytes))).toContain('public summary');
  });

  it('a witness named in the report that never signed', async () => {
    const bytes = await forgeReport(f, {
      keepWitnessLine: true,
      report: (r) => {
        (r as unknown as { witnesses: string[] }).witnesses = [witness.signer.name, 'evaluator.example/witness'];
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toContain('checkpoint witnesses');
    expect(messageOf(result, 'checkpoint witnesses')).toMatch(/evaluator\.example\/witness/);
  });

  it('formula text that contradicts its amount', async () => {
    const bytes = await forgeReport(f, {
      result: (r) => {
        const line = r.payments.lines[0] as { formula: string };
        line.formula = line.formula.replace(/35,000,000\.00/g, '45,000,000.00');
        return r;
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toEqual(expect.arrayContaining(['payment lines', 'party signatures', 'trust policy']));
  });

  it('formula text changed in the report only', async () => {
    const bytes = await forgeReport(f, {
      keepWitnessLine: true,
      keepWitnessList: true,
      report: (r: AuditReport) => {
        const line = r.payments.lines[0] as { formula: string };
        line.formula = `${line.formula} (доплата 10 000 000,00)`;
      },
    });
    expect(failed(verified(bytes))).toEqual(expect.arrayContaining(['public summary', 'payment lines']));
  });

  it('a decision signed with another role’s key: the approval re-signed by the treasury key', async () => {
    const approvedSeq = f.input.steps[1]?.seq as number;
    const bytes = await forgeReport(f, {
      keepWitnessLine: false,
      entries: (entries) => {
        const approved = entries[approvedSeq] as Entry;
        const paid = entries[f.input.steps[2]?.seq as number] as Entry;
        Object.assign(approved.body, { signature: paid.body.signature });
      },
    });
    const result = verified(bytes);
    expect(failed(result)).toContain('party signatures');
  });
});
