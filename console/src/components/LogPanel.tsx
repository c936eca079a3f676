/**
 * The overview's log section: the log's size, its latest checkpoint (size,
 * root hash shortened with the full one on hover and a copy button, when the
 * witnesses signed it) and which witnesses of the trust policy cosigned it,
 * by name, with a plain warning when fewer than the quorum did.
 */
import { useState } from 'preact/hooks';
import { useLang } from '../i18n.tsx';
import type { CheckpointAnswer, TrustAnswer } from '../lib/contracts.ts';
import { count, dateTime } from '../lib/format.ts';
import { witnessStanding } from './witnesses.ts';

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
  const standing = log === undefined ? [] : witnessStanding(cp.note, log.witnesses.keys);
  const signed = standing.filter((w) => w.cosigned);
  const quorum = log?.witnesses.quorum ?? 0;
  const times = signed.flatMap((w) => (w.time === undefined ? [] : [w.time]));
  const time = times.length === 0 ? undefined : Math.max(...times);
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
        <dt>{l.time}</dt>
        <dd>
          {time === undefined ? l.timeUnknown : dateTime(new Date(time * 1000).toISOString(), props.timeZone, lang)}
        </dd>
      </dl>
      <h3>{l.witnesses}</h3>
      {standing.length === 0 ? (
        <p>{l.noWitnesses}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{l.witness}</th>
              <th scope="col">{l.status}</th>
            </tr>
          </thead>
          <tbody>
            {standing.map((w) => (
              <tr key={w.key}>
                <td>
                  {w.name} <span class="muted mono">{w.keyId}</span>
                </td>
                <td>
                  <span class={`badge ${w.cosigned ? 'ok' : 'warn'}`}>{w.cosigned ? l.cosigned : l.missing}</span>
                  {w.time === undefined ? null : (
                    <span class="muted"> {dateTime(new Date(w.time * 1000).toISOString(), props.timeZone, lang)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log === undefined || standing.length === 0 ? null : signed.length < quorum ? (
        <p class="alert warn" role="status">
          {l.quorumShort(signed.length, quorum)}
        </p>
      ) : (
        <p class="ok">{l.quorumMet(signed.length, standing.length, quorum)}</p>
      )}
    </>
  );
}
