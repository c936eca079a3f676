/**
 * The evaluator evaluates a period (`/evaluator/evaluate`): a contract and a
 * period, a dry run at a checkpoint (the log's current size, or a size the
 * evaluator gives) showing the tables and the chart with nothing recorded,
 * then the recording at that checkpoint. The recording is what the CLI's
 * `sib evaluator evaluate --key` sends (cli/roles/signing.ts): the
 * `calculated` decision statement, its payment the seq the entry gets (the
 * log's size now, whatever the checkpoint), built by the domain's statement builder inside
 * withWebCrypto and signed with the analyst's key in this browser (the
 * `calculated` step is signed as `analyst`: an evaluator subject's key
 * enrolled for that role on `/keys`). Each recorded result shows its hashes
 * and the checkpoint it rests on. A log that grew between the dry run and
 * the recording (409: the statement named another entry) is said in words,
 * nothing written, with the dry run to run again at the same checkpoint.
 */
import { useEffect, useState } from 'preact/hooks';
import { decisionStatement } from '#ledger';
import { publicSummary, summaryHash } from '#reports';
import { ProblemNote, problemText } from '../../components/async.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { signStatement } from '../../crypto/party-key.ts';
import { useLang } from '../../i18n.tsx';
import { ApiError } from '../../lib/api.ts';
import { money } from '../../lib/format.ts';
import { specText } from '../ministry/data.ts';
import {
  type ContractItem,
  type ContractVersion,
  contractVersions,
  dryRun,
  listContracts,
  listPayments,
  type PaymentStatus,
  type Preview,
  type Recorded,
  record,
} from './eval-data.ts';
import { canSign, KeyNotice, useSigningKey } from './eval-key.tsx';
import { ContractChoice, OutcomeBox, OverContracts, type Refusal, StatementBox, serverWords } from './eval-parts.tsx';
import { type ResultFacts, ResultTables } from './eval-result.tsx';

/** A dry run as the page holds it: the answer, the statement a recording signs, the in-page check of the summary. */
interface Run {
  readonly preview: Preview;
  readonly version: ContractVersion;
  readonly statement: string;
  readonly summaryOk: boolean;
  readonly payments: readonly PaymentStatus[];
}

type Problem =
  | { readonly kind: 'moved'; readonly expected: number; readonly size: number; readonly detail?: string }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

export default function Evaluate() {
  const { t } = useLang();
  return (
    <OverContracts
      title={t.common.nav.evaluate}
      lead={t.evaluator.evaluate.intro}
      body={(contracts) => <EvaluateForm contracts={contracts} />}
    />
  );
}

