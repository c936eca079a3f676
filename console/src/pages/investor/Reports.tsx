/**
 * `/investor/reports`: the signed audit reports of each contract of the
 * session, with the period, the payment's amount and state, when the report
 * was issued (in the contract's time zone, named), and which report is
 * current: the latest (largest checkpoint) of the period's current
 * calculation; the others are superseded. Each downloads as a PDF in
 * Russian or English, or as the JSON the verify page checks.
 *
 * The download route answers with short-lived presigned links
 * (functions/api/reports.ts), on another origin than the console's: the page
 * asks for them (with the token) and shows them as links, which the
 * browser follows as a navigation, not governed by the CSP's connect-src.
 */

import { useEffect, useState } from 'preact/hooks';
import type { ContractSpec } from '#contracts';
import type { PaymentStatus } from '#payments';
import { useLang } from '../../i18n.tsx';
import { count, dateTime, money } from '../../lib/format.ts';
import {
  type ContractInfo,
  contractVersions,
  listContracts,
  listPayments,
  listReports,
  type ReportDownload,
  reportDownload,
  type StoredReport,
  useLoad,
} from './data.ts';
import { currentReports, stateAt } from './figures.ts';
import { contractTitle, ErrorText, periodName } from './parts.tsx';

interface ContractReports {
  readonly reports: readonly StoredReport[];
  readonly payments: readonly PaymentStatus[];
  readonly spec: ContractSpec | undefined;
}

/**
 * The report's links, as real anchors: the short-lived presigned URLs are
 * asked for when the row shows and again before they expire, so a click is
 * a plain navigation (no pop-up blocker, "save link as" works) and never a
 * fetch the CSP's connect-src would refuse.
 */
function Downloads(props: { contract: string; report: StoredReport; period: string }) {
  const { t } = useLang();
  const [links, setLinks] = useState<ReportDownload | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  const [round, setRound] = useState(0);
  const r = props.report;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setFailed(undefined);
    reportDownload(props.contract, r.sha256).then(
      (l) => {
        if (!live) return;
        setLinks(l);
        // Renewed a minute before they expire.
        timer = setTimeout(() => setRound((n) => n + 1), Math.max(30, l.expiresIn - 60) * 1000);
      },
      (error: unknown) => {
        if (!live) return;
        setLinks(undefined);
        setFailed(t.investor.reports.downloadFailed((error as Error).message));
      },
    );
    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [props.contract, r.sha256, round, t]);
  const link = (label: string, to: { url: string; fileName: string } | undefined) =>
    to === undefined ? null : (
      <a
        class="button secondary small"
        href={to.url}
        target="_blank"
        rel="noopener noreferrer"
        download={to.fileName}
        aria-label={t.investor.reports.downloadLabel(label, props.period)}
      >
        {label}
      </a>
    );
  return (
    <div class="downloads">
      {links === undefined && failed === undefined ? (
        <span class="muted small-text">{t.investor.reports.preparing}</span>
      ) : null}
      {links === undefined ? null : (
        <>
          {link(t.investor.reports.pdfRu, links.pdf.ru)}
          {link(t.investor.reports.pdfEn, links.pdf.en)}
          {link(t.investor.reports.json, links.json)}
        </>
      )}
      {failed === undefined ? null : (
        <>
          <span class="bad small-text">{failed}</span>
          <button type="button" class="secondary small" onClick={() => setRound((n) => n + 1)}>
            {t.common.retry}
          </button>
        </>
      )}
    </div>
  );
}

function ContractSection(props: { contract: ContractInfo }) {
  const { t, lang } = useLang();
  const c = props.contract;
  const [loaded] = useLoad<ContractReports>(async () => {
    const [reports, payments, versions] = await Promise.all([
      listReports(c.id),
      listPayments(c.id),
      contractVersions(c.id).catch(() => []),
    ]);
    return { reports, payments, spec: versions.at(-1)?.spec };
  }, c.id);
  const title = contractTitle(c, lang);
  const headingId = `reports-${c.id}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {loaded.state === 'loading' ? <p class="muted">{t.common.loading}</p> : null}
      {loaded.state === 'failed' ? <ErrorText error={loaded.error} /> : null}
      {loaded.state === 'ready' ? <ReportTable contract={c} data={loaded.data} /> : null}
    </section>
  );
}

function ReportTable(props: { contract: ContractInfo; data: ContractReports }) {
  const { t, lang } = useLang();
  const c = props.contract;
  const { reports, payments, spec } = props.data;
  if (reports.length === 0) return <p>{t.investor.reports.none}</p>;
  const current = currentReports(reports, payments);
  const byPayment = new Map(payments.map((p) => [p.payment, p]));
  const order = spec?.periods.map((p) => p.id) ?? [];
  const rank = (period: string) => {
    const i = order.indexOf(period);
    return i < 0 ? order.length : i;
  };
  const sorted = [...reports].sort(
    (a, b) =>
      rank(a.period) - rank(b.period) || a.period.localeCompare(b.period) || b.payment - a.payment || b.size - a.size,
  );
  const cols = t.investor.reports.columns;
  return (
    <table class="reports">
      <caption class="visually-hidden">{t.investor.reports.caption(contractTitle(c, lang))}</caption>
      <thead>
        <tr>
          <th scope="col">{cols.period}</th>
          <th scope="col" class="num">
            {cols.amount}
          </th>
          <th scope="col">{cols.status}</th>
          <th scope="col">{cols.issued}</th>
          <th scope="col">{cols.report}</th>
          <th scope="col">{cols.download}</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => {
          const p = byPayment.get(r.payment);
          const isCurrent = current.has(r.sha256);
          const period = periodName(spec, r.period, lang, t.investor.period);
          return (
            <tr key={r.sha256} class={isCurrent ? 'current' : 'superseded'} data-report={r.sha256}>
              <td>{period}</td>
              <td class="num">{p === undefined ? '—' : money(p.total, p.minorUnit, p.currency, lang)}</td>
              <td>{p === undefined ? '—' : (t.common.paymentStates[stateAt(p, r.size)] ?? stateAt(p, r.size))}</td>
              <td>{r.issuedAt === undefined ? t.investor.reports.noDate : dateTime(r.issuedAt, c.timeZone, lang)}</td>
              <td>
                <span class={isCurrent ? 'badge ok' : 'badge'}>
                  {isCurrent ? t.investor.reports.current : t.investor.reports.superseded}
                </span>
                <div class="muted small-text">{t.investor.reports.logSize(r.size, count(r.size, lang))}</div>
                <div class="mono small-text" title="SHA-256">
                  {r.sha256.slice(0, 12)}…
                </div>
              </td>
              <td>
                <Downloads contract={c.id} report={r} period={period} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export default function Reports() {
  const { t } = useLang();
  const [contracts] = useLoad(listContracts, 'contracts');
  return (
    <>
      <h1>{t.investor.reports.title}</h1>
      <p>{t.investor.reports.intro}</p>
      <p>
        {t.investor.reports.verifyHint} <a href="/investor/verify">{t.investor.reports.verifyLink}</a>.
      </p>
      {contracts.state === 'loading' ? <p class="muted">{t.common.loading}</p> : null}
      {contracts.state === 'failed' ? <ErrorText error={contracts.error} /> : null}
      {contracts.state === 'ready' && contracts.data.length === 0 ? <p>{t.investor.noContracts}</p> : null}
      {contracts.state === 'ready' ? contracts.data.map((c) => <ContractSection key={c.id} contract={c} />) : null}
    </>
  );
}
