/**
 * The signing key page (`/keys`), for the ministry and the evaluator: make
 * the subject's own key in this browser (WebCrypto Ed25519, non-extractable,
 * in IndexedDB: crypto/party-key.ts), show its verifier form (copyable) and
 * fingerprint, and enrol it on each contract of the session: a
 * proof-of-possession note (the domain's enrolmentStatement signed by the
 * key) sent to POST /contracts/{c}/party-keys, for the signing role chosen
 * (the ministry signs as ministry or treasury, the evaluator as evaluator or
 * analyst; a key is enrolled once per contract). Shows where it is enrolled.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { enrolmentStatement } from '../../../../domain/ledger/statement.ts';
import { useSession } from '../../app.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import {
  createPartyKey,
  ed25519Supported,
  loadPartyKey,
  type PartyKey,
  signStatement,
} from '../../crypto/party-key.ts';
import { useLang } from '../../i18n.tsx';
import type { ExportTable } from '../../lib/export.ts';
import { dateTime } from '../../lib/format.ts';
import {
  type ContractItem,
  contractTitle,
  type EnrolledKey,
  enrolKey,
  enrolledKeys,
  listContracts,
  refusalText,
} from './data.ts';

/** The signing roles each session role may enrol a key for (domain/services/party-keys.ts SIGNING_ROLES_OF_ROLE). */
const SIGNING_ROLES: Readonly<Record<string, readonly string[]>> = {
  ministry: ['ministry', 'treasury'],
  evaluator: ['evaluator', 'analyst'],
};

interface Row {
  readonly contract: ContractItem;
  /** The keys enrolled on the contract, or why they could not be read. */
  readonly keys?: readonly EnrolledKey[];
  readonly error?: string;
}

