/**
 * `/investor/verify`: an audit report verified in the browser, by the
 * domain's own verifier (domain/reports/verify.ts through domain/index.ts,
 * the code of `sib report verify`) with WebCrypto for SHA-256 and Ed25519
 * (withWebCrypto). The investor picks or drops the report's JSON and a
 * trust policy (parsed by the domain's TrustPolicySchema, as `--trust`
 * is); nothing is uploaded. Every check is listed green or red with what
 * it found, and how long the verification took (the bench compares it with
 * the CLI's).
 *
 * Works signed out. Signed in, the page can fetch the policy the deployment
 * publishes, with its keys' fingerprints and a warning that a policy should
 * come from the investor's own records; a policy loaded from a file may be
 * remembered in this browser, and the log watch (lib/log-watch.ts) then
 * prefers it to the server's.
 *
 * This page is a lazy chunk: the verifier is not in the first load.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { keyFingerprint, parseVerifierKey } from '#ledger';
import {
  type ReportVerification,
  SIGNING_ROLES,
  type TrustPolicy,
  ValidationError,
  verifyReport,
} from '../../../../domain/index.ts';
import { useSession } from '../../app.tsx';
import { DropZone } from '../../components/DropZone.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { useLang } from '../../i18n.tsx';
import { count } from '../../lib/format.ts';
import { parsePolicy, savedTrustPolicy, saveTrustPolicy } from '../../lib/log-watch.ts';
import { type ContractInfo, listContracts, publishedTrust } from './data.ts';
import { ErrorText } from './parts.tsx';

interface PickedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

type PolicyChoice =
  | { readonly source: 'file'; readonly name: string; readonly policy: TrustPolicy }
  | { readonly source: 'saved'; readonly policy: TrustPolicy }
  | { readonly source: 'server'; readonly contract: string; readonly policy: TrustPolicy };

interface Outcome {
  readonly verification: ReportVerification;
  readonly ms: number;
  /** The files checked: the report's name and where the policy came from. */
  readonly report: string;
  readonly policy: PolicyChoice;
}

