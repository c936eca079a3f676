/**
 * A payment's page (`/c/:contract/payments/:payment`), for every role that
 * reads payments: why the amount is claimed, before any button (outcomes
 * against targets with intervals and a warning where a rate rests on few
 * people, comparisons, indicators' verdicts, payment lines with their
 * formulas, caps, what earlier periods paid, the split between investors),
 * and who took each step, with each signature and the summary's hash checked
 * in the page by the domain's own code (withWebCrypto). The ministry decides
 * here (Decision.tsx): approve, reject with a reason, record the payment
 * order, each signed in the browser with the official's own key.
 *
 * This file keeps the page itself: its loading states, the payment's facts,
 * the in-page checks' results and the decision. Loading and checking are in
 * payment-load.ts; the sections in payment-outcomes.tsx, payment-money.tsx
 * and payment-signatures.tsx, over the shared view in payment-view.tsx.
 */
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { useSession } from '../../app.tsx';
import { useLang } from '../../i18n.tsx';
import { dateTime, day, moneyInWords } from '../../lib/format.ts';
import { Decision } from './Decision.tsx';
import { contractTitle } from './data.ts';
import { type Checked, check, type Loaded, load } from './payment-load.ts';
import { MoneyTables } from './payment-money.tsx';
import { OutcomeTables } from './payment-outcomes.tsx';
import { SignaturesSection } from './payment-signatures.tsx';
import { paymentView } from './payment-view.tsx';

export { type Loaded, stepStatement } from './payment-load.ts';

