/**
 * The shape of a report dictionary: every label, sentence and phrase the PDF
 * prints, so each language (ru.ts, en.ts) must give every one of them. Also
 * the no-break space the phrases and the number formats share.
 */
import type { PaymentState } from '#ledger';
import type { DecisionWords } from './decision.ts';

/** Keeps a number with its sign or unit on one line (`№ 12`, `37,8 %`). */
export const NBSP = '\u00a0';

export interface Words {
  // Title block
  readonly kicker: string;
  readonly docTitle: string;
  readonly period: string;
  /** The period by its name (sections/decision.ts periodName), with its days. */
  readonly periodLine: (name: string, from: string, to: string) => string;
  readonly final: string;
  readonly paymentDate: string;
  readonly contractId: string;
  readonly version: (v: number) => string;
  readonly specHash: string;
  readonly registered: (seq: number) => string;
  readonly currency: string;
  readonly commissioner: string;
  readonly investors: string;
  readonly operator: string;
  readonly evaluator: string;
  readonly evidence: string;
  readonly evidenceLine: (records: string, batches: string, enrolled: string, withdrawn: string) => string;
  readonly evaluation: string;
  readonly evaluationLine: (seq: number, size: string) => string;
  readonly resultHash: string;
  readonly state: string;
  readonly issued: string;
  // How to verify
  readonly verifyTitle: string;
  readonly verifyText: string;
  readonly jsonFile: string;
  readonly jsonHash: string;
  readonly command: string;
  /** The verify command with the keys on the command line. */
  readonly commandKeys: string;
  /** The verify command with the investor's trust policy, and where the policy file comes from. */
  readonly commandTrust: string;
  readonly trustFrom: string;
  readonly logKey: string;
  readonly witnessKeys: (quorum: number, of: number) => string;
  readonly partyKeys: (role: string) => string;
  // Outcomes and groups
  readonly outcomes: string;
  readonly metric: string;
  readonly value: string;
  readonly target: string;
  readonly interval: (level: string) => string;
  readonly met: string;
  readonly n: string;
  readonly yes: string;
  readonly no: string;
  readonly pending: (n: string) => string;
  readonly illustrative: string;
  readonly byGroup: string;
  readonly total: string;
  readonly group: string;
  readonly planned: string;
  readonly suppressedWord: string;
  readonly suppressedNote: string;
  // Comparisons, triggers, indicators
  readonly comparisons: string;
  readonly comparison: string;
  readonly treatment: string;
  readonly against: string;
  readonly effect: string;
  readonly test: string;
  readonly baseline: string;
  readonly significant: string;
  readonly notSignificant: string;
  readonly triggers: string;
  readonly trigger: string;
  readonly because: string;
  readonly indicators: string;
  readonly rule: string;
  readonly threshold: string;
  readonly thresholdNote: string;
  // Chart
  readonly chart: string;
  readonly legendMet: string;
  readonly legendNotMet: string;
  readonly legendTarget: string;
  readonly legendThreshold: string;
  readonly chartNote: string;
  readonly noFigure: string;
  // Payment lines and totals
  readonly payments: string;
  readonly kind: string;
  readonly outcomesCount: string;
  readonly formula: string;
  readonly amount: string;
  readonly payment: string;
  readonly adjustment: string;
  /** A note under the payment lines; empty for none. */
  readonly formulaNote: string;
  readonly noLines: string;
  readonly totals: string;
  readonly thisPeriod: string;
  readonly paidBefore: string;
  readonly cumulative: string;
  readonly byPeriod: string;
  readonly caps: string;
  readonly cap: string;
  readonly limit: string;
  readonly before: string;
  readonly after: string;
  readonly binding: string;
  readonly capOverall: string;
  readonly capPerPeriod: string;
  readonly capPerOutcome: (rule: string) => string;
  readonly capReturn: (rate: string, principal: string, date: string) => string;
  readonly allocation: string;
  readonly investor: string;
  readonly share: string;
  // Workflow
  readonly workflow: string;
  readonly step: string;
  readonly subject: string;
  readonly role: string;
  readonly at: string;
  readonly entry: string;
  readonly entryNo: (seq: number) => string;
  readonly details: string;
  readonly steps: Readonly<Record<PaymentState, string>>;
  /** Actor roles by their name in the log; a role not listed prints as itself. */
  readonly roles: Readonly<Record<string, string>>;
  readonly paymentOrder: (n: string, on: string) => string;
  readonly reason: (r: string) => string;
  readonly resultOf: (total: string) => string;
  // Signatures and footers
  readonly signatures: string;
  readonly checkpoint: string;
  readonly checkpointSize: (size: string) => string;
  readonly checkpointRoot: string;
  readonly logSignature: string;
  readonly witnesses: string;
  readonly none: string;
  readonly reportSignature: string;
  readonly footerHash: string;
  readonly footerVerify: string;
  readonly page: (i: number, n: number) => string;
  /** The first page, the decision (locales/decision.ts). */
  readonly decision: DecisionWords;
}
