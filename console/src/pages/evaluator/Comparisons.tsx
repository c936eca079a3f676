/**
 * The evaluator publishes comparison figures (`/evaluator/comparisons`): a
 * form over the contract's `published` comparisons (from its latest spec:
 * the comparison, its groups — `all`, and each cohort when grouped by
 * cohort —, the value, the denominator, the period, a note), checked as the
 * server checks it; then the `sib-ledger/comparison/v1` statement built by
 * the domain's comparisonStatement, shown exactly as signed, signed with the
 * evaluator's key in this browser and sent as `sib evaluator
 * publish-comparison --key` sends it. Below, the figures already published,
 * read from the log's export (the comparison.published entries).
 */
import { useEffect, useState } from 'preact/hooks';
import { comparisonStatement } from '#ledger';
import { freeTextProblems } from '../../../../domain/evidence/free-text.ts';
import { Loading, ProblemNote, problemText, useAsync } from '../../components/async.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { signStatement } from '../../crypto/party-key.ts';
import { useLang } from '../../i18n.tsx';
import { ApiError } from '../../lib/api.ts';
import { dateTime } from '../../lib/format.ts';
import { specText } from '../ministry/data.ts';
import {
  type ContractItem,
  type ContractVersion,
  contractVersions,
  type Figure,
  type PublishedFigure,
  publish,
  publishedFigures,
} from './eval-data.ts';
import { canSign, KeyNotice, useSigningKey } from './eval-key.tsx';
import { ContractChoice, OutcomeBox, OverContracts, type Refusal, StatementBox } from './eval-parts.tsx';

const NOTE_MAX = 500;
/** The comparison body's value (domain/ledger/kinds.ts ComparisonBodySchema). */
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,12})?$/;

interface Fields {
  comparison: string;
  group: string;
  value: string;
  denominator: string;
  period: string;
  note: string;
}
const EMPTY: Fields = { comparison: '', group: 'all', value: '', denominator: '', period: '', note: '' };

export default function Comparisons() {
  const { t } = useLang();
  return (
    <OverContracts
      title={t.common.nav.comparisons}
      lead={t.evaluator.comparisons.intro}
      body={(contracts) => <ComparisonsOf contracts={contracts} />}
    />
  );
}

