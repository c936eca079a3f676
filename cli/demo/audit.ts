/**
 * The investor's side of the scenario: the evaluator's witness server (a
 * C2SP tlog-witness the stack pushes its checkpoints to), the audit report
 * of the final payment is issued, and the investor downloads it through
 * presigned URLs, fetches the trust policy the deployment publishes (kept in
 * `<data dir>/trust/<contract>.json`) and verifies the report offline
 * against it: signatures, the log key and a quorum of witnesses the policy
 * names, the parties' signatures, proofs and every amount recomputed. Beside
 * the report, the ministry exports the payment's payment-order data for the
 * treasury (ru and en, JSON and XLSX) into `<data dir>/payment-orders/`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '#kernel';
import { checkSigners, logVerifierKey, parseTrustPolicy, type TrustPolicy } from '#ledger';
import type { PaymentOrderData } from '#payments';
import { verifyReport } from '#reports';
import { ANTARES_CONTRACT, QARMET_CONTRACT } from '../../scenarios/programmes.ts';
import { ApiError } from '../api-client.ts';
import { createWitnessKey, openWitnessKey } from '../commands/keys.ts';
import { say } from '../output.ts';
import { type RunningWitness, startWitnessServer } from '../witness/server.ts';
import { type Clients, DEMO_CONTRACT } from './cast.ts';

export interface Witness {
  readonly signer: Signer;
  readonly verifierKey: string;
}

/** The evaluator's witness key file under the data dir, created on first use. */
export async function witnessKey(dir: string): Promise<Witness> {
  const file = join(dir, 'keys', 'witness-evaluator.pem');
  return existsSync(file) ? openWitnessKey(file) : createWitnessKey(file, 'evaluator.kamchatka.example');
}

const params = { contract: DEMO_CONTRACT };

/**
 * The evaluator's witness as a C2SP tlog-witness server (the code of `sib
 * witness serve`), in this process, with its state under the data dir; it
 * witnesses the logs of every demo contract.
 */
export async function startDemoWitness(dir: string, witness: Witness, log: Signer): Promise<RunningWitness> {
  const logs = await Promise.all(
    [DEMO_CONTRACT, ANTARES_CONTRACT, QARMET_CONTRACT].map((contract) => logVerifierKey(log, contract)),
  );
  return startWitnessServer({ witness: witness.signer, stateDir: join(dir, 'witness-state'), logs });
}

/** The latest checkpoint, which the stack pushed to the evaluator's witness when it signed it. */
async function showCosigned(clients: Clients, witness: Witness): Promise<void> {
  const checkpoint = (await clients.evaluator.call<{ note: string; size: number }>('getCheckpoint', { params })).body;
  const cosigned = checkSigners(checkpoint.note, [witness.verifierKey])[0]?.status === 'signed';
  say(
    `\nThe checkpoint of size ${checkpoint.size} ${cosigned ? 'carries' : 'LACKS'} the cosignature of the evaluator's witness (${witness.verifierKey}), pushed to it by the stack`,
  );
}

interface Links {
  expiresIn: number;
  json: { url: string; fileName: string };
  pdf: { ru?: { url: string; fileName: string } };
}

/** The report's JSON and Russian PDF, downloaded through their presigned URLs into `outDir`. */
async function downloadReport(clients: Clients, sha256: string, outDir: string): Promise<string[]> {
  const links = (await clients.investor.call<Links>('downloadReport', { params: { ...params, report: sha256 } })).body;
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const link of [links.json, links.pdf.ru]) {
    if (link === undefined) continue;
    const response = await fetch(link.url);
    if (!response.ok) throw new Error(`download of ${link.fileName} failed: HTTP ${response.status}`);
    const file = join(outDir, link.fileName);
    await writeFile(file, new Uint8Array(await response.arrayBuffer()));
    files.push(file);
  }
  say(`  downloaded (presigned URLs, ${links.expiresIn} s): ${files.join(', ')}`);
  return files;
}