function EvaluateForm(props: { contracts: readonly ContractItem[] }) {
  const { t, lang } = useLang();
  const e = t.evaluator.evaluate;
  const [contract, setContract] = useState(props.contracts[0]?.id ?? '');
  const [versions, setVersions] = useState<ContractVersion[] | undefined>();
  const [versionsError, setVersionsError] = useState<unknown>();
  const [period, setPeriod] = useState('');
  const [checkpoint, setCheckpoint] = useState('');
  const [checkpointProblem, setCheckpointProblem] = useState('');
  const [busy, setBusy] = useState<'dry' | 'record' | undefined>();
  const [run, setRun] = useState<Run | undefined>();
  const [problem, setProblem] = useState<Problem | undefined>();
  const [recorded, setRecorded] = useState<readonly (Recorded & { facts: ResultFacts })[]>([]);
  const [logSize, setLogSize] = useState<number | undefined>();
  const item = props.contracts.find((c) => c.id === contract);
  const keyState = useSigningKey(contract);

  useEffect(() => {
    let live = true;
    setVersions(undefined);
    setVersionsError(undefined);
    setRun(undefined);
    setProblem(undefined);
    setLogSize(item?.logSize);
    contractVersions(contract).then(
      (v) => {
        if (!live) return;
        setVersions(v);
        const periods = v.at(-1)?.spec.periods ?? [];
        setPeriod((p) => (periods.some((x) => x.id === p) ? p : (periods[0]?.id ?? '')));
      },
      (error: unknown) => live && setVersionsError(error),
    );
    return () => {
      live = false;
    };
  }, [contract]);

  const spec = versions?.at(-1)?.spec;
  const size = logSize ?? item?.logSize ?? 0;

  const doDryRun = async (at: number | undefined) => {
    setProblem(undefined);
    setRun(undefined);
    setBusy('dry');
    try {
      const [preview, payments, refreshed] = await Promise.all([
        dryRun(contract, period, at),
        listPayments(contract).catch(() => [] as PaymentStatus[]),
        listContracts().catch(() => undefined),
      ]);
      const now = refreshed?.find((c) => c.id === contract)?.logSize;
      if (now !== undefined) setLogSize(now);
      const version =
        versions?.find((v) => v.version === preview.result?.contract.version) ?? (versions?.at(-1) as ContractVersion);
      const { statement, summaryOk } = await withWebCrypto(() => ({
        statement: decisionStatement({
          contract,
          payment: preview.seq,
          period: preview.period,
          step: 'calculated',
          result: preview.sha256,
          summary: preview.summary,
          total: preview.total,
          minorUnit: preview.minorUnit,
          currency: preview.currency,
        }),
        summaryOk:
          preview.result === undefined ? false : summaryHash(publicSummary(preview.result)) === preview.summary,
      }));
      setRun({ preview, version, statement, summaryOk, payments });
    } catch (error) {
      setProblem({ kind: 'refused', refusal: refusalOf(error, t) });
    }
    setBusy(undefined);
  };

  const submitDryRun = (ev: Event) => {
    ev.preventDefault();
    const text = checkpoint.trim();
    if (text !== '' && (!/^[1-9][0-9]*$/.test(text) || Number(text) > size)) {
      setCheckpointProblem(e.checkpointInvalid(size));
      return;
    }
    setCheckpointProblem('');
    void doDryRun(text === '' ? undefined : Number(text));
  };

  const doRecord = async (r: Run) => {
    if (!canSign(keyState, 'analyst')) return;
    setBusy('record');
    setProblem(undefined);
    try {
      const signature = await signStatement(keyState.key, r.statement);
      const answer = await record(contract, r.preview.period, r.preview.checkpoint.size, signature);
      const facts: ResultFacts = {
        contract,
        ...(item === undefined ? {} : { item }),
        version: versions?.find((v) => v.version === answer.result.contract.version) ?? r.version,
        result: answer.result,
        sha256: answer.sha256,
        summary: r.preview.summary,
        payment: answer.entry.seq,
        payments: r.payments,
      };
      setRecorded((list) => [{ ...answer, facts }, ...list.filter((x) => x.entry.seq !== answer.entry.seq)]);
      setRun(undefined);
      setLogSize(Math.max(size, answer.entry.seq + 1));
    } catch (error) {
      const p = error instanceof ApiError ? error.problem : undefined;
      if (error instanceof ApiError && error.status === 409 && typeof p?.expectedSize === 'number') {
        setLogSize(typeof p.size === 'number' ? p.size : size);
        // The dry run no longer says what a recording would name: gone, so nothing stale can be signed.
        setRun(undefined);
        setProblem({
          kind: 'moved',
          expected: p.expectedSize,
          size: typeof p.size === 'number' ? p.size : size,
          ...(serverWords(error) === undefined ? {} : { detail: serverWords(error) as string }),
        });
      } else {
        setProblem({ kind: 'refused', refusal: refusalOf(error, t) });
      }
    }
    setBusy(undefined);
  };

  const periodLabel = (id: string) => (spec === undefined ? id : specText(spec, lang, 'periods', id, id));

  return (
    <>
      <form class="panel eval-form" noValidate onSubmit={submitDryRun}>
        <ContractChoice id="eval-contract" contracts={props.contracts} value={contract} onChange={setContract} />
        {versionsError !== undefined ? <ProblemNote error={versionsError} /> : null}
        <label for="eval-period">{t.evaluator.period}</label>
        <select
          id="eval-period"
          value={period}
          disabled={spec === undefined}
          onChange={(ev) => setPeriod((ev.target as HTMLSelectElement).value)}
        >
          {(spec?.periods ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {periodLabel(p.id) === p.id ? p.id : `${periodLabel(p.id)} (${p.id})`}
            </option>
          ))}
        </select>
        <label for="eval-checkpoint">{e.checkpoint}</label>
        <input
          id="eval-checkpoint"
          type="text"
          inputMode="numeric"
          autoComplete="off"
          placeholder={String(size)}
          value={checkpoint}
          aria-describedby="eval-checkpoint-hint eval-checkpoint-problem"
          aria-invalid={checkpointProblem === '' ? undefined : true}
          onInput={(ev) => setCheckpoint((ev.target as HTMLInputElement).value)}
        />
        <p id="eval-checkpoint-hint" class="muted small">
          {e.checkpointHint(size)}
        </p>
        <p id="eval-checkpoint-problem" class="field-problem" aria-live="polite">
          {checkpointProblem}
        </p>
        <button type="submit" disabled={busy !== undefined || spec === undefined || period === ''}>
          {busy === 'dry' ? e.running : e.dryRun}
        </button>
      </form>

      <div aria-live="polite">
        {problem === undefined ? null : problem.kind === 'moved' ? (
          <OutcomeBox
            ok={false}
            lead={e.notRecorded}
            refusal={{
              text: e.moved(problem.expected, problem.size),
              ...(problem.detail === undefined ? {} : { detail: problem.detail }),
            }}
          >
            <button type="button" onClick={() => void doDryRun(checkpoint === '' ? undefined : Number(checkpoint))}>
              {e.rerun}
            </button>
          </OutcomeBox>
        ) : (
          <OutcomeBox ok={false} lead={e.refused} refusal={problem.refusal} />
        )}
        {busy === 'dry' ? <p class="muted">{e.running}</p> : null}
      </div>

      {run === undefined ? null : (
        <section class="eval-dry-run" aria-labelledby="dry-h">
          <h2 id="dry-h">
            {e.dryRunTitle}
            <span class="h1-sub">
              {t.evaluator.period}: {periodLabel(run.preview.period)}
            </span>
          </h2>
          <p class="alert warn eval-dry-note">{e.dryRunNote}</p>
          <Hashes
            checkpoint={run.preview.checkpoint}
            sha256={run.preview.sha256}
            summary={run.preview.summary}
            total={money(run.preview.total, run.preview.minorUnit, run.preview.currency, lang)}
          />
          <p class={run.summaryOk ? 'ok' : 'alert bad'}>
            <span aria-hidden="true">{run.summaryOk ? '✓ ' : '✗ '}</span>
            {run.summaryOk ? e.summaryOk : e.summaryBad}
          </p>
          {run.preview.result === undefined ? null : (
            <details class="eval-tables" open>
              <summary>{e.tables}</summary>
              <ResultTables
                facts={{
                  contract,
                  ...(item === undefined ? {} : { item }),
                  version: run.version,
                  result: run.preview.result,
                  sha256: run.preview.sha256,
                  summary: run.preview.summary,
                  payment: run.preview.seq,
                  payments: run.payments,
                }}
              />
            </details>
          )}
          <section class="panel eval-record" aria-labelledby="record-h">
            <h3 id="record-h">{e.recordTitle}</h3>
            <p>{e.recordIntro(run.preview.checkpoint.size, run.preview.seq)}</p>
            <StatementBox id="calc-statement-h" statement={run.statement} />
            <KeyNotice state={keyState} needed="analyst" />
            <button
              type="button"
              disabled={busy !== undefined || !canSign(keyState, 'analyst') || !run.summaryOk}
              onClick={() => void doRecord(run)}
            >
              {busy === 'record' ? e.recording : e.record(run.preview.checkpoint.size)}
            </button>
          </section>
        </section>
      )}

      {recorded.length === 0 ? null : (
        <section class="eval-recorded" aria-labelledby="recorded-h">
          <h2 id="recorded-h">{e.recordedTitle}</h2>
          {recorded.map((r) => (
            <article key={r.entry.seq} class="panel eval-recorded-item" aria-labelledby={`recorded-${r.entry.seq}`}>
              <h3 id={`recorded-${r.entry.seq}`}>{e.paymentTitle(r.entry.seq, periodLabel(r.result.period.id))}</h3>
              <OutcomeBox ok lead={r.entry.replayed ? e.replayed(r.entry.seq) : e.recorded(r.entry.seq)}>
                <p>{e.attestHint}</p>
              </OutcomeBox>
              <Hashes
                checkpoint={r.result.checkpoint}
                sha256={r.sha256}
                summary={r.facts.summary}
                total={money(r.result.payments.total, r.result.payments.minorUnit, r.result.payments.currency, lang)}
                entry={r.entry}
              />
              <p>
                <a href={`/c/${encodeURIComponent(contract)}/payments/${r.entry.seq}`}>{e.openPayment}</a>
              </p>
              <details class="eval-tables">
                <summary>{e.tables}</summary>
                <ResultTables facts={r.facts} />
              </details>
            </article>
          ))}
        </section>
      )}
    </>
  );
}