function ComparisonsOf(props: { contracts: readonly ContractItem[] }) {
  const { t, lang } = useLang();
  const c = t.evaluator.comparisons;
  const [contract, setContract] = useState(props.contracts[0]?.id ?? '');
  const [version, setVersion] = useState<ContractVersion | undefined>();
  const [versionError, setVersionError] = useState<unknown>();
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [problems, setProblems] = useState<Partial<Record<keyof Fields, string>>>({});
  const [confirm, setConfirm] = useState<{ figure: Figure; statement: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<
    { ok: true; seq: number; replayed: boolean } | { ok: false; refusal: Refusal } | undefined
  >();
  const [reloads, setReloads] = useState(0);
  const keyState = useSigningKey(contract);
  const list = useAsync(() => publishedFigures(contract), [contract, reloads]);

  useEffect(() => {
    let live = true;
    setVersion(undefined);
    setVersionError(undefined);
    setConfirm(undefined);
    setOutcome(undefined);
    setProblems({});
    contractVersions(contract).then(
      (v) => {
        if (!live) return;
        const latest = v.at(-1);
        setVersion(latest);
        const first = latest?.spec.comparisons.find((x) => x.kind === 'published');
        setFields({ ...EMPTY, comparison: first?.id ?? '' });
      },
      (e: unknown) => live && setVersionError(e),
    );
    return () => {
      live = false;
    };
  }, [contract]);

  const spec = version?.spec;
  const published = (spec?.comparisons ?? []).filter((x) => x.kind === 'published');
  const chosen = published.find((x) => x.id === fields.comparison);
  const groups = ['all', ...(chosen !== undefined && chosen.groupBy === 'cohort' ? (spec?.cohorts ?? []) : [])];
  const groupLabel = (g: string) => (g === 'all' ? c.groupAll : (t.ministry.groups[g] ?? g));
  const periodLabel = (id: string) => (spec === undefined ? id : specText(spec, lang, 'periods', id, id));
  const set = (k: keyof Fields) => (ev: Event) =>
    setFields({
      ...fields,
      [k]: (ev.target as HTMLInputElement).value,
      ...(k === 'comparison' ? { group: 'all' } : {}),
    });

  const review = async (ev: Event) => {
    ev.preventDefault();
    setOutcome(undefined);
    const found: Partial<Record<keyof Fields, string>> = {};
    if (!DECIMAL.test(fields.value.trim())) found.value = c.valueInvalid;
    if (fields.denominator.trim() !== '' && !/^(?:0|[1-9][0-9]{0,14})$/.test(fields.denominator.trim()))
      found.denominator = c.denominatorInvalid;
    if (fields.note.length > NOTE_MAX) found.note = c.noteTooLong;
    else if (fields.note.trim() !== '' && freeTextProblems(fields.note).length > 0)
      found.note = `${c.notePersonal} (${freeTextProblems(fields.note).join('; ')})`;
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const figure: Figure = {
      comparison: fields.comparison,
      group: fields.group,
      value: fields.value.trim(),
      ...(fields.denominator.trim() === '' ? {} : { denominator: Number(fields.denominator.trim()) }),
      ...(fields.period === '' ? {} : { period: fields.period }),
      ...(fields.note.trim() === '' ? {} : { note: fields.note.trim() }),
    };
    const { note: _note, ...signed } = figure;
    const statement = await withWebCrypto(() => comparisonStatement({ contract, ...signed }));
    setConfirm({ figure, statement });
  };

  const sign = async () => {
    if (confirm === undefined || !canSign(keyState, 'evaluator')) return;
    setBusy(true);
    try {
      const signature = await signStatement(keyState.key, confirm.statement);
      const r = await publish(contract, confirm.figure, signature);
      setOutcome({ ok: true, seq: r.seq, replayed: r.replayed });
      setConfirm(undefined);
      setFields({ ...EMPTY, comparison: fields.comparison });
    } catch (e) {
      setOutcome({ ok: false, refusal: refusalOf(e, t) });
    }
    setBusy(false);
    setReloads((n) => n + 1);
  };

  const field = (k: keyof Fields, label: string, hint?: string) => ({
    id: `cmp-${k}`,
    label,
    describedBy: [hint === undefined ? '' : `cmp-${k}-hint`, `cmp-${k}-problem`].join(' ').trim(),
  });
  const problemLine = (k: keyof Fields) => (
    <p id={`cmp-${k}-problem`} class="field-problem" aria-live="polite">
      {problems[k] ?? ''}
    </p>
  );

  return (
    <>
      <div class="panel eval-form">
        <ContractChoice id="cmp-contract" contracts={props.contracts} value={contract} onChange={setContract} />
      </div>
      {versionError !== undefined ? <ProblemNote error={versionError} /> : null}
      {spec === undefined ? (
        versionError === undefined ? (
          <Loading />
        ) : null
      ) : published.length === 0 ? (
        <p class="muted">{c.none}</p>
      ) : (
        <section aria-labelledby="cmp-form-h">
          <h2 id="cmp-form-h">{c.formTitle}</h2>
          <div aria-live="polite">
            {outcome === undefined ? null : outcome.ok ? (
              <OutcomeBox ok lead={outcome.replayed ? c.replayed(outcome.seq) : c.done(outcome.seq)} />
            ) : (
              <OutcomeBox ok={false} lead={c.refused} refusal={outcome.refusal} />
            )}
          </div>
          {confirm === undefined ? (
            <form class="panel eval-form" noValidate onSubmit={(ev) => void review(ev)}>
              <label for="cmp-comparison">{c.comparison}</label>
              <select id="cmp-comparison" value={fields.comparison} onChange={set('comparison')}>
                {published.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.id} ·{' '}
                    {specText(
                      spec,
                      lang,
                      'metrics',
                      x.metric,
                      spec.metrics.find((m) => m.id === x.metric)?.title ?? x.metric,
                    )}
                  </option>
                ))}
              </select>
              <label for="cmp-group">{c.group}</label>
              <select id="cmp-group" value={fields.group} onChange={set('group')}>
                {groups.map((g) => (
                  <option key={g} value={g}>
                    {g === 'all' ? `${c.groupAll} (all)` : groupLabel(g) === g ? g : `${groupLabel(g)} (${g})`}
                  </option>
                ))}
              </select>
              {(() => {
                const f = field('value', c.value, c.valueHint);
                return (
                  <>
                    <label for={f.id}>{f.label}</label>
                    <input
                      id={f.id}
                      type="text"
                      inputMode="decimal"
                      autoComplete="off"
                      value={fields.value}
                      required
                      aria-describedby={f.describedBy}
                      aria-invalid={problems.value === undefined ? undefined : true}
                      onInput={set('value')}
                    />
                    <p id="cmp-value-hint" class="muted small">
                      {c.valueHint}
                    </p>
                    {problemLine('value')}
                  </>
                );
              })()}
              <label for="cmp-denominator">{c.denominator}</label>
              <input
                id="cmp-denominator"
                type="text"
                inputMode="numeric"
                autoComplete="off"
                value={fields.denominator}
                aria-describedby="cmp-denominator-problem"
                aria-invalid={problems.denominator === undefined ? undefined : true}
                onInput={set('denominator')}
              />
              {problemLine('denominator')}
              <label for="cmp-period">{c.period}</label>
              <select id="cmp-period" value={fields.period} onChange={set('period')}>
                <option value="">{c.noPeriod}</option>
                {spec.periods.map((p) => (
                  <option key={p.id} value={p.id}>
                    {periodLabel(p.id) === p.id ? p.id : `${periodLabel(p.id)} (${p.id})`}
                  </option>
                ))}
              </select>
              <label for="cmp-note">{c.note}</label>
              <textarea
                id="cmp-note"
                rows={3}
                maxLength={NOTE_MAX}
                value={fields.note}
                aria-describedby="cmp-note-hint cmp-note-problem"
                aria-invalid={problems.note === undefined ? undefined : true}
                onInput={set('note')}
              />
              <p id="cmp-note-hint" class="muted small">
                {c.noteHint}
              </p>
              {problemLine('note')}
              <button type="submit">{c.review}</button>
            </form>
          ) : (
            <section class="panel confirm" aria-labelledby="cmp-confirm-h">
              <h3 id="cmp-confirm-h">{c.confirmTitle}</h3>
              <dl class="facts">
                <dt>{c.comparison}</dt>
                <dd>{confirm.figure.comparison}</dd>
                <dt>{c.group}</dt>
                <dd>{groupLabel(confirm.figure.group)}</dd>
                <dt>{c.value}</dt>
                <dd>
                  <strong>{confirm.figure.value}</strong>
                  {confirm.figure.denominator === undefined ? null : ` (n = ${confirm.figure.denominator})`}
                </dd>
                {confirm.figure.period === undefined ? null : (
                  <>
                    <dt>{t.evaluator.period}</dt>
                    <dd>{periodLabel(confirm.figure.period)}</dd>
                  </>
                )}
                {confirm.figure.note === undefined ? null : (
                  <>
                    <dt>{c.noteShort}</dt>
                    <dd class="pre">
                      {confirm.figure.note}
                      <div class="muted small">{c.noteUnsigned}</div>
                    </dd>
                  </>
                )}
              </dl>
              <StatementBox id="cmp-statement-h" statement={confirm.statement} />
              <KeyNotice state={keyState} needed="evaluator" />
              <div class="row">
                <button type="button" disabled={busy || !canSign(keyState, 'evaluator')} onClick={() => void sign()}>
                  {busy ? c.signing : c.sign}
                </button>
                <button type="button" class="secondary" disabled={busy} onClick={() => setConfirm(undefined)}>
                  {c.cancel}
                </button>
              </div>
            </section>
          )}
        </section>
      )}

      <section aria-labelledby="cmp-list-h">
        <h2 id="cmp-list-h">{c.listTitle}</h2>
        {list.status === 'loading' ? (
          <Loading />
        ) : list.status === 'failed' ? (
          <ProblemNote error={list.error} lead={c.listFailed} />
        ) : list.value.length === 0 ? (
          <p class="muted">{c.listNone}</p>
        ) : (
          <FigureTable
            figures={list.value}
            timeZone={props.contracts.find((x) => x.id === contract)?.timeZone ?? 'UTC'}
          />
        )}
      </section>
    </>
  );
}