export default function Payment() {
  const { params } = useRoute();
  const contractId = params.contract ?? '';
  const paymentId = params.payment ?? '';
  const { t, lang } = useLang();
  const session = useSession();
  const m = t.ministry.payment;
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [checked, setChecked] = useState<Checked | undefined>();
  const [checkError, setCheckError] = useState<string | undefined>();
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    let live = true;
    setError(undefined);
    load(contractId, paymentId).then(
      (l) => {
        if (!live) return;
        setLoaded(l);
        setChecked(undefined);
        setCheckError(undefined);
        check(contractId, l).then(
          (c) => live && setChecked(c),
          (e: Error) => live && setCheckError(e.message),
        );
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [contractId, paymentId, reloads]);

  if (error !== undefined) {
    return (
      <>
        <h1>{m.title(Number(paymentId), '…')}</h1>
        <div class="alert bad" role="alert">
          <p>{error}</p>
          <button type="button" class="secondary" onClick={() => setReloads((n) => n + 1)}>
            {t.common.retry}
          </button>
        </div>
      </>
    );
  }
  if (loaded === undefined) {
    return (
      <>
        <h1>{m.title(Number(paymentId), '…')}</h1>
        <p class="muted" aria-live="polite">
          {m.loading}
        </p>
      </>
    );
  }

  const v = paymentView(loaded, contractId, t, lang);
  const { status, summary, contract, signatures, spec, zone, cur, mu, fm, periodLabel, capText } = v;
  const title = contractTitle(loaded.contract, spec, contractId, lang);
  const period = spec.periods.find((p) => p.id === status.period);
  const stateText = t.common.paymentStates[status.state] ?? status.state;
  const attestation = signatures.find((s) => s.step === 'attested');
  const attestedStep = status.steps.find((s) => s.step === 'attested');
  const caps = summary.payments.caps;
  const attestationCheck = checked?.signatures.find((s) => s.step === 'attested');

  return (
    <>
      <p class="crumbs">
        {session?.role === 'ministry' ? <a href="/ministry/queue">{m.back}</a> : null}
        {session?.role === 'ministry' ? ' · ' : null}
        <a href={`/c/${encodeURIComponent(contractId)}`}>{m.backToContract}</a>
      </p>
      <h1>
        {m.title(status.payment, periodLabel(status.period))}
        <span class="h1-sub">{title}</span>
      </h1>

      <section class="panel summary-facts" aria-labelledby="facts-h">
        <h2 id="facts-h" class="visually-hidden">
          {m.amount}
        </h2>
        <dl class="facts">
          <dt>{m.amount}</dt>
          <dd>
            <strong class="amount">{fm(status.total)}</strong>
            <div class="muted">
              {m.inWords}: {moneyInWords(status.total, mu, cur, lang)}
            </div>
          </dd>
          <dt>{m.state}</dt>
          <dd>
            <span class={`badge state-${status.state}`}>{stateText}</span>
          </dd>
          <dt>{m.period}</dt>
          <dd>
            {periodLabel(status.period)}
            {period === undefined ? null : ` · ${m.periodDates(day(period.from, lang), day(period.to, lang))}`}
          </dd>
          {period === undefined ? null : (
            <>
              <dt>{m.paymentDate}</dt>
              <dd>{day(period.paymentDate, lang)}</dd>
            </>
          )}
          <dt>{m.contractVersion}</dt>
          <dd>
            {contract.version} <span class="mono muted">{contract.hash.slice(0, 16)}…</span>
          </dd>
          <dt>{m.calculated}</dt>
          <dd>
            {m.calculatedBy(status.calculatedBy.sub, dateTime(status.calculatedAt, zone, lang))}
            <div class="muted small">
              {m.evaluatedAt(summary.evaluatedAt.size)} · {m.records(summary.records, summary.batches)} ·{' '}
              {m.participants(summary.participants.enrolled, summary.participants.withdrawn)}
            </div>
          </dd>
        </dl>
        {status.latest || status.state !== 'attested' ? null : <p class="alert warn">{m.notLatest}</p>}
        {caps
          .filter((c) => BigInt(c.after) > BigInt(c.limit))
          .map((c) => (
            <p key={c.cap} class="alert bad">
              {m.overCap(capText(c.cap), fm(c.after), fm(c.limit))}
            </p>
          ))}
        {status.steps
          .filter((s) => s.reason !== undefined || s.paymentOrder !== undefined)
          .map((s) => (
            <p key={s.seq} class="muted">
              {s.reason !== undefined ? m.history.reason(s.reason) : null}
              {s.paymentOrder !== undefined ? m.history.order(s.paymentOrder, day(s.paidOn ?? '', lang)) : null}
            </p>
          ))}
      </section>

      <section aria-labelledby="checks-h" class="checks">
        <h2 id="checks-h">{m.checks.title}</h2>
        <p class="muted small">{m.checks.intro}</p>
        <div aria-live="polite">
          {checkError !== undefined ? (
            <p class="alert bad">
              {m.checks.failed}: {checkError}
            </p>
          ) : checked === undefined ? (
            <p class="muted">{m.checks.running}</p>
          ) : (
            <ul class="check-list">
              <li class={checked.summaryOk ? 'ok' : 'bad'}>
                <span aria-hidden="true">{checked.summaryOk ? '✓' : '✗'}</span>{' '}
                {checked.summaryOk ? m.checks.summaryOk : m.checks.summaryBad}
              </li>
              <li class={attestationCheck === undefined ? '' : attestationCheck.verifies ? 'ok' : 'bad'}>
                <strong>{m.signatures.attestation}: </strong>
                {attestedStep === undefined ? (
                  m.signatures.notAttested
                ) : (
                  <>
                    {m.signatures.attestedBy(attestedStep.actor.sub, dateTime(attestedStep.at, zone, lang))}{' '}
                    {attestation === undefined ? (
                      <span class="badge warn">{m.signatures.unsigned}</span>
                    ) : attestationCheck === undefined ? null : (
                      <>
                        <span class={`badge ${attestationCheck.verifies ? 'ok' : 'bad'}`}>
                          {m.signatures.verifies}: {attestationCheck.verifies ? m.signatures.ok : m.signatures.bad}
                        </span>{' '}
                        {attestationCheck.trusted === undefined ? null : (
                          <span class={`badge ${attestationCheck.trusted ? 'ok' : 'warn'}`}>
                            {attestationCheck.trusted ? m.signatures.trusted : m.signatures.untrusted}
                          </span>
                        )}
                      </>
                    )}
                  </>
                )}
              </li>
            </ul>
          )}
        </div>
      </section>

      <section aria-labelledby="why-h">
        <h2 id="why-h">{m.why}</h2>
        <p class="muted">{m.whyIntro}</p>

        <OutcomeTables v={v} />
        <MoneyTables v={v} />
      </section>

      <SignaturesSection v={v} checked={checked} />

      <Decision
        contractId={contractId}
        title={title}
        loaded={loaded}
        summaryOk={checked?.summaryOk}
        onChanged={() => setReloads((n) => n + 1)}
      />
    </>
  );
}
