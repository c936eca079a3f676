/**
 * The overview's log section: the log's size, its latest checkpoint (size,
 * root hash shortened with the full one on hover and a copy button, when the
 * witnesses signed it), whether the log key's signature verifies, and which
 * witnesses of the trust policy cosigned it, by name, each cosignature
 * verified in the page, with a plain warning when fewer than the quorum did.
 */
import { useState } from 'preact/hooks';
import { useLang } from '../i18n.tsx';
import type { CheckpointAnswer, TrustAnswer } from '../lib/contracts.ts';
import { count, dateTime } from '../lib/format.ts';
import { Loading, ProblemNote, useAsync } from './async.tsx';
import { checkpointStanding } from './witnesses.ts';

function CopyButton(props: { text: string; label: string }) {
  const { t } = useLang();
  const [done, setDone] = useState(false);
  return (
    <>
      <button
        type="button"
        class="secondary small"
        aria-label={`${t.common.copy}: ${props.label}`}
        onClick={() =>
          void navigator.clipboard?.writeText(props.text).then(
            () => setDone(true),
            () => setDone(false),
          )
        }
      >
        {t.common.copy}
      </button>
      <span aria-live="polite" class="muted">
        {done ? ` ${t.common.copied}` : ''}
      </span>
    </>
  );
}

export function LogPanel(props: {
  checkpoint: CheckpointAnswer;
  trust: TrustAnswer | undefined;
  contract: string;
  timeZone: string;
}) {
  const { t, lang } = useLang();
  const l = t.overview.log;
  const cp = props.checkpoint;
  const log = props.trust?.logs.find((x) => x.contract === props.contract);
  const checked = useAsync(
    log === undefined ? undefined : () => checkpointStanding(cp.note, log.logKey, log.witnesses.keys),
    [cp.note, log],
  );
  const standing = checked.status === 'done' ? checked.value : undefined;
  const signed = standing?.witnesses.filter((w) => w.status === 'signed') ?? [];
  const quorum = log?.witnesses.quorum ?? 0;
  const times = signed.flatMap((w) => (w.time === undefined ? [] : [w.time]));
  const time = times.length === 0 ? undefined : Math.max(...times);
  const at = (seconds: number) => dateTime(new Date(seconds * 1000).toISOString(), props.timeZone, lang);
  return (
    <>
      <dl class="facts">
        <dt>{l.origin}</dt>
        <dd class="mono">{cp.origin}</dd>
        <dt>{l.size}</dt>
        <dd>{count(cp.size, lang)}</dd>
        <dt>{l.root}</dt>
        <dd>
          <code class="mono" title={cp.root}>
            {cp.root.slice(0, 12)}…{cp.root.slice(-6)}
          </code>{' '}
          <CopyButton text={cp.root} label={l.rootFull} />
        </dd>
        <dt>{l.logSignature}</dt>
        <dd>
          {standing === undefined ? (
            t.common.dash
          ) : (
            <span class={`badge ${standing.logSigned ? 'ok' : 'bad'}`}>
              {standing.logSigned ? l.logSigned : l.logNotSigned}
            </span>
          )}
        </dd>
        <dt>{l.time}</dt>
        <dd>{time === undefined ? l.timeUnknown : at(time)}</dd>
      </dl>
      {checked.status === 'loading' && log !== undefined ? <Loading /> : null}
      {checked.status === 'failed' ? <ProblemNote error={checked.error} /> : null}
      <h3>{l.witnesses}</h3>
      {log === undefined || log.witnesses.keys.length === 0 ? (
        <p>{l.noWitnesses}</p>
      ) : standing === undefined ? null : (
        <table>
          <thead>
            <tr>
              <th scope="col">{l.witness}</th>
              <th scope="col">{l.status}</th>
            </tr>
          </thead>
          <tbody>
            {standing.witnesses.map((w) => (
              <tr key={w.key}>
                <td>
                  {w.name} <span class="muted mono">{w.keyId}</span>
                </td>
                <td>
                  <span class={`badge ${w.status === 'signed' ? 'ok' : w.status === 'invalid' ? 'bad' : 'warn'}`}>
                    {w.status === 'signed' ? l.cosigned : w.status === 'invalid' ? l.invalid : l.missing}
                  </span>
                  {w.time === undefined || w.status !== 'signed' ? null : <span class="muted"> {at(w.time)}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {standing === undefined || standing.witnesses.length === 0 ? null : signed.length < quorum ? (
        <p class="alert warn" role="status">
          {l.quorumShort(signed.length, quorum)}
        </p>
      ) : (
        <p class="ok">{l.quorumMet(signed.length, standing.witnesses.length, quorum)}</p>
      )}
    </>
  );
}