function FigureTable(props: { figures: readonly PublishedFigure[]; timeZone: string }) {
  const { t, lang } = useLang();
  const c = t.evaluator.comparisons;
  return (
    <div class="table-scroll">
      <table>
        <caption class="visually-hidden">{c.listCaption}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              {c.seq}
            </th>
            <th scope="col">{c.comparison}</th>
            <th scope="col">{c.group}</th>
            <th scope="col">{t.evaluator.period}</th>
            <th scope="col" class="num">
              {c.value}
            </th>
            <th scope="col">{c.noteShort}</th>
            <th scope="col">{c.by}</th>
            <th scope="col">{c.signed}</th>
          </tr>
        </thead>
        <tbody>
          {props.figures.map((f) => (
            <tr key={f.seq}>
              <td class="num">{f.seq}</td>
              <td class="mono">{f.comparison}</td>
              <td>{f.group === 'all' ? c.groupAll : f.group}</td>
              <td>{f.period ?? '—'}</td>
              <td class="num">
                {f.value}
                {f.denominator === undefined ? null : <div class="muted small">n = {f.denominator}</div>}
              </td>
              <td>{f.note ?? ''}</td>
              <td>
                {f.by}
                <div class="muted small">{dateTime(f.at, props.timeZone, lang)}</div>
              </td>
              <td>
                <span class={`badge ${f.signed ? 'ok' : 'warn'}`}>{f.signed ? c.yes : c.no}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A refused publication in words: the server's detail and each field it named. */
function refusalOf(error: unknown, t: ReturnType<typeof useLang>['t']): Refusal {
  return { text: error instanceof ApiError ? problemText(error, t) : t.evaluator.network };
}