export default function SigningKey() {
  const { t, lang } = useLang();
  const k = t.ministry.key;
  const session = useSession();
  const [supported, setSupported] = useState<boolean | undefined>();
  const [key, setKey] = useState<PartyKey | null | undefined>();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string; detail?: string } | undefined>();
  const [rows, setRows] = useState<readonly Row[] | undefined>();
  const [roles, setRoles] = useState<Record<string, string>>({});
  const [copied, setCopied] = useState(false);
  const [reloads, setReloads] = useState(0);
  const subject = session?.subject ?? '';
  const allowed = SIGNING_ROLES[session?.role ?? ''] ?? [];
  // Where the official came from to make or enrol the key (a payment page): a way back to the decision.
  const { query } = useLocation();
  const next = /^\/c\/[^/]+\/payments\/\d+$/.test(query.next ?? '') ? query.next : undefined;

  useEffect(() => {
    let live = true;
    ed25519Supported().then((s) => live && setSupported(s));
    if (subject !== '') {
      loadPartyKey(subject).then(
        (found) => live && setKey(found ?? null),
        () => live && setKey(null),
      );
    }
    return () => {
      live = false;
    };
  }, [subject]);

  useEffect(() => {
    if (subject === '') return;
    let live = true;
    listContracts().then(
      async (contracts) => {
        const out = await Promise.all(
          contracts.map(async (contract): Promise<Row> => {
            try {
              return { contract, keys: await enrolledKeys(contract.id) };
            } catch (error) {
              return { contract, error: (error as Error).message };
            }
          }),
        );
        if (live) setRows(out);
      },
      (error: Error) => live && setNote({ ok: false, text: error.message }),
    );
    return () => {
      live = false;
    };
  }, [subject, reloads]);

  if (session === undefined) return null;

  const create = async () => {
    setBusy(true);
    setNote(undefined);
    try {
      setKey(await createPartyKey(subject));
      setNote({ ok: true, text: k.created });
    } catch (error) {
      setNote({ ok: false, text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const enrol = async (row: Row, role: string) => {
    if (key === null || key === undefined) return;
    setBusy(true);
    setNote(undefined);
    try {
      const statement = await withWebCrypto(() =>
        enrolmentStatement({ contract: row.contract.id, role, subject, key: key.verifierKey }),
      );
      const signed = await signStatement(key, statement);
      await enrolKey(row.contract.id, { role, key: key.verifierKey, note: signed.note });
      setNote({ ok: true, text: k.enrolledNow(contractTitle(row.contract, undefined, row.contract.id, lang)) });
    } catch (error) {
      const r = refusalText(error, t.ministry.refusal, t.common.paymentStates, {
        currency: row.contract.currency,
        minorUnit: row.contract.minorUnit,
        lang,
      });
      setNote({
        ok: false,
        text: `${k.enrolFailed}: ${r.text}`,
        ...(r.detail === undefined ? {} : { detail: r.detail }),
      });
    } finally {
      setBusy(false);
      setReloads((n) => n + 1);
    }
  };

  const mineOn = (row: Row) => row.keys?.find((e) => e.key === key?.verifierKey);
  const othersOn = (row: Row) => (row.keys ?? []).filter((e) => e.subject === subject && e.key !== key?.verifierKey);
  const statusText = (row: Row) => {
    const mine = mineOn(row);
    if (row.error !== undefined) return `${k.listFailed}: ${row.error}`;
    return mine === undefined
      ? k.notEnrolled
      : k.enrolled(k.signingRoles[mine.role] ?? mine.role, dateTime(mine.at, row.contract.timeZone, lang));
  };
  const table = (): ExportTable => ({
    name: `${k.exportName}-${subject}`,
    columns: [
      { key: 'contract', label: k.contract },
      { key: 'id', label: 'id' },
      { key: 'status', label: k.status },
      { key: 'key', label: k.verifier },
    ],
    rows: (rows ?? []).map((r) => ({
      contract: contractTitle(r.contract, undefined, r.contract.id, lang),
      id: r.contract.id,
      status: statusText(r),
      key: mineOn(r)?.key ?? '',
    })),
  });

  return (
    <>
      <h1>{k.title}</h1>
      <p class="lead">{k.intro}</p>
      <div aria-live="polite">
        {note === undefined ? null : (
          <div class={`alert ${note.ok ? 'ok' : 'bad'}`} role={note.ok ? 'status' : 'alert'}>
            <p>{note.text}</p>
            {note.detail === undefined ? null : (
              <details>
                <summary>{t.ministry.refusal.detail}</summary>
                <p class="mono" lang="en">
                  {note.detail}
                </p>
              </details>
            )}
          </div>
        )}
      </div>
      {supported === false ? <p class="alert bad">{k.unsupported}</p> : null}
      {next === undefined || key === null || key === undefined ? null : (
        <p>
          <a class="button" href={next}>
            {k.backToDecision}
          </a>
        </p>
      )}

      <section aria-labelledby="key-h" class="panel">
        <h2 id="key-h">{k.yours}</h2>
        {key === undefined ? (
          <p class="muted">{t.common.loading}</p>
        ) : key === null ? (
          <>
            <p>{k.none}</p>
            <button type="button" disabled={busy || supported === false} onClick={() => void create()}>
              {busy ? k.creating : k.create}
            </button>
          </>
        ) : (
          <>
            <dl class="facts">
              <dt>{k.subject}</dt>
              <dd>{subject}</dd>
              <dt>{k.name}</dt>
              <dd class="mono">{key.name}</dd>
              <dt>{k.createdAt}</dt>
              <dd>{dateTime(key.createdAt, rows?.[0]?.contract.timeZone ?? 'UTC', lang)}</dd>
              <dt>{k.keyId}</dt>
              <dd class="mono">{key.keyId}</dd>
              <dt>{k.fingerprint}</dt>
              <dd>
                <span class="mono fingerprint">{key.fingerprint}</span>
                <div class="muted small">{k.fingerprintHint}</div>
              </dd>
            </dl>
            {key.extractable ? null : <p class="ok">✓ {k.nonExtractable}</p>}
            <label for="verifier">{k.verifier}</label>
            <div class="row copy-row">
              <input
                id="verifier"
                class="mono wide"
                type="text"
                readOnly
                value={key.verifierKey}
                aria-describedby="verifier-hint"
              />
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  void navigator.clipboard?.writeText(key.verifierKey).then(() => setCopied(true));
                }}
              >
                {k.copy}
              </button>
              <span role="status" class="muted">
                {copied ? k.copied : ''}
              </span>
            </div>
            <p id="verifier-hint" class="muted small">
              {k.verifierHint}
            </p>
            <p class="muted small">{k.lost}</p>
          </>
        )}
      </section>

      <section aria-labelledby="enrol-h">
        <div class="table-head">
          <h2 id="enrol-h">{k.enrolTitle}</h2>
          {rows === undefined ? null : <ExportButtons table={table} label={k.caption} />}
        </div>
        <p class="muted">{k.enrolIntro}</p>
        {rows === undefined ? (
          <p class="muted">{t.common.loading}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">{k.caption}</caption>
              <thead>
                <tr>
                  <th scope="col">{k.contract}</th>
                  <th scope="col">{k.status}</th>
                  <th scope="col">{k.role}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const mine = mineOn(row);
                  const others = othersOn(row);
                  const role = roles[row.contract.id] ?? allowed[0] ?? '';
                  const selectId = `role-${row.contract.id}`;
                  return (
                    <tr key={row.contract.id}>
                      <th scope="row" class="rowhead">
                        {contractTitle(row.contract, undefined, row.contract.id, lang)}
                        <div class="muted small mono">{row.contract.id}</div>
                      </th>
                      <td>
                        <span class={`badge ${mine === undefined ? (row.error ? 'bad' : 'warn') : 'ok'}`}>
                          {statusText(row)}
                        </span>
                        {others.length === 0 ? null : <div class="muted small">{k.otherKeys(others.length)}</div>}
                      </td>
                      <td>
                        {mine !== undefined || key === null || key === undefined ? null : (
                          <div class="row">
                            <label class="visually-hidden" for={selectId}>
                              {`${k.role}: ${contractTitle(row.contract, undefined, row.contract.id, lang)}`}
                            </label>
                            <select
                              id={selectId}
                              value={role}
                              onChange={(e) =>
                                setRoles({ ...roles, [row.contract.id]: (e.target as HTMLSelectElement).value })
                              }
                            >
                              {allowed.map((r) => (
                                <option key={r} value={r}>
                                  {k.signingRoles[r] ?? r}
                                </option>
                              ))}
                            </select>
                            <button type="button" disabled={busy || role === ''} onClick={() => void enrol(row, role)}>
                              {busy ? k.enrolling : k.enrol}
                            </button>
                          </div>
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
    </>
  );
}