async function readFile(file: File): Promise<PickedFile> {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/** A report or policy file's drop zone, saying which file is chosen. */
function FileDrop(props: {
  label: string;
  hint: string;
  picked: PickedFile | undefined;
  onFile: (file: File) => void;
  testId: string;
}) {
  const { t, lang } = useLang();
  return (
    <DropZone
      label={props.label}
      hint={props.hint}
      accept="application/json,.json"
      testId={props.testId}
      chosen={
        props.picked === undefined
          ? t.investor.verify.notChosen
          : t.investor.verify.chosen(props.picked.name, count(props.picked.bytes.byteLength, lang))
      }
      onFile={props.onFile}
    />
  );
}

interface KeyLine {
  readonly label: string;
  readonly id: string;
  readonly fingerprint: string;
}

/** The policy's keys with their fingerprints (computed in withWebCrypto). */
function PolicyKeys(props: { policy: TrustPolicy }) {
  const { t } = useLang();
  const [lines, setLines] = useState<{ origin: string; quorum: string; keys: KeyLine[] }[] | undefined>();
  useEffect(() => {
    let live = true;
    const policy = props.policy;
    void withWebCrypto(() =>
      policy.logs.map((log) => {
        const line = (label: string, text: string): KeyLine => {
          const k = parseVerifierKey(text);
          return { label, id: `${k.name}+${k.keyId}`, fingerprint: keyFingerprint(text) };
        };
        return {
          origin: log.origin,
          quorum: t.investor.verify.quorum(log.witnesses.quorum, log.witnesses.keys.length),
          keys: [
            line(t.investor.verify.logKey, log.logKey),
            ...log.witnesses.keys.map((w) => line(t.investor.verify.witness, w)),
            ...SIGNING_ROLES.flatMap((role) =>
              log.parties[role].map((p) => line(t.investor.verify.roles[role] ?? role, p)),
            ),
          ],
        };
      }),
    ).then((l) => live && setLines(l));
    return () => {
      live = false;
    };
  }, [props.policy, t]);
  if (lines === undefined) return <p class="muted">{t.common.loading}</p>;
  return (
    <>
      {lines.map((log) => (
        <table key={log.origin} class="keys">
          <caption>
            {t.investor.verify.fingerprints}: {log.origin}. {log.quorum}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t.investor.verify.keyOf}</th>
              <th scope="col">ID</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {log.keys.map((k) => (
              <tr key={`${k.label}${k.id}`}>
                <td>{k.label}</td>
                <td class="mono">{k.id}</td>
                <td class="mono">{k.fingerprint}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}

/** Fetching the deployment's published policy (signed in only), shown with its fingerprints before it is used. */
function PublishedPolicy(props: { onUse: (contract: string, policy: TrustPolicy) => void }) {
  const { t, lang } = useLang();
  const selectId = useId();
  const [contracts, setContracts] = useState<readonly ContractInfo[] | undefined>();
  const [contract, setContract] = useState('');
  const [fetched, setFetched] = useState<{ contract: string; policy: TrustPolicy } | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    listContracts().then(
      (list) => {
        setContracts(list);
        setContract((c) => (c === '' ? (list[0]?.id ?? '') : c));
      },
      (e: unknown) => setError(e),
    );
  }, []);
  return (
    <details class="panel">
      <summary>{t.investor.verify.fetchPolicy}</summary>
      <p class="alert warn">{t.investor.verify.fetchWarning}</p>
      {contracts === undefined ? null : (
        <div class="row">
          <div>
            <label for={selectId}>{t.investor.verify.fetchPolicyFor}</label>
            <select id={selectId} value={contract} onChange={(e) => setContract(e.currentTarget.value)}>
              {contracts.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title[lang] ?? c.title.ru ?? c.title.en ?? c.id}
                </option>
              ))}
            </select>
          </div>
          <button
            type="button"
            class="secondary align-end"
            disabled={contract === ''}
            onClick={() => {
              setError(undefined);
              publishedTrust(contract).then(
                (text) => parsePolicy(text, withWebCrypto).then((policy) => setFetched({ contract, policy })),
                (e: unknown) => setError(e),
              );
            }}
          >
            {t.investor.verify.fetchPolicy}
          </button>
        </div>
      )}
      {error === undefined ? null : <ErrorText error={error} />}
      {fetched === undefined ? null : (
        <>
          <h3>{t.investor.verify.fetchedPolicy(fetched.contract)}</h3>
          <PolicyKeys policy={fetched.policy} />
          <button type="button" onClick={() => props.onUse(fetched.contract, fetched.policy)}>
            {t.investor.verify.useFetched}
          </button>
        </>
      )}
    </details>
  );
}

/** The verdict and every check, green or red. */
function Result(props: { outcome: Outcome }) {
  const { t, lang } = useLang();
  const v = props.outcome.verification;
  const failed = v.checks.filter((c) => !c.ok);
  const name = (n: string) => t.investor.verify.checkNames[n];
  const policyName = (p: PolicyChoice) =>
    p.source === 'file'
      ? p.name
      : p.source === 'saved'
        ? t.investor.verify.policySaved
        : t.investor.verify.policyServer(p.contract);
  return (
    <section aria-labelledby="verify-result" class="verify-result">
      <h2 id="verify-result">{t.investor.verify.checksCaption}</h2>
      {v.ok ? (
        <p class="alert ok verdict" role="status" data-verdict="ok">
          ✓ {t.investor.verify.resultOk}
        </p>
      ) : (
        <div class="alert bad verdict" role="alert" data-verdict="failed">
          <p class="tight">
            <strong>✗ {t.investor.verify.resultBad(failed.length)}</strong>
          </p>
          <p class="tight">
            {t.investor.verify.failedList} {failed.map((c) => name(c.name) ?? c.name).join('; ')}
          </p>
        </div>
      )}
      <p class="muted">
        {v.contract === undefined ? null : `${t.investor.verify.of(v.contract, v.period ?? '—')}. `}
        <output data-verify-ms={props.outcome.ms.toFixed(1)}>
          {t.investor.verify.took(count(Math.max(1, Math.round(props.outcome.ms)), lang))}
        </output>
      </p>
      <p class="muted small-text">
        {t.investor.verify.checkedWith(props.outcome.report, policyName(props.outcome.policy))}
      </p>
      {v.warnings === undefined || v.warnings.length === 0 ? null : (
        <div class="alert warn">
          <p>{t.investor.verify.warnings}:</p>
          <ul>
            {v.warnings.map((w) => (
              <li key={w} lang="en">
                {w}
              </li>
            ))}
          </ul>
        </div>
      )}
      <table class="checks">
        <caption class="visually-hidden">{t.investor.verify.checksCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.investor.verify.checkColumn}</th>
            <th scope="col">{t.investor.verify.resultColumn}</th>
            <th scope="col">{t.investor.verify.detailColumn}</th>
          </tr>
        </thead>
        <tbody>
          {v.checks.map((c, i) => (
            <tr key={`${c.name}-${i}`} class={c.ok ? 'check-ok' : 'check-bad'} data-check={c.name}>
              <th scope="row">
                {name(c.name) ?? <span lang="en">{c.name}</span>}
                {name(c.name) === undefined || lang === 'en' ? null : (
                  <span class="muted check-id" lang="en">
                    {' '}
                    ({c.name})
                  </span>
                )}
              </th>
              <td>
                <span class={c.ok ? 'badge ok' : 'badge bad'}>
                  {c.ok ? `✓ ${t.investor.verify.passed}` : `✗ ${t.investor.verify.failed}`}
                </span>
              </td>
              <td class="check-message" lang="en">
                {c.message ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default function Verify() {
  const { t } = useLang();
  const session = useSession();
  const rememberId = useId();
  const runButton = useRef<HTMLButtonElement>(null);
  const [report, setReport] = useState<PickedFile | undefined>();
  const [policyFile, setPolicyFile] = useState<PickedFile | undefined>();
  const [policy, setPolicy] = useState<PolicyChoice | undefined>();
  useEffect(() => {
    void savedTrustPolicy(withWebCrypto).then((saved) => {
      if (saved !== undefined) setPolicy((p) => p ?? { source: 'saved', policy: saved });
    });
  }, []);
  const [policyProblem, setPolicyProblem] = useState<string[] | undefined>();
  const [remember, setRemember] = useState(true);
  const [readProblem, setReadProblem] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();

  const pickReport = (file: File) => {
    setOutcome(undefined);
    setReadProblem(undefined);
    readFile(file).then(setReport, (e: unknown) =>
      setReadProblem(t.investor.verify.readFailed(file.name, (e as Error).message)),
    );
  };
  const pickPolicy = (file: File) => {
    setOutcome(undefined);
    setPolicyProblem(undefined);
    readFile(file).then(
      async (picked) => {
        setPolicyFile(picked);
        try {
          const parsed = await parsePolicy(new TextDecoder().decode(picked.bytes), withWebCrypto);
          setPolicy({ source: 'file', name: picked.name, policy: parsed });
          if (remember) saveTrustPolicy(parsed);
        } catch (error) {
          setPolicy(undefined);
          setPolicyProblem(
            error instanceof ValidationError
              ? [error.message, ...error.problems.map((p) => `${p.field}: ${p.message}`)]
              : [(error as Error).message],
          );
        }
      },
      (e: unknown) => setReadProblem(t.investor.verify.readFailed(file.name, (e as Error).message)),
    );
  };
  const run = async () => {
    if (report === undefined || policy === undefined) return;
    setRunning(true);
    setOutcome(undefined);
    try {
      const bytes = report.bytes;
      const trust = policy.policy;
      // What `sib report verify --trust` does: the policy's keys, nothing else. Timed from the
      // verifier's first run (withWebCrypto may queue it behind the log watch), to the result.
      let started: number | undefined;
      const verification = await withWebCrypto(() => {
        started ??= performance.now();
        return verifyReport(bytes, [], { trust });
      });
      setOutcome({
        verification,
        ms: performance.now() - (started ?? performance.now()),
        report: report.name,
        policy,
      });
    } finally {
      setRunning(false);
    }
  };

  return (
    <>
      <h1>{t.investor.verify.title}</h1>
      <p>{t.investor.verify.intro}</p>
      {policy?.source === 'saved' ? (
        <p class="row">
          <span>{t.investor.verify.savedPolicy}</span>
          <button
            type="button"
            class="link"
            onClick={() => {
              saveTrustPolicy(undefined);
              setPolicy(undefined);
            }}
          >
            {t.investor.verify.forgetPolicy}
          </button>
        </p>
      ) : null}
      {policy?.source === 'server' ? (
        <p class="alert warn">
          {t.investor.verify.fetchedPolicy(policy.contract)}. {t.investor.verify.fetchWarning}
        </p>
      ) : null}
      <div class="grid2 verify-inputs">
        <FileDrop
          label={t.investor.verify.reportLabel}
          hint={t.investor.verify.reportHint}
          picked={report}
          onFile={pickReport}
          testId="report-drop"
        />
        <div>
          <FileDrop
            label={t.investor.verify.policyLabel}
            hint={t.investor.verify.policyHint}
            picked={policyFile}
            onFile={pickPolicy}
            testId="policy-drop"
          />
          <div class="check-row">
            <input
              id={rememberId}
              type="checkbox"
              checked={remember}
              onChange={(e) => setRemember(e.currentTarget.checked)}
            />
            <label for={rememberId} class="inline">
              {t.investor.verify.rememberPolicy}
            </label>
          </div>
        </div>
      </div>
      <div class="row verify-actions">
        <button
          ref={runButton}
          type="button"
          data-testid="verify-run"
          disabled={running || report === undefined || policy === undefined}
          onClick={run}
        >
          {running ? t.investor.verify.running : t.investor.verify.run}
        </button>
        {report === undefined || policy === undefined ? <span class="muted">{t.investor.verify.needBoth}</span> : null}
      </div>
      {readProblem === undefined ? null : (
        <p class="alert bad" role="alert">
          {readProblem}
        </p>
      )}
      {policyProblem === undefined ? null : (
        <div class="alert bad" role="alert">
          <p>{t.investor.verify.policyInvalid}</p>
          <ul>
            {policyProblem.map((p) => (
              <li key={p} lang="en">
                {p}
              </li>
            ))}
          </ul>
        </div>
      )}
      {session === undefined ? (
        <p class="muted">{t.investor.verify.signInForPolicy}</p>
      ) : (
        <PublishedPolicy
          onUse={(contract, p) => {
            setOutcome(undefined);
            setPolicy({ source: 'server', contract, policy: p });
            // The next step is the run button, above: take the person there.
            requestAnimationFrame(() => runButton.current?.focus());
          }}
        />
      )}
      {outcome === undefined ? null : <Result outcome={outcome} />}
    </>
  );
}
