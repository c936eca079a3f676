/**
 * A payment's page, why the amount is claimed, the money: the payment lines
 * with their formulas in words (and the canonical formula), the caps and
 * whether they bind, what earlier periods of the contract paid, and the
 * split between investors. Each table is exportable.
 */
import type { ExportTable } from '../../lib/export.ts';
import { day, majorUnits, percent } from '../../lib/format.ts';
import { partyName, ruleTitle } from './data.ts';
import { type PaymentView, TableHead } from './payment-view.tsx';
import { formulaWords } from './words.ts';

export function MoneyTables({ v }: { v: PaymentView }) {
  const { loaded, contractId, t, lang, m, status, summary, spec, cur, mu, exportBase, fm, periodLabel, capText } = v;
  const shareText = (share: string) => (share.includes('/') ? share : percent(share, lang, 0));
  const formulaOf = (l: (typeof summary.payments.lines)[number]) =>
    formulaWords(l, spec, lang, t.ministry.formula, t.ministry.caps, t.ministry.groups);
  const lines = summary.payments.lines;
  const linesTable = (): ExportTable => ({
    name: `${exportBase}-${m.lines.exportName}`,
    columns: [
      { key: 'rule', label: m.lines.rule },
      { key: 'type', label: m.lines.type },
      { key: 'outcomes', label: m.lines.outcomes, kind: 'number' },
      { key: 'due', label: `${m.lines.due}, ${cur}`, kind: 'money' },
      { key: 'amount', label: `${m.lines.amount}, ${cur}`, kind: 'money' },
      { key: 'capped', label: m.lines.capped },
      { key: 'formula', label: m.lines.formula },
      { key: 'canonical', label: t.ministry.formula.canonical },
    ],
    rows: lines.map((l) => ({
      rule: ruleTitle(spec, lang, l.rule),
      type: l.type === 'adjustment' ? m.lines.adjustment : m.lines.payment,
      outcomes: l.outcomes,
      due: majorUnits(l.due, mu),
      amount: majorUnits(l.amount, mu),
      capped: l.cappedBy.map(capText).join(', '),
      formula: formulaOf(l),
      canonical: l.formula,
    })),
  });

  const caps = summary.payments.caps;
  const capsTable = (): ExportTable => ({
    name: `${exportBase}-${m.caps.exportName}`,
    columns: [
      { key: 'cap', label: m.caps.cap },
      { key: 'limit', label: `${m.caps.limit}, ${cur}`, kind: 'money' },
      { key: 'before', label: `${m.caps.before}, ${cur}`, kind: 'money' },
      { key: 'after', label: `${m.caps.after}, ${cur}`, kind: 'money' },
      { key: 'binding', label: m.caps.binding },
    ],
    rows: caps.map((c) => ({
      cap: capText(c.cap),
      limit: majorUnits(c.limit, mu),
      before: majorUnits(c.before, mu),
      after: majorUnits(c.after, mu),
      binding: c.binding ? m.metrics.yes : m.metrics.no,
    })),
  });

  // What earlier periods paid: the latest payment of each earlier period of the contract.
  const order = spec.periods.map((p) => p.id);
  const mine = order.indexOf(status.period);
  const earlier = order.slice(0, Math.max(0, mine)).map((periodId) => {
    const latest = loaded.payments.filter((p) => p.period === periodId).at(-1);
    const paid = latest?.steps.find((s) => s.step === 'paid');
    return { period: periodId, latest, paid };
  });
  const earlierTable = (): ExportTable => ({
    name: `${exportBase}-${m.earlier.exportName}`,
    columns: [
      { key: 'period', label: m.earlier.period },
      { key: 'payment', label: m.earlier.payment, kind: 'number' },
      { key: 'amount', label: `${m.earlier.amount}, ${cur}`, kind: 'money' },
      { key: 'state', label: m.earlier.state },
      { key: 'order', label: m.earlier.order },
    ],
    rows: earlier.map((e) => ({
      period: e.period,
      payment: e.latest?.payment ?? '',
      amount: e.latest === undefined ? '' : majorUnits(e.latest.total, mu),
      state: e.latest === undefined ? '—' : (t.common.paymentStates[e.latest.state] ?? e.latest.state),
      order:
        e.paid?.paymentOrder === undefined ? '' : m.history.order(e.paid.paymentOrder, day(e.paid.paidOn ?? '', lang)),
    })),
  });

  const allocation = summary.payments.allocation;
  const allocationTable = (): ExportTable => ({
    name: `${exportBase}-${m.allocation.exportName}`,
    columns: [
      { key: 'investor', label: m.allocation.investor },
      { key: 'share', label: m.allocation.share },
      { key: 'amount', label: `${m.allocation.amount}, ${cur}`, kind: 'money' },
    ],
    rows: allocation.map((a) => ({
      investor: partyName(spec, lang, a.investor),
      share: shareText(a.share),
      amount: majorUnits(a.amount, mu),
    })),
  });
  return (
    <>
      <TableHead title={m.lines.title} table={linesTable} caption={m.lines.caption} />
      {lines.length === 0 ? (
        <p class="muted">{m.lines.none}</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">{m.lines.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{m.lines.rule}</th>
                <th scope="col" class="num">
                  {m.lines.due}
                </th>
                <th scope="col" class="num">
                  {m.lines.amount}
                </th>
                <th scope="col">{m.lines.formula}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={`${l.rule}-${l.type}`}>
                  <td>
                    {ruleTitle(spec, lang, l.rule)}
                    <div class="muted small">
                      {l.type === 'adjustment' ? m.lines.adjustment : m.lines.payment}
                      {l.cappedBy.length > 0 ? ` · ${m.lines.capped}: ${l.cappedBy.map(capText).join(', ')}` : ''}
                    </div>
                  </td>
                  <td class="num">{fm(l.due)}</td>
                  <td class="num">{fm(l.amount)}</td>
                  <td class="formula">
                    {formulaOf(l)}
                    <details class="canonical">
                      <summary>{t.ministry.formula.canonical}</summary>
                      <span lang="en">{l.formula}</span>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{m.lines.total}</th>
                <td />
                <td class="num">
                  <strong>{fm(summary.payments.total)}</strong>
                </td>
                <td class="muted small">{m.lines.formulaLang}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}

      <TableHead title={m.caps.title} table={capsTable} caption={m.caps.caption} />
      {caps.length === 0 ? (
        <p class="muted">{m.caps.none}</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">{m.caps.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{m.caps.cap}</th>
                <th scope="col" class="num">
                  {m.caps.limit}
                </th>
                <th scope="col" class="num">
                  {m.caps.before}
                </th>
                <th scope="col" class="num">
                  {m.caps.after}
                </th>
                <th scope="col">{m.caps.binding}</th>
              </tr>
            </thead>
            <tbody>
              {caps.map((c) => (
                <tr key={c.cap}>
                  <td>{capText(c.cap)}</td>
                  <td class="num">{fm(c.limit)}</td>
                  <td class="num">{fm(c.before)}</td>
                  <td class="num">{fm(c.after)}</td>
                  <td>{c.binding ? <span class="badge warn">{m.metrics.yes}</span> : m.metrics.no}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <TableHead title={m.earlier.title} table={earlierTable} caption={m.earlier.caption} />
      {earlier.length === 0 ? (
        <p class="muted">{m.earlier.none}</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">{m.earlier.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{m.earlier.period}</th>
                <th scope="col">{m.earlier.payment}</th>
                <th scope="col" class="num">
                  {m.earlier.amount}
                </th>
                <th scope="col">{m.earlier.state}</th>
                <th scope="col">{m.earlier.order}</th>
              </tr>
            </thead>
            <tbody>
              {earlier.map((e) => (
                <tr key={e.period}>
                  <td>{periodLabel(e.period)}</td>
                  <td>
                    {e.latest === undefined ? (
                      '—'
                    ) : (
                      <a href={`/c/${encodeURIComponent(contractId)}/payments/${e.latest.payment}`}>
                        № {e.latest.payment}
                      </a>
                    )}
                  </td>
                  <td class="num">{e.latest === undefined ? '—' : fm(e.latest.total)}</td>
                  <td>{e.latest === undefined ? '—' : (t.common.paymentStates[e.latest.state] ?? e.latest.state)}</td>
                  <td>
                    {e.paid?.paymentOrder === undefined
                      ? ''
                      : m.history.order(e.paid.paymentOrder, day(e.paid.paidOn ?? '', lang))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <dl class="facts">
        <dt>{m.earlier.paidBefore}</dt>
        <dd>{fm(summary.payments.paidBefore)}</dd>
        <dt>{m.earlier.cumulative}</dt>
        <dd>{fm(summary.payments.cumulative)}</dd>
      </dl>

      <TableHead title={m.allocation.title} table={allocationTable} caption={m.allocation.caption} />
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">{m.allocation.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{m.allocation.investor}</th>
              <th scope="col" class="num">
                {m.allocation.share}
              </th>
              <th scope="col" class="num">
                {m.allocation.amount}
              </th>
            </tr>
          </thead>
          <tbody>
            {allocation.map((a) => (
              <tr key={a.investor}>
                <td>{partyName(spec, lang, a.investor)}</td>
                <td class="num">{shareText(a.share)}</td>
                <td class="num">{fm(a.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
