/**
 * `/c/:contract`, the contract overview for every role: key facts, parties,
 * indicators with targets, payment rules, caps, the budget used (a chart of
 * cumulative payments against the caps, with the same figures as a table),
 * the periods with each payment's state, and the log with its latest
 * checkpoint and the witnesses that cosigned it. Texts of the spec come in
 * the reader's language where the spec has a translation. Dates are in the
 * contract's time zone, named; money in the locale, never minor units.
 *
 * Payments are not the operator's to read (403): the page then says so and
 * shows the rest.
 */
import { lazy, Suspense } from 'preact/compat';
import { useRoute } from 'preact-iso';
import { useSession } from '../app.tsx';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../components/async.tsx';
import { type Budget, budget } from '../components/budget.ts';
import { LogPanel } from '../components/LogPanel.tsx';
import { PeriodTimeline } from '../components/PeriodTimeline.tsx';
import { useLang } from '../i18n.tsx';
import { ApiError, api, contractPath } from '../lib/api.ts';
import {
  type CheckpointAnswer,
  type ContractListItem,
  type ContractVersions,
  type PaymentList,
  type ServedSpec,
  type SpecMetric,
  type SpecRule,
  specTexts,
  type TrustAnswer,
} from '../lib/contracts.ts';
import { count, day, money, percent, zoneOffset } from '../lib/format.ts';

const BudgetChart = lazy(() => import('../components/BudgetChart.tsx'));

const RATE_KINDS = ['employed', 'sustained-employment', 'permanent-employment', 'reconviction'];
const MEAN_KINDS = ['reconviction-events', 'custody-days'];
const MONEY_KINDS = ['wages', 'value-of'];

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T,>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** "1" -> "100 %", "0.6" -> "60 %", "1/3" -> "1/3 (33,3 %)". */
function shareText(share: string, lang: 'ru' | 'en'): string {
  const m = /^(\d+)\/(\d+)$/.exec(share);
  if (m !== null) return `${share} (${percent(Number(m[1]) / Number(m[2]), lang)})`;
  return percent(share, lang, Number(share) * 100 === Math.round(Number(share) * 100) ? 0 : 1);
}

function Facts(props: { spec: ServedSpec; hash: string; timeZone: string }) {
  const { t, lang } = useLang();
  const f = t.overview.facts;
  const { spec } = props;
  return (
    <dl class="facts">
      <dt>{f.contract}</dt>
      <dd class="mono">{spec.id}</dd>
      <dt>{f.term}</dt>
      <dd>
        {day(spec.term.from, lang)} – {day(spec.term.to, lang)}
      </dd>
      <dt>{f.version}</dt>
      <dd>
        {spec.version}{' '}
        <span class="muted mono" title={props.hash}>
          {props.hash.slice(0, 12)}…
        </span>
      </dd>
      <dt>{f.effectiveFrom}</dt>
      <dd>{day(spec.effectiveFrom, lang)}</dd>
      <dt>{f.currency}</dt>
      <dd>{spec.currency}</dd>
      <dt>{f.timeZone}</dt>
      <dd>{t.common.timeZone(props.timeZone, zoneOffset(props.timeZone))}</dd>
      <dt>{f.confidence}</dt>
      <dd>{percent(spec.confidenceLevel, lang, 0)}</dd>
    </dl>
  );
}

function Parties(props: { spec: ServedSpec }) {
  const { t, lang } = useLang();
  const p = t.overview.parties;
  const { spec } = props;
  const tx = specTexts(spec, lang);
  const single = (label: string, party: { id: string; name: string }) => (
    <tr>
      <th scope="row">{label}</th>
      <td>{tx.party(party.id, party.name)}</td>
      <td />
    </tr>
  );
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{p.role}</th>
          <th scope="col">{p.name}</th>
          <th scope="col" class="num">
            {p.share}
          </th>
        </tr>
      </thead>
      <tbody>
        {single(p.commissioner, spec.parties.commissioner)}
        {spec.parties.investors.map((inv, i) => (
          <tr key={inv.id}>
            <th scope="row">{i === 0 ? p.investors : ''}</th>
            <td>{tx.party(inv.id, inv.name)}</td>
            <td class="num">{shareText(inv.share, lang)}</td>
          </tr>
        ))}
        {single(p.operator, spec.parties.operator)}
        {single(p.evaluator, spec.parties.evaluator)}
      </tbody>
    </table>
  );
}

