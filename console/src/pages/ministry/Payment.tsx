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
 */
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { calculatedStatement, decisionProblem, type SignedDecision } from '../../../../domain/ledger/decisions.ts';
import { decisionStatement, signatureVerifies } from '../../../../domain/ledger/statement.ts';
import { SIGNING_ROLE_OF_STEP } from '../../../../domain/ledger/trust.ts';
import { summaryHash } from '../../../../domain/reports/summary.ts';
import { useSession } from '../../app.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { type Lang, useLang } from '../../i18n.tsx';
import type { ExportTable } from '../../lib/export.ts';
import { count, dateTime, day, majorUnits, money, moneyInWords, percent } from '../../lib/format.ts';
import { Decision } from './Decision.tsx';
import {
  type ContractItem,
  contractTitle,
  listContracts,
  listPayments,
  metricTitle,
  type PaymentStatus,
  type PaymentSummaryAnswer,
  partyName,
  paymentSummary,
  ruleTitle,
  type StepSignature,
  specText,
  trustedParties,
} from './data.ts';
import { capName, formulaWords } from './words.ts';

/** A rate over fewer people than this gets a plain-words warning: chance weighs heavily (the normal approximation's rule of thumb). */
const FEW_PEOPLE = 30;

interface Checked {
  readonly summaryOk: boolean;
  readonly signatures: readonly (StepSignature & { verifies: boolean; trusted?: boolean })[];
}

export interface Loaded {
  readonly answer: PaymentSummaryAnswer;
  readonly contract?: ContractItem;
  readonly payments: readonly PaymentStatus[];
  readonly trust?: Readonly<Record<string, readonly string[]>>;
}

/** The statement each step's signer signed, rebuilt from the payment's status (as the server and verifiers do). */
export function stepStatement(contract: string, status: PaymentStatus, sig: { step: string; seq: number }): string {
  if (sig.step === 'calculated') {
    return calculatedStatement(
      contract,
      status.payment,
      {
        period: status.period,
        result: { sha256: status.result, key: '' },
        summary: status.summary,
        total: status.total,
        currency: status.currency,
      },
      status.minorUnit,
    );
  }
  const record = status.steps.find((s) => s.seq === sig.seq);
  return decisionStatement({
    contract,
    payment: status.payment,
    period: status.period,
    step: sig.step as PaymentStatus['state'],
    result: status.result,
    summary: status.summary,
    total: status.total,
    minorUnit: status.minorUnit,
    currency: status.currency,
    ...(record?.reason === undefined ? {} : { reason: record.reason }),
    ...(record?.paymentOrder === undefined ? {} : { paymentOrder: record.paymentOrder }),
    ...(record?.paidOn === undefined ? {} : { paidOn: record.paidOn }),
  });
}

/** The page's checks, by the domain's code inside withWebCrypto: the summary's hash, and each step's signature. */
function check(contract: string, loaded: Loaded): Promise<Checked> {
  const { status, summary, signatures } = loaded.answer;
  return withWebCrypto(() => ({
    summaryOk: summaryHash(summary) === status.summary,
    signatures: signatures.map((sig) => {
      const statement = stepStatement(contract, status, sig);
      const signature = { key: sig.key, line: sig.line };
      const role = SIGNING_ROLE_OF_STEP[sig.step];
      const d: SignedDecision = { seq: sig.seq, step: sig.step, role, statement, signature };
      const roleKeys = loaded.trust?.[role];
      return {
        ...sig,
        verifies: signatureVerifies(statement, signature),
        ...(roleKeys === undefined ? {} : { trusted: decisionProblem(d, roleKeys) === undefined }),
      };
    }),
  }));
}

async function load(contract: string, payment: string): Promise<Loaded> {
  const [answer, contracts, payments, trust] = await Promise.all([
    paymentSummary(contract, payment),
    listContracts().catch(() => []),
    listPayments(contract).catch(() => []),
    trustedParties(contract).catch(() => undefined),
  ]);
  return {
    answer,
    payments,
    ...(trust === undefined ? {} : { trust }),
    ...(contracts.find((c) => c.id === contract) === undefined
      ? {}
      : { contract: contracts.find((c) => c.id === contract) as ContractItem }),
  };
}

/** A metric's figure by its unit: rates as percentages, money from minor units, counts grouped. */
function figure(value: string, unit: string, lang: Lang, currency: string, minorUnit: number): string {
  switch (unit) {
    case 'rate':
      return percent(value, lang);
    case 'money':
      return /^-?\d+$/.test(value) ? money(value, minorUnit, currency, lang) : value;
    case 'count':
      return /^-?\d+$/.test(value) ? count(BigInt(value), lang) : value;
    default:
      return new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 3 }).format(
        Number(value),
      );
  }
}