/** The investor fetches the policy the deployment publishes and keeps it as `<dir>/trust/<contract>.json`. */
async function investorTrust(clients: Clients, dir: string): Promise<{ policy: TrustPolicy; file: string }> {
  const answer = await clients.investor.call<TrustPolicy>('getTrustPolicy', { params });
  const policy = parseTrustPolicy(JSON.stringify(answer.body));
  const file = join(dir, 'trust', `${DEMO_CONTRACT}.json`);
  await mkdir(join(dir, 'trust'), { recursive: true });
  await writeFile(file, `${JSON.stringify(policy, null, 2)}\n`);
  const log = policy.logs[0];
  say(
    `  the investor's trust policy (GET /contracts/${DEMO_CONTRACT}/trust, sib trust show): ${file}; log key and ${
      log === undefined ? 0 : log.witnesses.quorum
    } of ${log?.witnesses.keys.length ?? 0} witness(es) required`,
  );
  return { policy, file };
}

/**
 * The payment-order data of the payment (issue 17), in ru and en, as JSON and
 * XLSX; a payment not approved yet (left attested for the console) has none,
 * and the demo says so.
 */
async function paymentOrders(clients: Clients, dir: string, seq: number): Promise<void> {
  const outDir = join(dir, 'payment-orders');
  const files: string[] = [];
  for (const lang of ['ru', 'en'] as const) {
    let order: PaymentOrderData;
    try {
      order = (
        await clients.ministry.call<PaymentOrderData>('getPaymentOrder', {
          params: { ...params, payment: seq },
          query: { lang },
        })
      ).body;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        say(`  payment-order data: none yet (${error.problem.detail ?? 'not approved'})`);
        return;
      }
      throw error;
    }
    await mkdir(outDir, { recursive: true });
    const base = join(outDir, `${DEMO_CONTRACT}-payment-${seq}-order-${lang}`);
    await writeFile(`${base}.json`, `${JSON.stringify(order, null, 2)}\n`);
    const { paymentOrderXlsx } = await import('../../functions/adapters/xlsx-batch.ts');
    await writeFile(`${base}.xlsx`, await paymentOrderXlsx(order));
    files.push(`${base}.json`, `${base}.xlsx`);
    if (lang === 'ru') {
      say(`  payment-order data for the treasury (form ${order.form}): ${order.totalText}, ${order.totalInWords}`);
    }
  }
  say(`  written (sib ministry payment-order): ${files.join(', ')}`);
}

/** Cosigned, issued, downloaded and verified offline against the investor's trust policy: whether the report verifies. */
export async function auditReport(
  clients: Clients,
  dir: string,
  payment: { period: string; seq: number },
  witness: Witness,
): Promise<boolean> {
  await showCosigned(clients, witness);
  const issued = (
    await clients.ministry.call<{ sha256: string; jsonKey: string; reused: boolean }>('issueReport', {
      params,
      body: { payment: payment.seq, lang: 'ru' },
    })
  ).body;
  say(
    `Audit report of payment ${payment.seq} (${payment.period}), ${issued.reused ? 'already issued' : 'issued'}: ${issued.sha256}`,
  );
  say(`  in the reports bucket: ${issued.jsonKey}`);
  const files = await downloadReport(clients, issued.sha256, join(dir, 'reports'));
  await paymentOrders(clients, dir, payment.seq);
  const json = files[0] as string;
  const trust = await investorTrust(clients, dir);
  const verification = verifyReport(new Uint8Array(await readFile(json)), [], { trust: trust.policy });
  const failed = verification.checks.filter((c) => !c.ok);
  say(
    `  npx sib report verify ${json} --trust ${trust.file}: ${
      verification.ok
        ? `OK, ${verification.checks.length} checks (signatures by the policy's log key, a quorum of its witnesses and each decision's party key, proofs, every amount recomputed)`
        : `FAILED: ${failed.map((c) => `${c.name}: ${c.message ?? ''}`).join('; ')}`
    }`,
  );
  return verification.ok;
}
