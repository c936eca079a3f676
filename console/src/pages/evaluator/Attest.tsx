/**
 * The evaluator attests payments (`/evaluator/attest`): the payments whose
 * calculation awaits attestation (state `calculated`, the latest of their
 * period) across the session's contracts; a payment's view
 * (`?contract=&payment=`) shows what is claimed (the amount, the period, who
 * calculated it at which checkpoint, the calculation's tables), checks in
 * the browser with the domain's code that the summary hashes to what the
 * entry names and that the analyst's signature verifies (ministry
 * payment-load.ts), shows exactly the `sib-ledger/decision/v1` statement
 * the attestation signs, signs it with the evaluator's key in this browser
 * and sends POST …/payments/{p}/attest as `sib evaluator attest --key` does.
 * Four eyes: the server refuses the subject who calculated; the page warns
 * first and says the server's refusal in words.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { decisionStatement } from '#ledger';
import { useSession } from '../../app.tsx';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../../components/async.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { signStatement } from '../../crypto/party-key.ts';
import { useLang } from '../../i18n.tsx';
import { ApiError } from '../../lib/api.ts';
import { dateTime, money, moneyInWords } from '../../lib/format.ts';
import { contractTitle, tookPart } from '../ministry/data.ts';
import { type Checked, check, type Loaded, load } from '../ministry/payment-load.ts';
import { MoneyTables } from '../ministry/payment-money.tsx';
import { OutcomeTables } from '../ministry/payment-outcomes.tsx';
import { paymentView } from '../ministry/payment-view.tsx';
import { type Awaiting, attest, awaitingAttestation } from './eval-data.ts';
import { canSign, KeyNotice, useSigningKey } from './eval-key.tsx';
import { OutcomeBox, type Refusal, StatementBox, serverWords } from './eval-parts.tsx';

export default function Attest() {
  const { t } = useLang();
  usePageTitle(t.common.nav.attest);
  const { query } = useLocation();
  const contract = query.contract;
  const payment = query.payment;
  if (contract !== undefined && payment !== undefined && /^\d+$/.test(payment)) {
    return <PaymentAttest contract={contract} payment={Number(payment)} />;
  }
  return <AwaitingList />;
}

function AwaitingList() {
  const { t, lang } = useLang();
  const a = t.evaluator.attest;
  const list = useAsync(() => awaitingAttestation(), []);
  return (
    <>
      <h1>{t.common.nav.attest}</h1>
      <p class="lead">{a.intro}</p>
      {list.status === 'loading' ? (
        <Loading />
      ) : list.status === 'failed' ? (
        <ProblemNote error={list.error} />
      ) : list.value.awaiting.length === 0 ? (
        <p class="muted">{a.none}</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">{a.listCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{t.evaluator.contract}</th>
                <th scope="col" class="num">
                  {a.payment}
                </th>
                <th scope="col">{t.evaluator.period}</th>
                <th scope="col" class="num">
                  {a.amount}
                </th>
                <th scope="col">{a.calculatedBy}</th>
                <th scope="col">{a.at}</th>
              </tr>
            </thead>
            <tbody>
              {list.value.awaiting.map(({ contract, payment: p }: Awaiting) => (
                <tr key={`${contract.id}-${p.payment}`}>
                  <td>{contractTitle(contract, undefined, contract.id, lang)}</td>
                  <td class="num">
                    <a href={`/evaluator/attest?contract=${encodeURIComponent(contract.id)}&payment=${p.payment}`}>
                      {a.open(p.payment)}
                    </a>
                  </td>
                  <td>{p.period}</td>
                  <td class="num">{money(p.total, p.minorUnit, p.currency, lang)}</td>
                  <td>{p.calculatedBy.sub}</td>
                  <td>{dateTime(p.calculatedAt, contract.timeZone, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function PaymentAttest(props: { contract: string; payment: number }) {
  const { t, lang } = useLang();
  const a = t.evaluator.attest;
  const session = useSession();
  const [reloads, setReloads] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<unknown>();
  const [checked, setChecked] = useState<Checked | undefined>();
  const [statement, setStatement] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: true; seq?: number } | { ok: false; refusal: Refusal } | undefined>();
  const keyState = useSigningKey(props.contract);

  useEffect(() => {
    let live = true;
    setError(undefined);
    load(props.contract, String(props.payment)).then(
      async (l) => {
        if (!live) return;
        setLoaded(l);
        const s = l.answer.status;
        const [c, text] = await Promise.all([
          check(props.contract, l).catch(() => undefined),
          withWebCrypto(() =>
            decisionStatement({
              contract: props.contract,
              payment: s.payment,
              period: s.period,
              step: 'attested',
              result: s.result,
              summary: s.summary,
              total: s.total,
              minorUnit: s.minorUnit,
              currency: s.currency,
            }),
          ),
        ]);
        if (!live) return;
        setChecked(c);
        setStatement(text);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [props.contract, props.payment, reloads]);

  const back = (
    <p class="crumbs">
      <a href="/evaluator/attest">{a.back}</a>
    </p>
  );
  if (error !== undefined) {
    return (
      <>
        {back}
        <h1>{a.title(props.payment, '…')}</h1>
        <ProblemNote error={error} />
      </>
    );
  }
  if (loaded === undefined) {
    return (
      <>
        {back}
        <h1>{a.title(props.payment, '…')}</h1>
        <Loading />
      </>
    );
  }

  const v = paymentView(loaded, props.contract, t, lang);
  const { status, spec } = v;
  const title = contractTitle(loaded.contract, spec, props.contract, lang);
  const calc = checked?.signatures.find((s) => s.step === 'calculated');
  const mine = session !== undefined && tookPart(status, session.subject);
  const stateText = t.common.paymentStates[status.state] ?? status.state;

  const sign = async () => {
    if (!canSign(keyState, 'evaluator') || statement === undefined) return;
    setBusy(true);
    setOutcome(undefined);
    try {
      const signature = await signStatement(keyState.key, statement);
      const answer = await attest(props.contract, status.payment, signature);
      const seq = answer.receipt?.seq ?? answer.seq;
      setOutcome({ ok: true, ...(seq === undefined ? {} : { seq }) });
    } catch (e) {
      setOutcome({ ok: false, refusal: refusalOf(e, t) });
    }
    setBusy(false);
    setReloads((n) => n + 1);
  };

  return (
    <>
      {back}
      <h1>
        {a.title(status.payment, v.periodLabel(status.period))}
        <span class="h1-sub">{title}</span>
      </h1>
      <section class="panel" aria-labelledby="claimed-h">
        <h2 id="claimed-h">{a.claimed}</h2>
        <dl class="facts">
          <dt>{a.amount}</dt>
          <dd>
            <strong class="amount">{v.fm(status.total)}</strong>
            <div class="muted">
              {a.inWords}: {moneyInWords(status.total, status.minorUnit, status.currency, lang)}
            </div>
          </dd>
          <dt>{t.ministry.payment.state}</dt>
          <dd>
            <span class={`badge state-${status.state}`}>{stateText}</span>
          </dd>
          <dt>{a.calculatedBy}</dt>
          <dd>
            {t.ministry.payment.calculatedBy(status.calculatedBy.sub, dateTime(status.calculatedAt, v.zone, lang))}
          </dd>
          <dt>{a.checkpoint}</dt>
          <dd>
            {a.checkpointText(status.checkpoint)} · <span class="mono">{loaded.answer.summary.evaluatedAt.root}</span>
          </dd>
          <dt>{t.evaluator.evaluate.resultHash}</dt>
          <dd class="mono">{status.result}</dd>
          <dt>{t.evaluator.evaluate.summaryHash}</dt>
          <dd class="mono">{status.summary}</dd>
        </dl>
      </section>

      <section aria-labelledby="attest-checks-h">
        <h2 id="attest-checks-h">{a.checks}</h2>
        <div aria-live="polite">
          {checked === undefined ? (
            <p class="muted">{t.ministry.payment.checks.running}</p>
          ) : (
            <ul class="check-list">
              <li class={checked.summaryOk ? 'ok' : 'bad'}>
                <span aria-hidden="true">{checked.summaryOk ? '✓' : '✗'}</span>{' '}
                {checked.summaryOk ? a.summaryOk : a.summaryBad}
              </li>
              <li class={calc === undefined ? '' : calc.verifies ? 'ok' : 'bad'}>
                <span aria-hidden="true">{calc === undefined ? '–' : calc.verifies ? '✓' : '✗'}</span>{' '}
                {calc === undefined ? a.calcUnsigned : calc.verifies ? a.calcSigned : a.calcBad}
              </li>
              {calc?.trusted === undefined ? null : (
                <li class={calc.trusted ? 'ok' : 'bad'}>
                  <span aria-hidden="true">{calc.trusted ? '✓' : '✗'}</span>{' '}
                  {calc.trusted ? a.calcTrusted : a.calcUntrusted}
                </li>
              )}
            </ul>
          )}
        </div>
      </section>

      <details class="eval-tables">
        <summary>{a.showTables}</summary>
        <OutcomeTables v={v} />
        <MoneyTables v={v} />
      </details>

      <section class="decision" aria-labelledby="attest-h">
        <h2 id="attest-h">{t.ministry.payment.signatures.attestation}</h2>
        <div aria-live="polite">
          {outcome === undefined ? null : outcome.ok ? (
            <OutcomeBox ok lead={a.done(outcome.seq)}>
              <p>
                <a href={`/c/${encodeURIComponent(props.contract)}/payments/${status.payment}`}>{a.openPayment}</a>
              </p>
            </OutcomeBox>
          ) : (
            <OutcomeBox ok={false} lead={a.refused} refusal={outcome.refusal} />
          )}
        </div>
        {status.state !== 'calculated' ? (
          outcome?.ok ? null : (
            <p class="muted">{a.notCalculated(stateText)}</p>
          )
        ) : (
          <>
            {mine ? <p class="alert warn">{a.fourEyes(session?.subject ?? '')}</p> : null}
            {statement === undefined ? null : <StatementBox id="attest-statement-h" statement={statement} />}
            <KeyNotice state={keyState} needed="evaluator" />
            <button
              type="button"
              disabled={busy || statement === undefined || !canSign(keyState, 'evaluator')}
              onClick={() => void sign()}
            >
              {busy ? a.signing : a.sign}
            </button>
          </>
        )}
      </section>
    </>
  );
}

/** A refused attestation in words: four eyes, the wrong step, the signature; the server's own words beside. */
function refusalOf(error: unknown, t: ReturnType<typeof useLang>['t']): Refusal {
  const a = t.evaluator.attest;
  if (!(error instanceof ApiError)) return { text: t.evaluator.network };
  const detail = serverWords(error);
  const p = error.problem;
  const fields = (p.problems ?? (p.errors as typeof p.problems) ?? []) as readonly { field?: string }[];
  const text =
    error.status === 403 && /separation of duties|four.eyes|same subject/i.test(p.detail ?? '')
      ? a.separation
      : error.status === 409 && typeof p.state === 'string'
        ? a.wrongState(t.common.paymentStates[p.state] ?? p.state)
        : (error.status === 422 || error.status === 400) && fields.some((f) => f.field?.startsWith('signature'))
          ? a.signature
          : (p.detail ?? t.common.errors.generic(error.status));
  return { text, ...(detail === undefined ? {} : { detail }) };
}
