/**
 * The ministry's decision on a payment page: approve, reject with a reason,
 * or record the payment order (number and date). Each goes through a
 * confirmation step stating the amount in figures and in words, the payees'
 * split by the contract's shares (the domain's allocateToInvestors, exact),
 * the contract version, the reason or the order, who signs as what with
 * which key, and the statement the signature covers. It is signed in the
 * browser with the official's own key (crypto/party-key.ts) and sent with
 * the body the CLI sends. A refusal is said in words, nothing is written,
 * and the page reloads the payment's state.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { allocateToInvestors } from '../../../../domain/evaluation/money.ts';
import { freeTextProblems } from '../../../../domain/evidence/free-text.ts';
import { decisionStatement } from '../../../../domain/ledger/statement.ts';
import { SIGNING_ROLE_OF_STEP } from '../../../../domain/ledger/trust.ts';
import { PAYMENT_ORDER } from '../../../../domain/payments/rules.ts';
import { useSession } from '../../app.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { loadPartyKey, type PartyKey, signStatement } from '../../crypto/party-key.ts';
import { useLang } from '../../i18n.tsx';
import { day, money, moneyInWords, percent } from '../../lib/format.ts';
import {
  type DecisionStep,
  type EnrolledKey,
  enrolledKeys,
  partyName,
  refusalText,
  sendDecision,
  tookPart,
} from './data.ts';
import type { Loaded } from './payment-load.ts';

const REASON_MAX = 2000;

interface Fields {
  reason: string;
  paymentOrder: string;
  paidOn: string;
}

type Stage =
  | { readonly kind: 'idle' }
  | { readonly kind: 'form'; readonly step: DecisionStep }
  | { readonly kind: 'confirm'; readonly step: DecisionStep; readonly statement: string }
  | { readonly kind: 'sending'; readonly step: DecisionStep; readonly statement: string };

type Outcome =
  | { readonly kind: 'done'; readonly step: DecisionStep; readonly seq?: number; readonly report?: boolean }
  | { readonly kind: 'refused'; readonly text: string; readonly detail?: string };

/** Today in the contract's zone, YYYY-MM-DD (a payment order cannot be dated later). */
function today(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

function realDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

export function Decision(props: {
  contractId: string;
  title: string;
  loaded: Loaded;
  summaryOk: boolean | undefined;
  onChanged: () => void;
}) {
  const { t, lang } = useLang();
  const d = t.ministry.decide;
  const session = useSession();
  const { status, contract } = props.loaded.answer;
  const spec = contract.spec;
  const zone = props.loaded.contract?.timeZone ?? (spec as { timeZone?: string }).timeZone ?? 'UTC';
  const [key, setKey] = useState<PartyKey | null | undefined>();
  const [enrolled, setEnrolled] = useState<readonly EnrolledKey[] | null | undefined>();
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [fields, setFields] = useState<Fields>({ reason: '', paymentOrder: '', paidOn: today(zone) });
  const [problems, setProblems] = useState<Partial<Record<keyof Fields, string>>>({});
  const confirmHeading = useRef<HTMLHeadingElement>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const isMinistry = session?.role === 'ministry';
  // Back here once the key is made and enrolled.
  const keysLink = `/keys?next=${encodeURIComponent(`/c/${encodeURIComponent(props.contractId)}/payments/${status.payment}`)}`;

  useEffect(() => {
    if (!isMinistry || session === undefined) return;
    let live = true;
    loadPartyKey(session.subject).then(
      (k) => live && setKey(k ?? null),
      () => live && setKey(null),
    );
    enrolledKeys(props.contractId).then(
      (k) => live && setEnrolled(k),
      // No enrolment list (an older server): the decision is still signed; the trust policy decides.
      () => live && setEnrolled(null),
    );
    return () => {
      live = false;
    };
  }, [isMinistry, session?.subject, props.contractId, status.state, status.steps.length]);

  useEffect(() => {
    if (stage.kind === 'confirm') confirmHeading.current?.focus();
  }, [stage.kind]);
  useEffect(() => {
    if (outcome !== undefined) outcomeRef.current?.focus();
  }, [outcome]);

  if (!isMinistry || session === undefined) {
    return (
      <section aria-labelledby="decide-h" class="decision">
        <h2 id="decide-h">{d.title}</h2>
        <p class="muted">{d.forOthers}</p>
      </section>
    );
  }

  const stateText = t.common.paymentStates[status.state] ?? status.state;
  const steps: DecisionStep[] =
    status.state === 'attested' ? ['approved', 'rejected'] : status.state === 'approved' ? ['paid'] : [];
  const signingRole = (step: DecisionStep) => SIGNING_ROLE_OF_STEP[step];
  const roleLabel = (role: string) => t.ministry.key.signingRoles[role] ?? role;
  const enrolledFor = (role: string) =>
    enrolled === null || enrolled === undefined
      ? true
      : enrolled.some((k) => k.key === key?.verifierKey && k.role === role);
  const fm = (v: string) => money(v, status.minorUnit, status.currency, lang);

  const validate = (step: DecisionStep): boolean => {
    const found: Partial<Record<keyof Fields, string>> = {};
    if (step === 'rejected') {
      const reason = fields.reason;
      if (reason.trim() === '') found.reason = d.reasonRequired;
      else if (reason.length > REASON_MAX) found.reason = d.reasonTooLong;
      else if (freeTextProblems(reason).length > 0)
        found.reason = `${d.reasonPersonal} (${freeTextProblems(reason).join('; ')})`;
    }
    if (step === 'paid') {
      if (!PAYMENT_ORDER.test(fields.paymentOrder)) found.paymentOrder = d.orderInvalid;
      if (!realDay(fields.paidOn)) found.paidOn = d.paidOnInvalid;
      else if (fields.paidOn > today(zone)) found.paidOn = d.paidOnFuture;
    }
    setProblems(found);
    return Object.keys(found).length === 0;
  };

  const toConfirm = async (step: DecisionStep) => {
    if (!validate(step)) return;
    const statement = await withWebCrypto(() =>
      decisionStatement({
        contract: props.contractId,
        payment: status.payment,
        period: status.period,
        step,
        result: status.result,
        summary: status.summary,
        total: status.total,
        minorUnit: status.minorUnit,
        currency: status.currency,
        ...(step === 'rejected' ? { reason: fields.reason } : {}),
        ...(step === 'paid' ? { paymentOrder: fields.paymentOrder, paidOn: fields.paidOn } : {}),
      }),
    );
    setStage({ kind: 'confirm', step, statement });
  };

  const sign = async (step: DecisionStep, statement: string) => {
    if (key === null || key === undefined) return;
    setStage({ kind: 'sending', step, statement });
    try {
      const signature = await signStatement(key, statement);
      const answer = await sendDecision(
        props.contractId,
        status.payment,
        step,
        {
          ...(step === 'rejected' ? { reason: fields.reason } : {}),
          ...(step === 'paid' ? { paymentOrder: fields.paymentOrder, paidOn: fields.paidOn } : {}),
          lang,
        },
        signature,
      );
      const seq = answer.receipt?.seq ?? answer.seq;
      setOutcome({
        kind: 'done',
        step,
        ...(seq === undefined ? {} : { seq }),
        ...(answer.report === undefined ? {} : { report: answer.report.issued }),
      });
    } catch (error) {
      setOutcome({
        kind: 'refused',
        ...refusalText(error, t.ministry.refusal, t.common.paymentStates, {
          currency: status.currency,
          minorUnit: status.minorUnit,
          lang,
        }),
      });
    }
    setStage({ kind: 'idle' });
    props.onChanged();
  };

  const outcomeBox =
    outcome === undefined ? null : outcome.kind === 'done' ? (
      <div class="alert ok" role="status" tabIndex={-1} ref={outcomeRef}>
        <p>
          <strong>{d.done[outcome.step]}</strong>
          {outcome.seq === undefined ? null : ` (${d.entry(outcome.seq)})`}
        </p>
        {outcome.report === undefined ? null : <p>{outcome.report ? d.reportIssued : d.reportNotIssued}</p>}
      </div>
    ) : (
      <div class="alert bad refusal" role="alert" tabIndex={-1} ref={outcomeRef}>
        <p>
          <strong>{t.ministry.refusal.title}.</strong> {outcome.text}
        </p>
        {outcome.detail === undefined ? null : (
          <details>
            <summary>{t.ministry.refusal.detail}</summary>
            <p class="mono" lang="en">
              {outcome.detail}
            </p>
          </details>
        )}
      </div>
    );

  let body: preact.ComponentChildren;
  if (steps.length === 0) {
    body = <p class="muted">{d.notYours(stateText)}</p>;
  } else if (tookPart(status, session.subject)) {
    body = <p class="alert warn">{d.separation}</p>;
  } else if (key === undefined || enrolled === undefined) {
    body = <p class="muted">{t.common.loading}</p>;
  } else if (key === null) {
    body = (
      <div class="alert warn">
        <p>{d.needKey}</p>
        <a class="button" href={keysLink}>
          {d.goToKey}
        </a>
      </div>
    );
  } else if (
    steps.every((s) => !enrolledFor(signingRole(s))) &&
    enrolled?.some((k) => k.key === key.verifierKey) === true
  ) {
    // A key signs as one role on a contract: this step is another role's, so another official's.
    const mine = enrolled.find((k) => k.key === key.verifierKey) as EnrolledKey;
    body = (
      <p class="alert warn">{d.otherRole(roleLabel(signingRole(steps[0] as DecisionStep)), roleLabel(mine.role))}</p>
    );
  } else if (steps.every((s) => !enrolledFor(signingRole(s)))) {
    body = (
      <div class="alert warn">
        <p>{d.needEnrolment(roleLabel(signingRole(steps[0] as DecisionStep)))}</p>
        <a class="button" href={keysLink}>
          {d.goToKey}
        </a>
      </div>
    );
  } else if (stage.kind === 'idle') {
    body = (
      <div class="row">
        {steps.includes('approved') ? (
          <button type="button" disabled={props.summaryOk === false} onClick={() => void toConfirm('approved')}>
            {d.approve}
          </button>
        ) : null}
        {steps.includes('rejected') ? (
          <button type="button" class="danger" onClick={() => setStage({ kind: 'form', step: 'rejected' })}>
            {d.reject}
          </button>
        ) : null}
        {steps.includes('paid') ? (
          <button type="button" onClick={() => setStage({ kind: 'form', step: 'paid' })}>
            {d.record}
          </button>
        ) : null}
      </div>
    );
  } else if (stage.kind === 'form') {
    const step = stage.step;
    body = (
      <form
        class="decision-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void toConfirm(step);
        }}
      >
        {step === 'rejected' ? (
          <>
            <label for="reason">{d.reason}</label>
            <textarea
              id="reason"
              rows={4}
              maxLength={REASON_MAX}
              value={fields.reason}
              aria-describedby="reason-hint reason-problem"
              aria-invalid={problems.reason === undefined ? undefined : true}
              required
              onInput={(e) => setFields({ ...fields, reason: (e.target as HTMLTextAreaElement).value })}
            />
            <p id="reason-hint" class="muted small">
              {d.reasonHint}
            </p>
            <p id="reason-problem" class="field-problem" aria-live="polite">
              {problems.reason ?? ''}
            </p>
          </>
        ) : (
          <>
            <label for="order">{d.order}</label>
            <input
              id="order"
              type="text"
              maxLength={64}
              autoComplete="off"
              value={fields.paymentOrder}
              aria-describedby="order-hint order-problem"
              aria-invalid={problems.paymentOrder === undefined ? undefined : true}
              required
              onInput={(e) => setFields({ ...fields, paymentOrder: (e.target as HTMLInputElement).value })}
            />
            <p id="order-hint" class="muted small">
              {d.orderHint}
            </p>
            <p id="order-problem" class="field-problem" aria-live="polite">
              {problems.paymentOrder ?? ''}
            </p>
            <label for="paid-on">{d.paidOn}</label>
            <input
              id="paid-on"
              type="date"
              max={today(zone)}
              value={fields.paidOn}
              aria-describedby="paid-on-problem"
              aria-invalid={problems.paidOn === undefined ? undefined : true}
              required
              onInput={(e) => setFields({ ...fields, paidOn: (e.target as HTMLInputElement).value })}
            />
            <p id="paid-on-problem" class="field-problem" aria-live="polite">
              {problems.paidOn ?? ''}
            </p>
          </>
        )}
        <div class="row">
          <button type="submit">{d.continue}</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setProblems({});
              setStage({ kind: 'idle' });
            }}
          >
            {d.cancel}
          </button>
        </div>
      </form>
    );
  } else {
    const { step, statement } = stage;
    const role = signingRole(step);
    const split = allocateToInvestors(spec, BigInt(status.total));
    body = (
      <section class="confirm panel" aria-labelledby="confirm-h">
        <h3 id="confirm-h" tabIndex={-1} ref={confirmHeading}>
          {d.confirmTitle[step]}
        </h3>
        <p>{d.confirmIntro}</p>
        <dl class="facts">
          <dt>{t.ministry.payment.amount}</dt>
          <dd>
            <strong class="amount">{fm(status.total)}</strong>
            <div>
              {t.ministry.payment.inWords}: {moneyInWords(status.total, status.minorUnit, status.currency, lang)}
            </div>
          </dd>
          <dt>{d.contract}</dt>
          <dd>
            {props.title} · {d.version(contract.version)} · {t.ministry.payment.period.toLowerCase()} {status.period}
          </dd>
          <dt>{d.payee}</dt>
          <dd>
            <ul class="plain">
              {split.map((a) => (
                <li key={a.investor}>
                  {partyName(spec, lang, a.investor)} ({a.share.includes('/') ? a.share : percent(a.share, lang, 0)}):{' '}
                  <strong>{fm(a.amount)}</strong>
                </li>
              ))}
            </ul>
          </dd>
          {step === 'rejected' ? (
            <>
              <dt>{d.reason}</dt>
              <dd class="pre">{fields.reason}</dd>
            </>
          ) : null}
          {step === 'paid' ? (
            <>
              <dt>{d.order}</dt>
              <dd>{fields.paymentOrder}</dd>
              <dt>{d.paidOn}</dt>
              <dd>{day(fields.paidOn, lang)}</dd>
            </>
          ) : null}
          <dt>{d.signAs}</dt>
          <dd>
            {session.subject} · {roleLabel(role)}
          </dd>
          <dt>{d.signingKey}</dt>
          <dd class="mono">{key?.verifierKey.split('+').slice(0, 2).join('+')}</dd>
        </dl>
        <details class="statement">
          <summary>{d.covers}</summary>
          <p class="muted small">{d.coversHint}</p>
          <pre class="mono">{statement}</pre>
        </details>
        <div class="row">
          <button
            type="button"
            class={step === 'rejected' ? 'danger' : ''}
            disabled={stage.kind === 'sending'}
            onClick={() => void sign(step, statement)}
          >
            {stage.kind === 'sending' ? d.signing : d.sign[step]}
          </button>
          <button
            type="button"
            class="secondary"
            disabled={stage.kind === 'sending'}
            onClick={() => setStage(step === 'approved' ? { kind: 'idle' } : { kind: 'form', step })}
          >
            {d.cancel}
          </button>
        </div>
      </section>
    );
  }

  return (
    <section aria-labelledby="decide-h" class="decision">
      <h2 id="decide-h">{d.title}</h2>
      <div aria-live="polite">{outcomeBox}</div>
      {body}
    </section>
  );
}
