/**
 * What the ministry's pages read and send through the API: the session's
 * contracts, their payments, a payment's summary (why it is claimed, with
 * its signatures), the enrolled party keys and the published trust policy,
 * the decision requests; and a refused request put in the official's words.
 */
import type { ContractSpec } from '#contracts';
import type { PaymentState, SignedStatement } from '#ledger';
import type { PaymentStatus } from '#payments';
import type { PublicSummary } from '#reports';
import { type Lang, localized } from '../../i18n.tsx';
import { ApiError, api, contractPath } from '../../lib/api.ts';
import { listContracts } from '../../lib/contract-list.ts';
import type { ContractListItem } from '../../lib/contracts.ts';
import { money } from '../../lib/format.ts';
import type { ministry as ru } from '../../locales/ru/ministry.ts';

export type { ContractSpec, PaymentStatus, PublicSummary };

/** A key enrolled on a contract (GET /contracts/{c}/party-keys; domain/services/party-keys.ts). */
export interface EnrolledKey {
  readonly role: string;
  readonly subject: string;
  readonly key: string;
  readonly seq: number;
  readonly at: string;
}

/** One contract of GET /contracts. */
export type ContractItem = ContractListItem;
export { listContracts };

export async function listPayments(contract: string): Promise<PaymentStatus[]> {
  return (await api<{ payments: PaymentStatus[] }>(contractPath(contract, 'payments'))).payments;
}

/** A step's party signature as the summary route gives it. */
export interface StepSignature {
  readonly step: PaymentState;
  readonly seq: number;
  readonly subject: string;
  readonly at: string;
  readonly key: string;
  readonly line: string;
}

export interface PaymentSummaryAnswer {
  readonly status: PaymentStatus;
  readonly summary: PublicSummary;
  readonly contract: { readonly version: number; readonly hash: string; readonly spec: ContractSpec };
  readonly signatures: readonly StepSignature[];
}

export function paymentSummary(contract: string, payment: number | string): Promise<PaymentSummaryAnswer> {
  return api<PaymentSummaryAnswer>(contractPath(contract, 'payments', payment, 'summary'));
}

export async function enrolledKeys(contract: string): Promise<EnrolledKey[]> {
  return (await api<{ keys: EnrolledKey[] }>(contractPath(contract, 'party-keys'))).keys;
}

/** The published trust policy's parties for the contract's log (role -> verifier keys). */
export async function trustedParties(contract: string): Promise<Readonly<Record<string, readonly string[]>>> {
  const policy = await api<{ logs?: { contract: string; parties?: Record<string, string[]> }[] }>(
    contractPath(contract, 'trust'),
  );
  return policy.logs?.find((l) => l.contract === contract)?.parties ?? {};
}

export function enrolKey(contract: string, body: { role: string; key: string; note: string }): Promise<unknown> {
  return api(contractPath(contract, 'party-keys'), { method: 'POST', body });
}

export type DecisionStep = 'approved' | 'rejected' | 'paid';
const ROUTE: Readonly<Record<DecisionStep, string>> = { approved: 'approve', rejected: 'reject', paid: 'paid' };

/** The answer of a decision: a step receipt (approve: with the report issued or why not). */
export interface DecisionAnswer {
  readonly seq?: number;
  readonly receipt?: { readonly seq: number };
  readonly report?: { readonly issued: boolean };
}

/** Sends a decision with the body the CLI sends (cli/roles/ministry.ts). */
export function sendDecision(
  contract: string,
  payment: number,
  step: DecisionStep,
  fields: { reason?: string; paymentOrder?: string; paidOn?: string; lang?: Lang },
  signature: SignedStatement,
): Promise<DecisionAnswer> {
  const body =
    step === 'approved'
      ? { lang: fields.lang ?? 'ru', signature }
      : step === 'rejected'
        ? { reason: fields.reason, signature }
        : { paymentOrder: fields.paymentOrder, paidOn: fields.paidOn, signature };
  return api<DecisionAnswer>(contractPath(contract, 'payments', payment, ROUTE[step]), { method: 'POST', body });
}

/** The contract's title in the language: the list's, else the spec's translation, else its title, else its id. */
export function contractTitle(c: ContractItem | undefined, spec: ContractSpec | undefined, id: string, lang: Lang) {
  const fromList = c === undefined ? '' : localized(c.title, lang);
  if (fromList !== '') return fromList;
  if (spec !== undefined) return specText(spec, lang, 'title', undefined, spec.title);
  return id;
}

