/**
 * Work left for the web console by `npm start` (`sib demo --serve` only): the
 * Second Chance scenario settles every payment it makes, so a person signing
 * in would find nothing to decide. This runs the Antares A pilot
 * (scenarios/antares, KZT) quietly, then an evaluator's reviewer (another
 * subject than the one who calculated: separation of duties) enrols its own
 * party key through the API (POST /contracts/{contract}/party-keys, the
 * enrolment statement signed by the key) and attests the pilot's payment with
 * it: the payment then awaits the akimat's decision. It also writes the
 * subjects the console's development sign-in suggests
 * (`<data dir>/sign-in.json`, functions/api/dev.ts). Idempotent: a second
 * run finds the key enrolled and the payment attested, or already decided.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enrolmentStatement, signNote } from '#ledger';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { SIGN_IN_FILE, type SuggestedSubject } from '../../functions/shared/sign-in-subjects.ts';
import { runAntares } from '../../scenarios/antares/run.ts';
import { ANTARES_CONTRACT, PROGRAMME_SUBJECTS } from '../../scenarios/programmes.ts';
import { ApiClient } from '../api-client.ts';
import { createPartyKey, openPartyKey } from '../commands/party-keys.ts';
import { ANALYST, EVALUATOR, INVESTOR, MINISTRY, OPERATOR, TREASURY } from './cast.ts';
import { QARMET_REVIEWER } from './console-files.ts';
import { signDecision } from './parties.ts';

/** The evaluator's reviewer who attests the Antares payment (the pilot's evaluator calculated it). */
export const ANTARES_REVIEWER = { sub: 'vko-evaluator-reviewer', role: 'evaluator' } as const;
/** The akimat's subject: who decides the Antares payment. */
export const ANTARES_MINISTRY = { sub: PROGRAMME_SUBJECTS.antares.ministry, role: 'ministry' } as const;

/** What the console's development sign-in suggests after `npm start`: the deciding subjects first. */
export const SIGN_IN_SUBJECTS: readonly SuggestedSubject[] = [
  {
    subject: ANTARES_MINISTRY.sub,
    role: 'ministry',
    label: 'Akimat of East Kazakhstan: a payment awaits its decision',
  },
  { subject: MINISTRY.sub, role: 'ministry', label: 'Ministry of Labour of Kamchatka: approves payments' },
  { subject: TREASURY.sub, role: 'ministry', label: 'Kamchatka treasury: records payment orders' },
  { subject: INVESTOR.sub, role: 'investor', label: 'VEB.DV, the investor: reports and verification' },
  { subject: EVALUATOR.sub, role: 'evaluator', label: 'The independent evaluator: attests' },
  { subject: ANALYST.sub, role: 'evaluator', label: "The evaluator's analyst: evaluates" },
  { subject: OPERATOR.sub, role: 'operator', label: 'VEB.RF, the operator: submits evidence' },
  {
    subject: PROGRAMME_SUBJECTS.qarmet.operator,
    role: 'operator',
    label: 'Qarmet pilot, the operator: its evidence files await submission',
  },
  {
    subject: PROGRAMME_SUBJECTS.qarmet.evaluator,
    role: 'evaluator',
    label: "Qarmet pilot, the working group's analyst: evaluates the months",
  },
  { subject: QARMET_REVIEWER, role: 'evaluator', label: 'Qarmet pilot, a second evaluator: attests' },
  { subject: PROGRAMME_SUBJECTS.qarmet.ministry, role: 'ministry', label: 'Akimat of Karaganda: decides' },
];

interface PaymentStatus {
  readonly payment: number;
  readonly period: string;
  readonly result: string;
  readonly summary: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
  readonly state: string;
  readonly latest: boolean;
}

export interface ConsoleWork {
  readonly contract: string;
  /** The payment awaiting the ministry's decision, if one does. */
  readonly awaiting?: { readonly payment: number; readonly total: string; readonly currency: string };
  /** The subject to sign in as. */
  readonly subject: string;
  /** Why nothing awaits a decision, when nothing does. */
  readonly note?: string;
}

/**
 * Runs the Antares pilot quietly and leaves its payment attested, awaiting
 * the akimat's decision. `contract`: another id with the pilot's spec (tests).
 */
export async function leaveWorkForTheMinistry(
  dir: string,
  url: string,
  contract: string = ANTARES_CONTRACT,
): Promise<ConsoleWork> {
  await writeSignInSubjects(dir);
  await runAntares({ dataDir: dir, url, say: () => {}, contract });
  const token = await issueToken({ dataDir: dir, sub: ANTARES_REVIEWER.sub, role: 'evaluator', contracts: [contract] });
  const reviewer = new ApiClient({ baseUrl: url, token: token.token });
  const key = await reviewerKey(dir);
  // The reviewer's key joins the contract's trust policy: enrolled with the key's own signature.
  const statement = enrolmentStatement({
    contract,
    role: 'evaluator',
    subject: ANTARES_REVIEWER.sub,
    key: key.verifierKey,
  });
  await reviewer.call('enrolPartyKey', {
    params: { contract },
    body: { role: 'evaluator', key: key.verifierKey, note: await signNote(statement, [key.signer]) },
  });
  const { payments } = (await reviewer.call<{ payments: PaymentStatus[] }>('listPayments', { params: { contract } }))
    .body;
  const status = payments.filter((p) => p.latest).at(-1);
  if (status === undefined) return { contract, subject: ANTARES_MINISTRY.sub, note: 'the pilot recorded no payment' };
  if (status.state === 'calculated') {
    const facts = {
      contract,
      payment: status.payment,
      period: status.period,
      step: 'attested' as const,
      result: status.result,
      summary: status.summary,
      total: status.total,
      minorUnit: status.minorUnit,
      currency: status.currency,
    };
    await reviewer.call('attestPayment', {
      params: { contract, payment: status.payment },
      body: { signature: await signDecision(key, facts) },
    });
  } else if (status.state !== 'attested') {
    return {
      contract,
      subject: ANTARES_MINISTRY.sub,
      note: `payment ${contract}/${status.payment} was ${status.state} in an earlier session`,
    };
  }
  return {
    contract,
    subject: ANTARES_MINISTRY.sub,
    awaiting: { payment: status.payment, total: status.total, currency: status.currency },
  };
}

/** The reviewer's party key file, `<data dir>/keys/<subject>.key`, created on first use. */
async function reviewerKey(dir: string) {
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const file = join(dir, 'keys', `${ANTARES_REVIEWER.sub}.key`);
  return existsSync(file) ? openPartyKey(file) : createPartyKey(file, `${ANTARES_REVIEWER.sub}.vko.example`);
}

/** `<data dir>/sign-in.json`: the subjects the console's development sign-in suggests. */
async function writeSignInSubjects(dir: string): Promise<void> {
  await writeFile(join(dir, SIGN_IN_FILE), `${JSON.stringify({ subjects: SIGN_IN_SUBJECTS }, null, 2)}\n`);
}