function TableHead(props: { title: string; table: () => ExportTable; caption: string }) {
  return (
    <div class="table-head">
      <h3>{props.title}</h3>
      <ExportButtons table={props.table} label={props.caption} />
    </div>
  );
}

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

  const { status, summary, contract, signatures } = loaded.answer;
  const spec = contract.spec;
  const zone = loaded.contract?.timeZone ?? (spec as { timeZone?: string }).timeZone ?? 'UTC';
  const cur = status.currency;
  const mu = status.minorUnit;
  const fm = (v: string) => money(v, mu, cur, lang);
  const title = contractTitle(loaded.contract, spec, contractId, lang);
  const period = spec.periods.find((p) => p.id === status.period);
  // A spec names periods by id; a translation may give them a label ("Year 1").
  const periodLabel = (id: string) => specText(spec, lang, 'periods', id, id);
  const stateText = t.common.paymentStates[status.state] ?? status.state;
  const exportBase = `${contractId}-${status.payment}`;
  const attestation = signatures.find((s) => s.step === 'attested');
  const attestedStep = status.steps.find((s) => s.step === 'attested');

  // ---- tables (each exportable)
  const thresholdOf = (metric: string) => summary.indicators.find((i) => i.metric === metric)?.threshold;
  const groupName = (g: string) => t.ministry.groups[g] ?? g;
  const effectText = (c: (typeof summary.comparisons)[number]) =>
    c.effectSize === undefined
      ? '—'
      : c.effect === 'difference'
        ? `${new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(Number(c.effectSize) * 100)} ${t.ministry.points}`
        : percent(c.effectSize, lang);
  const shareText = (share: string) => (share.includes('/') ? share : percent(share, lang, 0));
  const capText = (name: string) => capName(name, spec, lang, t.ministry.caps);
  const formulaOf = (l: (typeof summary.payments.lines)[number]) =>
    formulaWords(l, spec, lang, t.ministry.formula, t.ministry.caps, t.ministry.groups);
  const metricRows = summary.metrics.map((x) => {
    const target = x.target;
    return {
      metric: metricTitle(spec, lang, x.id),
      value: figure(x.value, x.unit, lang, cur, mu),
      base: x.denominator === undefined ? '' : `${x.numerator ?? ''} / ${x.denominator}`,
      interval:
        x.interval === undefined
          ? ''
          : `${figure(x.interval.low, x.unit, lang, cur, mu)} – ${figure(x.interval.high, x.unit, lang, cur, mu)} (${percent(x.interval.level, lang, 0)})`,
      target:
        target === undefined
          ? m.metrics.noTarget
          : `${(target.direction === 'at-most' ? m.metrics.atMost : m.metrics.atLeast)(
              figure(target.value, x.unit, lang, cur, mu),
            )}`,
      threshold: thresholdOf(x.id) === undefined ? '' : figure(thresholdOf(x.id) as string, x.unit, lang, cur, mu),
      met: x.met === undefined ? '' : x.met ? m.metrics.yes : m.metrics.no,
    };
  });
  const metricsTable = (): ExportTable => ({
    name: `${exportBase}-${m.metrics.exportName}`,
    columns: [
      { key: 'metric', label: m.metrics.metric },
      { key: 'value', label: m.metrics.value },
      { key: 'base', label: m.metrics.base },
      { key: 'interval', label: m.metrics.interval },
      { key: 'target', label: m.metrics.target },
      { key: 'threshold', label: m.indicators.threshold },
      { key: 'met', label: m.metrics.met },
    ],
    rows: metricRows,
  });
  const warnings: string[] = [];
  for (const x of summary.metrics) {
    const name = metricTitle(spec, lang, x.id);
    if (x.unit === 'rate' || x.unit === 'mean') {
      if (x.denominator === undefined || x.denominator === 0) warnings.push(m.metrics.none(name));
      else if (x.denominator < FEW_PEOPLE) warnings.push(m.metrics.few(name, x.denominator));
    }
    const hidden = (x.groups ?? []).filter((g) => 'suppressed' in g).length;
    if (hidden > 0) warnings.push(m.metrics.suppressed(name, hidden));
  }

  const comparisonRows = summary.comparisons.map((c) => ({
    id: `${metricTitle(spec, lang, c.metric)} (${c.id})`,
    metric: metricTitle(spec, lang, c.metric),
    code: c.id,
    group: groupName(c.group),
    treatment: `${percent(c.treatment.value, lang)}${c.treatment.denominator === undefined ? '' : ` (n = ${c.treatment.denominator})`}`,
    comparison:
      c.comparison === undefined
        ? m.comparisons.noFigure
        : `${percent(c.comparison.value, lang)} · ${c.comparison.source}`,
    effect: effectText(c),
    pValue: c.test?.pValue ?? '—',
    significant: c.test === undefined ? '—' : c.test.significant ? m.metrics.yes : m.metrics.no,
  }));
  const comparisonsTable = (): ExportTable => ({
    name: `${exportBase}-${m.comparisons.exportName}`,
    columns: (['id', 'group', 'treatment', 'comparison', 'effect', 'pValue', 'significant'] as const).map((key) => ({
      key,
      label: m.comparisons[key],
    })),
    rows: comparisonRows.map(({ metric: _m, code: _c, ...r }) => r),
  });

  const metricUnit = (id: string) => summary.metrics.find((x) => x.id === id)?.unit ?? 'rate';
  const indicatorRows = summary.indicators.map((i) => ({
    rule: ruleTitle(spec, lang, i.rule),
    metric: metricTitle(spec, lang, i.metric),
    value: figure(i.value, metricUnit(i.metric), lang, cur, mu),
    target: (i.direction === 'at-most' ? m.metrics.atMost : m.metrics.atLeast)(
      figure(i.target, metricUnit(i.metric), lang, cur, mu),
    ),
    threshold: figure(i.threshold, metricUnit(i.metric), lang, cur, mu),
    verdict: i.met ? m.indicators.met : m.indicators.notMet,
    met: i.met,
  }));
  const indicatorsTable = (): ExportTable => ({
    name: `${exportBase}-${m.indicators.exportName}`,
    columns: (['rule', 'metric', 'value', 'target', 'threshold', 'verdict'] as const).map((key) => ({
      key,
      label: m.indicators[key],
    })),
    rows: indicatorRows.map(({ met: _, ...r }) => r),
  });

  const triggerRows = summary.triggers.map((x) => ({
    id: x.id,
    group: groupName(x.group),
    verdict: x.met ? m.metrics.yes : m.metrics.no,
    because: x.because,
  }));
  const triggersTable = (): ExportTable => ({
    name: `${exportBase}-${m.triggers.exportName}`,
    columns: (['id', 'group', 'verdict', 'because'] as const).map((key) => ({ key, label: m.triggers[key] })),
    rows: triggerRows,
  });

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

  const sigRows = (checked?.signatures ?? signatures).map((s) => {
    const c = s as StepSignature & { verifies?: boolean; trusted?: boolean };
    return {
      step: m.steps[s.step] ?? s.step,
      who: s.subject,
      when: dateTime(s.at, zone, lang),
      key: s.key.split('+').slice(0, 2).join('+'),
      verifies:
        c.verifies === undefined
          ? m.checks.running
          : `${c.verifies ? m.signatures.ok : m.signatures.bad}${c.trusted === undefined ? '' : `; ${c.trusted ? m.signatures.trusted : m.signatures.untrusted}`}`,
      ok: c.verifies,
      trusted: c.trusted,
      seq: s.seq,
    };
  });
  const unsignedSteps = [
    ...(signatures.some((s) => s.step === 'calculated')
      ? []
      : [{ step: 'calculated', subject: status.calculatedBy.sub, at: status.calculatedAt, seq: status.payment }]),
    ...status.steps
      .filter((st) => !signatures.some((s) => s.seq === st.seq))
      .map((st) => ({
        step: st.step as string,
        subject: st.actor.sub,
        at: st.at,
        seq: st.seq,
      })),
  ].map((u) => ({
    step: m.steps[u.step] ?? u.step,
    who: u.subject,
    when: dateTime(u.at, zone, lang),
    key: '',
    verifies: m.signatures.unsigned,
    ok: undefined,
    trusted: undefined,
    seq: u.seq,
  }));
  const allSigRows = [...sigRows, ...unsignedSteps].sort((a, b) => a.seq - b.seq);
  const sigTable = (): ExportTable => ({
    name: `${exportBase}-${m.signatures.exportName}`,
    columns: (['step', 'who', 'when', 'key', 'verifies'] as const).map((key) => ({ key, label: m.signatures[key] })),
    rows: allSigRows.map(({ ok: _o, trusted: _t, seq: _s, ...r }) => r),
  });
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

        <TableHead title={m.metrics.title} table={metricsTable} caption={m.metrics.caption} />
        {warnings.map((w) => (
          <p key={w} class="alert warn">
            {w}
          </p>
        ))}
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">{m.metrics.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{m.metrics.metric}</th>
                <th scope="col" class="num">
                  {m.metrics.value}
                </th>
                <th scope="col" class="num">
                  {m.metrics.base}
                </th>
                <th scope="col">{m.metrics.interval}</th>
                <th scope="col">{m.metrics.target}</th>
                <th scope="col">{m.metrics.met}</th>
              </tr>
            </thead>
            <tbody>
              {summary.metrics.map((x, i) => {
                const r = metricRows[i] as (typeof metricRows)[number];
                return (
                  <tr key={x.id}>
                    <th scope="row" class="rowhead">
                      {r.metric}
                      {x.illustrative ? <div class="muted small">{m.metrics.illustrative}</div> : null}
                      {x.pending ? <div class="muted small">{m.metrics.pending(x.pending)}</div> : null}
                    </th>
                    <td class="num">{r.value}</td>
                    <td class="num">{r.base}</td>
                    <td>{r.interval}</td>
                    <td>
                      {r.target}
                      {r.threshold === '' ? null : (
                        <div class="muted small">
                          {m.indicators.threshold}: {r.threshold}
                        </div>
                      )}
                    </td>
                    <td>
                      {x.met === undefined ? null : (
                        <span class={`badge ${x.met ? 'ok' : 'bad'}`}>{x.met ? m.metrics.yes : m.metrics.no}</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>

        <TableHead title={m.indicators.title} table={indicatorsTable} caption={m.indicators.caption} />
        {indicatorRows.length === 0 ? (
          <p class="muted">{m.indicators.none}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">{m.indicators.caption}</caption>
              <thead>
                <tr>
                  <th scope="col">{m.indicators.rule}</th>
                  <th scope="col">{m.indicators.metric}</th>
                  <th scope="col" class="num">
                    {m.indicators.value}
                  </th>
                  <th scope="col">{m.indicators.target}</th>
                  <th scope="col" class="num">
                    {m.indicators.threshold}
                  </th>
                  <th scope="col">{m.indicators.verdict}</th>
                </tr>
              </thead>
              <tbody>
                {indicatorRows.map((r) => (
                  <tr key={`${r.rule}-${r.metric}`}>
                    <td>{r.rule}</td>
                    <td>{r.metric}</td>
                    <td class="num">{r.value}</td>
                    <td>{r.target}</td>
                    <td class="num">{r.threshold}</td>
                    <td>
                      <span class={`badge ${r.met ? 'ok' : 'bad'}`}>{r.verdict}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

        <TableHead title={m.comparisons.title} table={comparisonsTable} caption={m.comparisons.caption} />
        {comparisonRows.length === 0 ? (
          <p class="muted">{m.comparisons.none}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">{m.comparisons.caption}</caption>
              <thead>
                <tr>
                  {(['id', 'group', 'treatment', 'comparison', 'effect', 'pValue', 'significant'] as const).map((k) => (
                    <th key={k} scope="col">
                      {m.comparisons[k]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {comparisonRows.map((r) => (
                  <tr key={`${r.id}-${r.group}`}>
                    <td>
                      {r.metric}
                      <div class="muted small mono">{r.code}</div>
                    </td>
                    <td>{r.group}</td>
                    <td>{r.treatment}</td>
                    <td>{r.comparison}</td>
                    <td class="num">{r.effect}</td>
                    <td class="num">{r.pValue}</td>
                    <td>{r.significant}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

        {triggerRows.length === 0 ? null : (
          <>
            <TableHead title={m.triggers.title} table={triggersTable} caption={m.triggers.caption} />
            <div class="table-scroll">
              <table>
                <caption class="visually-hidden">{m.triggers.caption}</caption>
                <thead>
                  <tr>
                    {(['id', 'group', 'verdict', 'because'] as const).map((k) => (
                      <th key={k} scope="col">
                        {m.triggers[k]}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {triggerRows.map((r) => (
                    <tr key={`${r.id}-${r.group}`}>
                      <td>{r.id}</td>
                      <td>{r.group}</td>
                      <td>{r.verdict}</td>
                      <td lang="en">{r.because}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}

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
      </section>

      <section aria-labelledby="sig-h">
        <div class="table-head">
          <h2 id="sig-h">{m.signatures.title}</h2>
          <ExportButtons table={sigTable} label={m.signatures.caption} />
        </div>
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">{m.signatures.caption}</caption>
            <thead>
              <tr>
                {(['step', 'who', 'when', 'key', 'verifies'] as const).map((k) => (
                  <th key={k} scope="col">
                    {m.signatures[k]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {allSigRows.map((r) => (
                <tr key={`${r.step}-${r.when}-${r.who}`}>
                  <td>{r.step}</td>
                  <td>{r.who}</td>
                  <td>{r.when}</td>
                  <td class="mono">{r.key}</td>
                  <td>
                    <span
                      class={`badge ${r.ok === undefined || (r.ok && r.trusted === false) ? 'warn' : r.ok ? 'ok' : 'bad'}`}
                    >
                      {r.verifies}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

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