type Section = 'title' | 'metrics' | 'payments' | 'parties' | 'periods' | 'triggers';

/** A text of the spec in the language: `translations[lang]` where it has one, else the spec's own. */
export function specText(
  spec: ContractSpec,
  lang: Lang,
  section: Section,
  id: string | undefined,
  own: string,
): string {
  const translations = (spec as { translations?: Record<string, Record<string, unknown>> }).translations;
  if (lang === 'ru' || translations === undefined) return own;
  const t = translations[lang];
  const value = section === 'title' ? t?.title : (t?.[section] as Record<string, string> | undefined)?.[id ?? ''];
  return typeof value === 'string' && value !== '' ? value : own;
}

/** A metric's title in the language. */
export function metricTitle(spec: ContractSpec, lang: Lang, id: string): string {
  const own = spec.metrics.find((m) => m.id === id)?.title ?? id;
  return specText(spec, lang, 'metrics', id, own);
}

/** A payment rule's title in the language (a rule has an id and, maybe, a title). */
export function ruleTitle(spec: ContractSpec, lang: Lang, id: string): string {
  const rule = spec.payments.find((r) => r.id === id) as { title?: string } | undefined;
  return specText(spec, lang, 'payments', id, rule?.title ?? id);
}

/** A party's name in the language. */
export function partyName(spec: ContractSpec, lang: Lang, id: string): string {
  const p = spec.parties as unknown as Record<string, { id: string; name: string } | { id: string; name: string }[]>;
  for (const v of Object.values(p)) {
    for (const party of Array.isArray(v) ? v : [v]) {
      if (party?.id === id) return specText(spec, lang, 'parties', id, party.name);
    }
  }
  return id;
}

/** The age of a payment's current step: the last step's time, or the calculation's. */
export function sinceOf(p: PaymentStatus): string {
  return p.steps.at(-1)?.at ?? p.calculatedAt;
}

/** Whether the subject took part in the payment already (separation of duties: the next step is another official's). */
export function tookPart(p: PaymentStatus, subject: string): boolean {
  return p.calculatedBy.sub === subject || p.steps.some((s) => s.actor.sub === subject);
}

type Refusal = (typeof ru)['refusal'];

/** A refused request in words (the server's detail beside it), for the official. */
export function refusalText(
  error: unknown,
  r: Refusal,
  states: Readonly<Record<string, string>>,
  fmt: { currency: string; minorUnit: number; lang: Lang },
): { text: string; detail?: string } {
  if (!(error instanceof ApiError)) return { text: r.network, detail: (error as Error)?.message };
  const p = error.problem;
  const detail = p.detail;
  const m = (v: unknown) => money(String(v ?? '0'), fmt.minorUnit, fmt.currency, fmt.lang);
  const errors = (p.errors ?? p.problems ?? []) as readonly { field?: string }[];
  switch (error.status) {
    case 409: {
      if (typeof p.cap === 'string') {
        const cap = p.cap.startsWith('the overall')
          ? r.capNames.overall
          : p.cap.startsWith('the per-period')
            ? r.capNames.perPeriod
            : r.capNames.returnCap(p.cap.replace(/^the return cap at /, ''));
        return { text: r.cap(cap, m(p.total), m(p.before), m(p.limit)), ...(detail ? { detail } : {}) };
      }
      if (typeof p.latest === 'number') return { text: r.notLatest(p.latest), ...(detail ? { detail } : {}) };
      if (typeof p.period === 'string') return { text: r.earlier(p.period), ...(detail ? { detail } : {}) };
      if (typeof p.other === 'number') return { text: r.paidOnce(p.other), ...(detail ? { detail } : {}) };
      if (typeof p.state === 'string') {
        return { text: r.wrongStep(states[p.state] ?? p.state), ...(detail ? { detail } : {}) };
      }
      return { text: r.conflict, ...(detail ? { detail } : {}) };
    }
    case 403:
      return {
        text: /separation of duties/.test(detail ?? '') ? r.separation : r.forbidden,
        ...(detail ? { detail } : {}),
      };
    case 422:
    case 400:
      return {
        text: errors.some((e) => e.field?.startsWith('signature')) ? r.signature : r.invalid,
        ...(detail
          ? { detail: [detail, ...errors.map((e) => (e as { message?: string }).message ?? '')].join(' · ') }
          : {}),
      };
    case 404:
      return { text: r.notFound, ...(detail ? { detail } : {}) };
    default:
      return { text: r.other(error.status), ...(detail ? { detail } : {}) };
  }
}
