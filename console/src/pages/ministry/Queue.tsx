/**
 * The ministry's "Awaiting my decision" queue (`/ministry/queue`): across
 * the contracts of the session, every payment whose next step is the
 * ministry's: attested (approve or reject) and approved (record the payment
 * order), oldest first, with the amount, the period and how long it has
 * waited since its last step. A payment the official already took part in
 * is marked as another official's step (separation of duties). Exportable.
 */
import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../../app.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { useLang } from '../../i18n.tsx';
import type { ExportTable } from '../../lib/export.ts';
import { age, dateTime, majorUnits, money } from '../../lib/format.ts';
import {
  type ContractItem,
  contractTitle,
  listContracts,
  listPayments,
  type PaymentStatus,
  sinceOf,
  tookPart,
} from './data.ts';

interface Item {
  readonly contract: ContractItem;
  readonly payment: PaymentStatus;
  readonly since: string;
  readonly mine: boolean;
}

interface Loaded {
  readonly contracts: readonly ContractItem[];
  readonly items: readonly Item[];
  readonly failed: readonly string[];
}

const AWAITING = new Set(['attested', 'approved']);

async function loadQueue(subject: string): Promise<Loaded> {
  const contracts = await listContracts();
  const results = await Promise.allSettled(contracts.map((c) => listPayments(c.id)));
  const items: Item[] = [];
  const failed: string[] = [];
  results.forEach((r, i) => {
    const contract = contracts[i] as ContractItem;
    if (r.status === 'rejected') {
      failed.push(contract.id);
      return;
    }
    for (const payment of r.value) {
      // A superseded calculation can no longer be approved: the latest of its period is the one in the queue.
      if (!AWAITING.has(payment.state) || (payment.state === 'attested' && !payment.latest)) continue;
      // An approved payment of nothing needs no payment order.
      if (payment.state === 'approved' && BigInt(payment.total) === 0n) continue;
      items.push({ contract, payment, since: sinceOf(payment), mine: !tookPart(payment, subject) });
    }
  });
  items.sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : 0));
  return { contracts, items, failed };
}

export default function Queue() {
  const { t, lang } = useLang();
  const q = t.ministry.queue;
  const session = useSession();
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (session === undefined) return;
    let live = true;
    setError(undefined);
    loadQueue(session.subject).then(
      (l) => live && setLoaded(l),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [session?.subject, attempt]);

  const title = (c: ContractItem) => contractTitle(c, undefined, c.id, lang);
  const exportTable = (items: readonly Item[]): ExportTable => ({
    name: `${q.exportName}-${new Date().toISOString().slice(0, 10)}`,
    columns: [
      { key: 'contract', label: q.columns.contract },
      { key: 'payment', label: q.columns.payment, kind: 'number' },
      { key: 'period', label: q.columns.period },
      { key: 'amount', label: q.columns.amount, kind: 'money' },
      { key: 'currency', label: 'ISO 4217' },
      { key: 'state', label: q.columns.state },
      { key: 'next', label: q.columns.next },
      { key: 'since', label: q.columns.since },
      { key: 'age', label: q.columns.age },
    ],
    rows: items.map((i) => ({
      contract: title(i.contract),
      payment: i.payment.payment,
      period: i.payment.period,
      amount: majorUnits(i.payment.total, i.payment.minorUnit),
      currency: i.payment.currency,
      state: t.common.paymentStates[i.payment.state] ?? i.payment.state,
      next: `${i.payment.state === 'attested' ? q.next.decide : q.next.record}${i.mine ? '' : ` (${q.otherOfficial})`}`,
      since: dateTime(i.since, i.contract.timeZone, lang),
      age: age(i.since, lang),
    })),
  });

  return (
    <>
      <h1>{q.title}</h1>
      <p class="lead">{q.intro}</p>
      <div aria-live="polite">
        {error !== undefined ? (
          <div class="alert bad" role="alert">
            <p>{error}</p>
            <button type="button" class="secondary" onClick={() => setAttempt((n) => n + 1)}>
              {t.common.retry}
            </button>
          </div>
        ) : loaded === undefined ? (
          <p class="muted">{q.loading}</p>
        ) : loaded.contracts.length === 0 ? (
          <p class="panel">{q.noContracts}</p>
        ) : (
          <>
            {loaded.failed.map((c) => (
              <p key={c} class="alert warn">
                {q.contractFailed(c)}
              </p>
            ))}
            {loaded.items.length === 0 ? (
              <p class="panel empty">{q.empty}</p>
            ) : (
              <>
                <div class="table-head">
                  <p class="muted">{q.count(loaded.items.length)}</p>
                  <ExportButtons table={() => exportTable(loaded.items)} label={q.caption} />
                </div>
                <div class="table-scroll">
                  <table class="queue">
                    <caption class="visually-hidden">{q.caption}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{q.columns.contract}</th>
                        <th scope="col">{q.columns.period}</th>
                        <th scope="col" class="num">
                          {q.columns.amount}
                        </th>
                        <th scope="col">{q.columns.state}</th>
                        <th scope="col">{q.columns.next}</th>
                        <th scope="col">{q.columns.age}</th>
                        <th scope="col">
                          <span class="visually-hidden">{q.columns.open}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {loaded.items.map((i) => (
                        <tr key={`${i.contract.id}/${i.payment.payment}`}>
                          <td>{title(i.contract)}</td>
                          <td>{i.payment.period}</td>
                          <td class="num">{money(i.payment.total, i.payment.minorUnit, i.payment.currency, lang)}</td>
                          <td>
                            <span class={`badge state-${i.payment.state}`}>
                              {t.common.paymentStates[i.payment.state] ?? i.payment.state}
                            </span>
                          </td>
                          <td>
                            {i.payment.state === 'attested' ? q.next.decide : q.next.record}
                            {i.mine ? null : <div class="muted small">{q.otherOfficial}</div>}
                          </td>
                          <td>
                            {age(i.since, lang)}
                            <div class="muted small">{dateTime(i.since, i.contract.timeZone, lang)}</div>
                          </td>
                          <td>
                            <a
                              class="button small"
                              href={`/c/${encodeURIComponent(i.contract.id)}/payments/${i.payment.payment}`}
                              aria-label={`${q.openPayment(i.payment.payment)}: ${title(i.contract)}, ${i.payment.period}`}
                            >
                              {q.columns.open}
                            </a>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </>
        )}
      </div>
    </>
  );
}
