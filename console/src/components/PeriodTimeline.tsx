/**
 * The contract's periods in order, each with its dates (from, to, payment
 * date, data cut-off) and its payments: every evaluation of the period, the
 * latest first, with its state, amount and calculation time, a superseded
 * one marked, each linking to its payment page.
 */
import { useLang } from '../i18n.tsx';
import { type PaymentStatus, type ServedSpec, specTexts } from '../lib/contracts.ts';
import { dateTime, day, money } from '../lib/format.ts';

const STATE_BADGE: Record<string, string> = {
  calculated: '',
  attested: 'warn',
  approved: 'ok',
  rejected: 'bad',
  paid: 'ok',
};

export function PeriodTimeline(props: {
  spec: ServedSpec;
  payments: readonly PaymentStatus[] | undefined;
  timeZone: string;
  /** The reader's role: the ministry is pointed to a payment awaiting its decision. */
  role?: string;
}) {
  const { t, lang } = useLang();
  const tl = t.overview.timeline;
  const { spec } = props;
  const tx = specTexts(spec, lang);
  return (
    <ol class="timeline">
      {spec.periods.map((p) => {
        const mine = (props.payments ?? [])
          .filter((x) => x.period === p.id)
          .sort((a, b) => Number(b.latest) - Number(a.latest) || b.payment - a.payment);
        const latestState = mine.find((x) => x.latest)?.state;
        return (
          <li key={p.id} class={`timeline-item state-${latestState ?? 'none'}`}>
            <h3>
              {tx.period(p.id) === undefined ? tl.period(p.id) : `${tx.period(p.id)} (${p.id})`}
              {p.final ? <span class="muted"> · {tl.final}</span> : null}
            </h3>
            <dl class="facts">
              <dt>{tl.dates}</dt>
              <dd>
                {day(p.from, lang)} – {day(p.to, lang)}
              </dd>
              <dt>{tl.paymentDate}</dt>
              <dd>{day(p.paymentDate, lang)}</dd>
              <dt>{tl.dataCutoff}</dt>
              <dd>{p.dataCutoff === undefined ? tl.noCutoff : day(p.dataCutoff, lang)}</dd>
            </dl>
            {props.payments === undefined ? null : mine.length === 0 ? (
              <p class="muted">{tl.noPayment}</p>
            ) : (
              <ul class="evaluations">
                {mine.map((x) => (
                  <li key={x.payment} class={x.latest ? undefined : 'superseded'}>
                    <a href={`/c/${encodeURIComponent(spec.id)}/payments/${x.payment}`}>{tl.payment(x.payment)}</a>{' '}
                    <span class={`badge ${STATE_BADGE[x.state] ?? ''}`}>
                      {t.common.paymentStates[x.state] ?? x.state}
                    </span>{' '}
                    <strong class="num">{money(x.total, x.minorUnit, x.currency, lang)}</strong>{' '}
                    <span class="muted">
                      {tl.calculatedAt} {dateTime(x.calculatedAt, props.timeZone, lang)}
                    </span>
                    {x.latest ? null : (
                      <>
                        {' '}
                        <span class="badge">{tl.superseded}</span>
                      </>
                    )}
                    {x.latest && props.role === 'ministry' && x.state === 'attested' ? (
                      <>
                        {' '}
                        <a class="waiting" href={`/c/${encodeURIComponent(spec.id)}/payments/${x.payment}`}>
                          {tl.awaitsYou}
                        </a>
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