/** A result's hashes and the checkpoint it rests on (and its entry, once recorded). */
function Hashes(props: {
  checkpoint: { size: number; root: string };
  sha256: string;
  summary: string;
  total: string;
  entry?: { seq: number; entryHash: string };
}) {
  const { t } = useLang();
  const e = t.evaluator.evaluate;
  return (
    <dl class="facts eval-hashes">
      <dt>{e.total}</dt>
      <dd>
        <strong class="amount">{props.total}</strong>
      </dd>
      {props.entry === undefined ? null : (
        <>
          <dt>{e.entryLabel}</dt>
          <dd>
            {props.entry.seq} · <span class="mono">{props.entry.entryHash}</span>
          </dd>
        </>
      )}
      <dt>{e.restsOn}</dt>
      <dd>
        {e.checkpointText(props.checkpoint.size)} · {e.root} <span class="mono">{props.checkpoint.root}</span>
      </dd>
      <dt>{e.resultHash}</dt>
      <dd class="mono">{props.sha256}</dd>
      <dt>{e.summaryHash}</dt>
      <dd class="mono">{props.summary}</dd>
    </dl>
  );
}

/**
 * A refused dry run or recording in words: the period's workflow (evaluated
 * again after its attestation, before an earlier period, after a later one)
 * by the problem's own fields, else the server's detail; the server's words
 * beside.
 */
function refusalOf(error: unknown, t: ReturnType<typeof useLang>['t']): Refusal {
  if (!(error instanceof ApiError)) return { text: t.evaluator.network };
  const e = t.evaluator.evaluate;
  const p = error.problem;
  const detail = serverWords(error);
  const period = typeof p.period === 'string' ? p.period : undefined;
  const seq = typeof p.seq === 'number' ? p.seq : undefined;
  let text: string | undefined;
  if (error.status === 409 && period !== undefined) {
    if (seq !== undefined && typeof p.state === 'string') {
      text = e.notAgain(period, seq, t.common.paymentStates[p.state] ?? p.state);
    } else if (seq !== undefined && /rejected/.test(p.detail ?? '')) text = e.priorRejected(period, seq);
    else if (seq !== undefined) text = e.laterEvaluated(period, seq);
    else text = e.before(period);
  }
  return text === undefined ? { text: problemText(error, t) } : { text, ...(detail === undefined ? {} : { detail }) };
}