function targetText(m: SpecMetric, spec: ServedSpec, t: ReturnType<typeof useLang>['t'], lang: 'ru' | 'en'): string {
  const i = t.overview.indicators;
  if (m.target === undefined) return i.none;
  const dir = m.target.direction === 'at-least' ? i.atLeast : i.atMost;
  const v = m.target.value;
  let value: string;
  if (RATE_KINDS.includes(m.kind)) value = percent(v, lang);
  else if (MONEY_KINDS.includes(m.kind)) value = money(v.split('.')[0] ?? '0', spec.minorUnit, spec.currency, lang);
  else if (MEAN_KINDS.includes(m.kind))
    value = `${new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB').format(Number(v))} ${i.perParticipant}`;
  else value = count(Number(v), lang);
  return `${dir} ${value}`;
}

function Indicators(props: { spec: ServedSpec }) {
  const { t, lang } = useLang();
  const i = t.overview.indicators;
  const { spec } = props;
  const tx = specTexts(spec, lang);
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{i.metric}</th>
          <th scope="col">{i.kind}</th>
          <th scope="col">{i.target}</th>
        </tr>
      </thead>
      <tbody>
        {spec.metrics.map((m) => (
          <tr key={m.id}>
            <th scope="row">{tx.metric(m.id)}</th>
            <td>{t.overview.metricKinds[m.kind] ?? m.kind}</td>
            <td>
              {targetText(m, spec, t, lang)}
              {m.illustrative && m.target !== undefined ? <span class="muted"> ({i.illustrative})</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ruleAmount(r: SpecRule, spec: ServedSpec, t: ReturnType<typeof useLang>['t'], lang: 'ru' | 'en'): string {
  const m = (v: string) => money(v, spec.minorUnit, spec.currency, lang);
  const rt = t.overview.rules;
  switch (r.kind) {
    case 'per-outcome':
      return rt.each(m(r.price ?? '0'));
    case 'per-effect':
      return rt.each(m(r.pricePerUnit ?? '0'));
    case 'tiered': {
      const top = (r.tiers ?? []).reduce((a, x) => (BigInt(x.amount) > a ? BigInt(x.amount) : a), 0n);
      return rt.upTo(m(top.toString()));
    }
    case 'all-or-nothing':
      return `${m(r.amount ?? '0')}; ${rt.tolerance(percent(r.tolerance ?? '1', lang, 0))}`;
  }
}

const RULE_KIND_KEY = {
  'per-outcome': 'perOutcome',
  tiered: 'tiered',
  'per-effect': 'perEffect',
  'all-or-nothing': 'allOrNothing',
} as const;

function Rules(props: { spec: ServedSpec }) {
  const { t, lang } = useLang();
  const rt = t.overview.rules;
  const { spec } = props;
  const tx = specTexts(spec, lang);
  if (spec.payments.length === 0) return <p>{rt.none}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{rt.rule}</th>
          <th scope="col">{rt.kind}</th>
          <th scope="col">{rt.amount}</th>
        </tr>
      </thead>
      <tbody>
        {spec.payments.map((r) => (
          <tr key={r.id}>
            <th scope="row">{tx.rule(r.id)}</th>
            <td>{rt[RULE_KIND_KEY[r.kind]]}</td>
            <td>{ruleAmount(r, spec, t, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Caps(props: { spec: ServedSpec }) {
  const { t, lang } = useLang();
  const c = t.overview.caps;
  const { spec } = props;
  const tx = specTexts(spec, lang);
  const m = (v: string) => money(v, spec.minorUnit, spec.currency, lang);
  const rows: [string, string][] = [];
  if (spec.caps.overall !== undefined) rows.push([c.overall, m(spec.caps.overall)]);
  const per = spec.caps.perPeriod;
  if (typeof per === 'string') rows.push([c.perPeriod, m(per)]);
  else if (per !== undefined) for (const [p, v] of Object.entries(per)) rows.push([c.perPeriodOf(p), m(v)]);
  for (const [rule, v] of Object.entries(spec.caps.perOutcome ?? {})) rows.push([c.perOutcome(tx.rule(rule)), m(v)]);
  const rc = spec.returnCap;
  if (rows.length === 0 && rc === undefined) return <p>{c.none}</p>;
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">{c.kind}</th>
            <th scope="col" class="num">
              {c.amount}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td class="num">{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rc === undefined ? null : (
        <p>{c.returnCap(m(rc.principal), percent(rc.annualRate, lang), day(rc.from, lang))}</p>
      )}
      {rows.length === 0 ? null : <p class="muted">{c.capped[spec.caps.capped ?? 'default']}</p>}
    </>
  );
}

function BudgetTable(props: { budget: Budget; spec: ServedSpec }) {
  const { t, lang } = useLang();
  const b = t.overview.budget;
  const { spec } = props;
  const m = (v: bigint) => money(v, spec.minorUnit, spec.currency, lang);
  const hasPeriodCaps = props.budget.rows.some((r) => r.periodCap !== undefined);
  const tx = specTexts(spec, lang);
  return (
    // A region that scrolls sideways must take the keyboard's focus, or a keyboard user cannot scroll it (axe: scrollable-region-focusable).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
    <section class="table-scroll" aria-label={b.tableCaption} tabIndex={0}>
      <table>
        <caption>{b.tableCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{b.period}</th>
            <th scope="col">{b.paymentDate}</th>
            <th scope="col">{b.state}</th>
            <th scope="col" class="num">
              {b.thisPeriod}
            </th>
            <th scope="col" class="num">
              {b.cumulativeApproved}
            </th>
            <th scope="col" class="num">
              {b.cumulativePaid}
            </th>
            {hasPeriodCaps ? (
              <th scope="col" class="num">
                {b.periodCap}
              </th>
            ) : null}
            {props.budget.overallCap === undefined ? null : (
              <th scope="col" class="num">
                {b.overallCap}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.budget.rows.map((r) => (
            <tr key={r.period}>
              <th scope="row">{tx.period(r.period) ?? r.period}</th>
              <td>{day(r.paymentDate, lang)}</td>
              <td>{r.state === undefined ? t.common.dash : (t.common.paymentStates[r.state] ?? r.state)}</td>
              <td class="num">{r.reached ? m(r.thisPeriod) : t.common.dash}</td>
              <td class="num">{r.reached ? m(r.cumulativeApproved) : t.common.dash}</td>
              <td class="num">{r.reached ? m(r.cumulativePaid) : t.common.dash}</td>
              {hasPeriodCaps ? <td class="num">{r.periodCap === undefined ? t.common.dash : m(r.periodCap)}</td> : null}
              {props.budget.overallCap === undefined ? null : <td class="num">{m(props.budget.overallCap)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function BudgetSection(props: { spec: ServedSpec; budget: Budget; title: string }) {
  const { t, lang } = useLang();
  const b = t.overview.budget;
  const { spec, budget: bud } = props;
  const m = (v: bigint) => money(v, spec.minorUnit, spec.currency, lang);
  const summary =
    bud.overallCap === undefined
      ? b.usedNoCap(m(bud.approved))
      : b.used(
          m(bud.approved),
          m(bud.overallCap),
          percent(bud.overallCap === 0n ? 0 : Number((bud.approved * 10000n) / bud.overallCap) / 10000, lang),
        );
  return (
    <figure class="budget">
      <figcaption>
        <p>{b.caption(props.title)}</p>
        <p>
          <strong>{summary}</strong>
        </p>
      </figcaption>
      <Suspense fallback={<Loading />}>
        <BudgetChart budget={bud} currency={spec.currency} minorUnit={spec.minorUnit} start={spec.term.from} />
      </Suspense>
      <BudgetTable budget={bud} spec={spec} />
    </figure>
  );
}

export default function Overview() {
  const { t, lang } = useLang();
  const { params } = useRoute();
  const contract = params.contract ?? '';
  const session = useSession();
  const data = useAsync(
    session === undefined
      ? undefined
      : async () => {
          const [versions, listed, payments, checkpoint, trust] = await Promise.all([
            api<ContractVersions>(contractPath(contract)),
            settle(api<{ contracts: ContractListItem[] }>('/contracts')),
            // Payments are not the operator's to read (the route's roles): not asked, so no 403.
            session?.role === 'operator'
              ? ({ ok: false, error: new ApiError(403, { status: 403 }) } as const)
              : settle(api<PaymentList>(contractPath(contract, 'payments'))),
            settle(api<CheckpointAnswer>(contractPath(contract, 'checkpoint'))),
            settle(api<TrustAnswer>(contractPath(contract, 'trust'))),
          ]);
          const item = listed.ok ? listed.value.contracts.find((c) => c.id === contract) : undefined;
          return { versions, item, payments, checkpoint, trust };
        },
    [contract, session?.token],
  );
  const latest = data.status === 'done' ? data.value.versions.versions.at(-1) : undefined;
  const spec = latest?.spec;
  const item = data.status === 'done' ? data.value.item : undefined;
  // The spec's English title, else the contract list's, else the spec's own.
  const title =
    spec === undefined
      ? t.overview.title
      : lang === 'en' && spec.translations?.en?.title === undefined && item?.title.en !== undefined
        ? item.title.en
        : specTexts(spec, lang).title;
  usePageTitle(title);

  if (data.status === 'loading') return <Loading />;
  if (data.status === 'failed') return <ProblemNote lead={t.overview.loadFailed} error={data.error} />;
  if (spec === undefined || latest === undefined) return <ProblemNote error={new Error(t.overview.loadFailed)} />;
  const s = t.overview.sections;
  const zone = spec.timeZone ?? item?.timeZone ?? 'UTC';
  const { payments, checkpoint, trust } = data.value;
  const paymentsForbidden = !payments.ok && payments.error instanceof ApiError && payments.error.status === 403;
  return (
    <article class="overview">
      <p class="muted">{t.overview.title}</p>
      <h1>{title}</h1>

      <section aria-labelledby="ov-summary">
        <h2 id="ov-summary">{s.summary}</h2>
        <Facts spec={spec} hash={latest.hash} timeZone={zone} />
      </section>

      <section aria-labelledby="ov-parties">
        <h2 id="ov-parties">{s.parties}</h2>
        <Parties spec={spec} />
      </section>

      <section aria-labelledby="ov-indicators">
        <h2 id="ov-indicators">{s.indicators}</h2>
        <Indicators spec={spec} />
      </section>

      <section aria-labelledby="ov-rules">
        <h2 id="ov-rules">{s.rules}</h2>
        <Rules spec={spec} />
      </section>

      <section aria-labelledby="ov-caps">
        <h2 id="ov-caps">{s.caps}</h2>
        <Caps spec={spec} />
      </section>

      <section aria-labelledby="ov-budget">
        <h2 id="ov-budget">{s.budget}</h2>
        {payments.ok ? (
          <BudgetSection spec={spec} budget={budget(spec, payments.value.payments)} title={title} />
        ) : paymentsForbidden ? (
          <p class="muted">{t.overview.budget.forbidden}</p>
        ) : (
          <ProblemNote error={payments.error} />
        )}
      </section>

      <section aria-labelledby="ov-timeline">
        <h2 id="ov-timeline">{s.timeline}</h2>
        <PeriodTimeline
          spec={spec}
          payments={payments.ok ? payments.value.payments : undefined}
          timeZone={zone}
          {...(session === undefined ? {} : { role: session.role })}
        />
      </section>

      <section aria-labelledby="ov-log">
        <h2 id="ov-log">{s.log}</h2>
        {checkpoint.ok ? (
          <LogPanel
            checkpoint={checkpoint.value}
            trust={trust.ok ? trust.value : undefined}
            contract={contract}
            timeZone={zone}
          />
        ) : (
          <ProblemNote lead={t.overview.log.unavailable} error={checkpoint.error} />
        )}
        {trust.ok || !checkpoint.ok ? null : <ProblemNote error={trust.error} />}
      </section>
    </article>
  );
}
