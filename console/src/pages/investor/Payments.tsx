/**
 * `/investor/payments`: what each investor is owed and was paid, per
 * period, for each contract of the session. A payment's total is split
 * among the investors by the shares of the contract version its evaluation
 * cites, with the domain's own allocation (allocateToInvestors: exact, the
 * largest remainder, as reports and the verifier split it). Approved is
 * owed; paid shows the payment order and the day; rejected shows the
 * ministry's reason; calculated or attested awaits the ministry. A
 * recalculated period shows its current payment only (and any rejected
 * one). Totals per investor; both tables export to XLSX and CSV.
 *
 * No token maps a subject to an investor of the spec; where the session's
 * subject is an investor's id, that line is marked as the investor's own.
 */

import { shareRatio } from '#contracts';
import { useSession } from '../../app.tsx';
import { ExportButtons, type ExportTable } from '../../components/ExportButtons.tsx';
import { useLang } from '../../i18n.tsx';
import { dateTime, day, majorUnits, money, percent } from '../../lib/format.ts';
import { type ContractInfo, contractVersions, listContracts, listPayments, useLoad } from './data.ts';
import { investorLines, investorTotals } from './figures.ts';
import { contractTitle, ErrorText, periodName } from './parts.tsx';

function shareText(share: string, lang: 'ru' | 'en'): string {
  const r = shareRatio(share);
  const x = Number(r.num) / Number(r.den);
  return percent(x, lang, Number.isInteger(Math.round(x * 1e6) / 1e4) ? 0 : 2);
}

function ContractPayments(props: { contract: ContractInfo; subject: string | undefined }) {
  const { t, lang } = useLang();
  const c = props.contract;
  const [loaded] = useLoad(async () => {
    const [payments, versions] = await Promise.all([listPayments(c.id), contractVersions(c.id)]);
    return { lines: investorLines(payments, versions), spec: versions.at(-1)?.spec };
  }, c.id);
  const title = contractTitle(c, lang);
  const headingId = `payments-${c.id}`;
  const tp = t.investor.payments;
  const cols = tp.columns;
  const m = (minor: string | bigint) => money(minor, c.minorUnit, c.currency, lang);
  let body = null;
  if (loaded.state === 'loading') body = <p class="muted">{t.common.loading}</p>;
  else if (loaded.state === 'failed') body = <ErrorText error={loaded.error} />;
  else if (loaded.data.lines.length === 0) body = <p>{tp.none}</p>;
  else {
    const { lines, spec } = loaded.data;
    const totals = investorTotals(lines);
    const who = (id: string, names: { ru: string; en: string }) =>
      id === props.subject ? `${names[lang]} ${tp.yours}` : names[lang];
    const period = (id: string) => periodName(spec, id, lang, t.investor.period);
    const table: ExportTable = {
      name: tp.exportName(c.id),
      columns: [
        { key: 'period', label: cols.period },
        { key: 'investor', label: cols.investor },
        { key: 'share', label: cols.share },
        { key: 'amount', label: `${cols.amount}, ${c.currency}`, kind: 'money' },
        { key: 'state', label: cols.state },
        { key: 'order', label: cols.order },
        { key: 'paidOn', label: cols.paidOn, kind: 'date' },
      ],
      rows: lines.map((l) => ({
        period: l.period,
        investor: l.names[lang],
        share: l.share,
        amount: majorUnits(l.amount, c.minorUnit),
        state: tp.states[l.standing] ?? l.standing,
        order: l.paymentOrder ?? '',
        paidOn: l.paidOn ?? '',
      })),
    };
    const totalsTable: ExportTable = {
      name: tp.totalsExportName(c.id),
      columns: [
        { key: 'investor', label: cols.investor },
        { key: 'owed', label: `${tp.owedTotal}, ${c.currency}`, kind: 'money' },
        { key: 'paid', label: `${tp.paidTotal}, ${c.currency}`, kind: 'money' },
      ],
      rows: totals.map((x) => ({
        investor: x.names[lang],
        owed: majorUnits(x.owed, c.minorUnit),
        paid: majorUnits(x.paid, c.minorUnit),
      })),
    };
    const sum = (f: (x: (typeof totals)[number]) => bigint) => totals.reduce((s, x) => s + f(x), 0n);
    body = (
      <>
        <table class="payments">
          <caption class="visually-hidden">{tp.caption(title)}</caption>
          <thead>
            <tr>
              <th scope="col">{cols.period}</th>
              <th scope="col">{cols.investor}</th>
              <th scope="col" class="num">
                {cols.share}
              </th>
              <th scope="col" class="num">
                {cols.amount}
              </th>
              <th scope="col">{cols.state}</th>
              <th scope="col">{cols.order}</th>
              <th scope="col">{cols.paidOn}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={`${l.payment}-${l.investor}`} class={l.investor === props.subject ? 'mine' : undefined}>
                <td>{period(l.period)}</td>
                <td>{who(l.investor, l.names)}</td>
                <td class="num">{shareText(l.share, lang)}</td>
                <td class="num">{m(l.amount)}</td>
                <td>
                  <span class={`badge standing-${l.standing}`}>{tp.states[l.standing]}</span>
                  {l.decision === undefined ? null : (
                    <div class="muted small-text">
                      {tp.decided[l.decision.step](dateTime(l.decision.at, c.timeZone, lang))}
                    </div>
                  )}
                  {l.reason === undefined ? null : <div class="small-text">{tp.reason(l.reason)}</div>}
                </td>
                <td class="nowrap">{l.paymentOrder ?? '—'}</td>
                <td>{l.paidOn === undefined ? '—' : day(l.paidOn, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {lines.some((l) => l.investor === props.subject) ? null : <p class="muted small-text">{tp.allInvestors}</p>}
        <ExportButtons table={table} label={tp.caption(title)} />
        <h3>{tp.totals}</h3>
        <table class="payment-totals">
          <caption class="visually-hidden">{tp.totalsCaption(title)}</caption>
          <thead>
            <tr>
              <th scope="col">{cols.investor}</th>
              <th scope="col" class="num">
                {tp.owedTotal}
              </th>
              <th scope="col" class="num">
                {tp.paidTotal}
              </th>
            </tr>
          </thead>
          <tbody>
            {totals.map((x) => (
              <tr key={x.investor} class={x.investor === props.subject ? 'mine' : undefined}>
                <td>{who(x.investor, x.names)}</td>
                <td class="num">{m(x.owed)}</td>
                <td class="num">{m(x.paid)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" class="payment-totals-total">
                {tp.totals}
              </th>
              <td class="num">
                <strong>{m(sum((x) => x.owed))}</strong>
              </td>
              <td class="num">
                <strong>{m(sum((x) => x.paid))}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
        <ExportButtons table={totalsTable} label={tp.totalsCaption(title)} />
      </>
    );
  }
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {body}
    </section>
  );
}

export default function Payments() {
  const { t } = useLang();
  const session = useSession();
  const [contracts] = useLoad(listContracts, 'contracts');
  return (
    <>
      <h1>{t.investor.payments.title}</h1>
      <p>{t.investor.payments.intro}</p>
      {contracts.state === 'loading' ? <p class="muted">{t.common.loading}</p> : null}
      {contracts.state === 'failed' ? <ErrorText error={contracts.error} /> : null}
      {contracts.state === 'ready' && contracts.data.length === 0 ? <p>{t.investor.noContracts}</p> : null}
      {contracts.state === 'ready'
        ? contracts.data.map((c) => <ContractPayments key={c.id} contract={c} subject={session?.subject} />)
        : null}
    </>
  );
}
