/**
 * `/evaluator/witnesses`: the witnesses of each contract log of the session.
 * For each witness the log pushes its checkpoints to
 * (GET /contracts/{contract}/witnesses): the last checkpoint it cosigned,
 * whose stored note is verified in this page against the trust policy's
 * log key and witness keys (components/witnesses.ts, the domain's
 * checkSigners under WebCrypto), and the last checkpoint it refused:
 * rollback (it holds a larger tree), fork (another tree at that size, or
 * no consistency proof) or other, with the HTTP status and sizes.
 */
import { useEffect, useState } from 'preact/hooks';
import { ProblemNote, usePageTitle } from '../../components/async.tsx';
import { type CheckpointStanding, checkpointStanding } from '../../components/witnesses.ts';
import { localized, useLang } from '../../i18n.tsx';
import type { ContractListItem, TrustAnswer } from '../../lib/contracts.ts';
import { count, dateTime } from '../../lib/format.ts';
import { listContracts, logTrust, type WitnessStatus, witnessStatus } from './audit-data.ts';

interface LogStanding {
  readonly contract: ContractListItem;
  readonly trust: TrustAnswer['logs'][number] | undefined;
  readonly status: WitnessStatus;
  /** Per witness URL: its last cosigned note checked against the policy. */
  readonly checks: ReadonlyMap<string, CheckpointStanding | 'unchecked'>;
}

async function loadLog(contract: ContractListItem): Promise<LogStanding> {
  const [trust, status] = await Promise.all([logTrust(contract.id), witnessStatus(contract.id)]);
  const keys = trust?.witnesses.keys ?? status.keys;
  const checks = new Map<string, CheckpointStanding | 'unchecked'>();
  for (const w of status.witnesses) {
    const note = w.lastCosigned?.note;
    if (note === undefined || trust === undefined || keys.length === 0) {
      checks.set(w.url, 'unchecked');
      continue;
    }
    try {
      checks.set(w.url, await checkpointStanding(note, trust.logKey, keys));
    } catch {
      checks.set(w.url, 'unchecked');
    }
  }
  return { contract, trust, status, checks };
}

function LogTable(props: { log: LogStanding }) {
  const { t, lang } = useLang();
  const w = t.audit.witnesses;
  const { log } = props;
  const title = localized(log.contract.title, lang) || log.contract.id;
  const policyKeys = log.trust?.witnesses.keys ?? [];
  const when = (iso: string) => dateTime(iso, log.contract.timeZone, lang);
  return (
    <section class="panel" aria-labelledby={`wit-${log.contract.id}`} data-contract={log.contract.id}>
      <h2 id={`wit-${log.contract.id}`}>{title}</h2>
      <p class="muted">
        {w.logSize(log.status.size, count(log.status.size, lang))}{' '}
        {policyKeys.length === 0 ? w.noWitnesses : w.policy(log.trust?.witnesses.quorum ?? 0, policyKeys.length)}
      </p>
      {log.status.witnesses.length === 0 ? (
        <p class="empty">{w.noPushes}</p>
      ) : (
        <div class="table-scroll">
          <table class="audit-witnesses">
            <caption class="sr-only">{w.caption(title)}</caption>
            <thead>
              <tr>
                <th scope="col">{w.columns.witness}</th>
                <th scope="col">{w.columns.cosigned}</th>
                <th scope="col">{w.columns.check}</th>
                <th scope="col">{w.columns.refusal}</th>
              </tr>
            </thead>
            <tbody>
              {log.status.witnesses.map((x) => {
                const names = x.lastCosigned?.witnesses ?? [];
                const check = log.checks.get(x.url);
                const standings =
                  check === undefined || check === 'unchecked'
                    ? []
                    : check.witnesses.filter((s) => names.length === 0 || names.includes(s.name));
                const refusal = x.lastRefusal;
                return (
                  <tr key={x.url} data-witness={x.url}>
                    <th scope="row" class="rowhead">
                      {names.length === 0 ? null : <div>{names.join(', ')}</div>}
                      <div class="mono small-text">{x.url}</div>
                    </th>
                    <td>
                      {x.lastCosigned === undefined ? (
                        <span class="muted">{w.never}</span>
                      ) : (
                        <>
                          <div>{w.size(count(x.lastCosigned.size, lang))}</div>
                          <div class="muted small-text">{w.at(when(x.lastCosigned.at))}</div>
                        </>
                      )}
                    </td>
                    <td data-check={standings.map((s) => s.status).join(',') || 'unchecked'}>
                      {standings.length === 0 ? (
                        <span class="muted">{x.lastCosigned === undefined ? '—' : w.unchecked}</span>
                      ) : (
                        standings.map((s) => (
                          <div key={s.key}>
                            <span class={s.status === 'signed' ? 'badge ok' : 'badge bad'}>
                              {s.status === 'signed'
                                ? `✓ ${w.verified}`
                                : s.status === 'invalid'
                                  ? `✗ ${w.invalid}`
                                  : w.missing}
                            </span>
                            {s.time === undefined ? null : (
                              <div class="muted small-text">
                                {w.signedAt(when(new Date(s.time * 1000).toISOString()))}
                              </div>
                            )}
                          </div>
                        ))
                      )}
                    </td>
                    <td data-refusal={refusal?.kind ?? ''}>
                      {refusal === undefined ? (
                        <span class="muted">{w.noRefusal}</span>
                      ) : (
                        <>
                          <span class={refusal.kind === 'other' ? 'badge warn' : 'badge bad'}>
                            {w.kinds[refusal.kind] ?? refusal.kind}
                          </span>
                          <div>
                            {refusal.status === undefined
                              ? w.unreachable
                              : w.refusal(
                                  count(refusal.size, lang),
                                  refusal.witnessSize === undefined ? undefined : count(refusal.witnessSize, lang),
                                  String(refusal.status),
                                )}
                          </div>
                          <div class="muted small-text">{w.at(when(refusal.at))}</div>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export default function WitnessStatusPage() {
  const { t } = useLang();
  const w = t.audit.witnesses;
  usePageTitle(t.common.nav.witnesses);
  const [logs, setLogs] = useState<readonly (LogStanding | { contract: ContractListItem; error: unknown })[]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let live = true;
    listContracts()
      .then((contracts) =>
        Promise.all(contracts.map((c) => loadLog(c).catch((e: unknown) => ({ contract: c, error: e })))),
      )
      .then(
        (l) => live && setLogs(l),
        (e: unknown) => live && setError(e),
      );
    return () => {
      live = false;
    };
  }, []);
  return (
    <>
      <h1>{t.common.nav.witnesses}</h1>
      <p class="lead">{w.intro}</p>
      {error === undefined ? null : <ProblemNote error={error} lead={w.failed} />}
      {logs === undefined && error === undefined ? (
        <p class="muted" role="status">
          {t.common.loading}
        </p>
      ) : null}
      {logs !== undefined && logs.length === 0 ? <p class="empty">{t.audit.noContracts}</p> : null}
      {(logs ?? []).map((l) =>
        'error' in l ? (
          <ProblemNote key={l.contract.id} error={l.error} lead={`${l.contract.id}: ${w.failed}`} />
        ) : (
          <LogTable key={l.contract.id} log={l} />
        ),
      )}
    </>
  );
}
