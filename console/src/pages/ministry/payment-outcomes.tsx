/**
 * A payment's page, why the amount is claimed, the outcomes: each metric
 * against its target (with its interval, and a plain-words warning where a
 * rate rests on few people or groups are suppressed), the indicators'
 * verdicts, the comparisons with their effects and tests, and the triggers.
 * Each table is exportable.
 */
import type { ExportTable } from '../../lib/export.ts';
import { percent } from '../../lib/format.ts';
import { metricTitle, ruleTitle } from './data.ts';
import { figure, type PaymentView, TableHead } from './payment-view.tsx';

/** A rate over fewer people than this gets a plain-words warning: chance weighs heavily (the normal approximation's rule of thumb). */
const FEW_PEOPLE = 30;

export function OutcomeTables({ v }: { v: PaymentView }) {
  const { t, lang, m, summary, spec, cur, mu, exportBase } = v;
  const thresholdOf = (metric: string) => summary.indicators.find((i) => i.metric === metric)?.threshold;
  const groupName = (g: string) => t.ministry.groups[g] ?? g;
  const effectText = (c: (typeof summary.comparisons)[number]) =>
    c.effectSize === undefined
      ? '—'
      : c.effect === 'difference'
        ? `${new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(Number(c.effectSize) * 100)} ${t.ministry.points}`
        : percent(c.effectSize, lang);
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

  return (
    <>
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
    </>
  );
}
