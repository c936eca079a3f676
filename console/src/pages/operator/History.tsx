/**
 * The operator's batch history (`/operator/history`): for each contract of
 * the session, its evidence batches newest first (GET
 * /contracts/{contract}/batches), each with its status, record counts per
 * type, when it was appended and its receipt; and each batch's inclusion in
 * the log checked here, not taken from the server: the latest signed
 * checkpoint is verified against the log's key (the trust policy saved in
 * this browser, else the one the server publishes), then every batch's entry
 * proof at that size is checked by the domain's own checkEntryProof under
 * withWebCrypto, and the proved entry must be the very entry listed (hash,
 * batch id, records root, archive). Uploads not in the log (pending,
 * refused) are listed under the batches.
 */
import { useEffect, useState } from 'preact/hooks';
import { checkEntryProof, type EntryProofDocument, type LogTrust, trustForContract, verifyCheckpoint } from '#ledger';
import { useSession } from '../../app.tsx';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../../components/async.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { localized, useLang } from '../../i18n.tsx';
import { api, apiFetch, contractPath } from '../../lib/api.ts';
import type { CheckpointAnswer, ContractListItem } from '../../lib/contracts.ts';
import type { ExportTable } from '../../lib/export.ts';
import { count, dateTime } from '../../lib/format.ts';
import { parsePolicy, savedTrustPolicy } from '../../lib/log-watch.ts';

interface ListedBatch {
  readonly batchId: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly recordsRoot: string;
  readonly recordCount: number;
  readonly types: Readonly<Record<string, number>>;
  readonly archive: { readonly key: string; readonly sha256: string };
  readonly appendedAt: string;
}

interface ListedUpload {
  readonly batchId: string;
  readonly status: 'pending' | 'rejected';
  readonly at?: string;
  readonly title?: string;
  readonly problemCount?: number;
}

interface BatchPage {
  readonly size: number;
  readonly batches: readonly ListedBatch[];
  readonly next?: number;
  readonly uploads: readonly ListedUpload[];
}

/** A batch's inclusion: being checked, verified at a checkpoint, or why not. */
type Inclusion =
  | { readonly state: 'checking' }
  | { readonly state: 'verified'; readonly size: number; readonly root: string }
  | { readonly state: 'failed'; readonly why: string };

/** The log's verified checkpoint, and where its key came from. */
interface Anchor {
  readonly key: string;
  readonly source: 'saved' | 'published';
  readonly size: number;
  readonly root: string;
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const base64Hex = (text: string) => hex(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
const short = (h: string) => `${h.slice(0, 12)}…`;

/** The log's key for `contract`: the trust policy saved in this browser first, else the published one. */
async function logTrust(contract: string): Promise<{ log: LogTrust; source: 'saved' | 'published' } | undefined> {
  const saved = await savedTrustPolicy(withWebCrypto);
  const own = saved === undefined ? undefined : trustForContract(saved, contract);
  if (own !== undefined) return { log: own, source: 'saved' };
  const text = await (await apiFetch(contractPath(contract, 'trust'))).text();
  const published = trustForContract(await parsePolicy(text, withWebCrypto), contract);
  return published === undefined ? undefined : { log: published, source: 'published' };
}

/** The latest checkpoint, its note verified against the log's key (undefined: it does not verify). */
async function anchorOf(contract: string, key: string, source: Anchor['source']): Promise<Anchor | undefined> {
  const cp = await api<CheckpointAnswer>(contractPath(contract, 'checkpoint'));
  const verified = await withWebCrypto(() => {
    try {
      return verifyCheckpoint(cp.note, [key]);
    } catch {
      return undefined;
    }
  });
  if (verified === undefined || !verified.origin.endsWith(`/${contract}`)) return undefined;
  return { key, source, size: verified.size, root: hex(verified.root) };
}

/** One batch's entry proved into the anchor's tree, and the entry proved being the one listed. */
async function checkBatch(contract: string, batch: ListedBatch, anchor: Anchor, mismatch: string): Promise<Inclusion> {
  let doc: EntryProofDocument;
  try {
    doc = await api<EntryProofDocument>(contractPath(contract, 'entries', batch.seq, 'proof'), {
      query: { size: anchor.size },
    });
  } catch (error) {
    return { state: 'failed', why: (error as Error).message };
  }
  const why = await withWebCrypto(() => checkEntryProof(doc, [anchor.key]));
  if (why !== undefined) return { state: 'failed', why };
  let same = false;
  try {
    const entry = JSON.parse(doc.entry) as { body?: Record<string, unknown> };
    const archive = entry.body?.archive as { key?: unknown; sha256?: unknown } | undefined;
    same =
      doc.size === anchor.size &&
      base64Hex(doc.root) === anchor.root &&
      base64Hex(doc.leafHash) === batch.entryHash &&
      entry.body?.batchId === batch.batchId &&
      entry.body?.recordsRoot === batch.recordsRoot &&
      entry.body?.recordCount === batch.recordCount &&
      archive?.key === batch.archive.key &&
      archive?.sha256 === batch.archive.sha256;
  } catch {
    same = false;
  }
  return same ? { state: 'verified', size: anchor.size, root: anchor.root } : { state: 'failed', why: mismatch };
}

/** Runs `fn` over `items`, `width` at a time (the page asks for one proof per batch). */
async function each<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

function InclusionCell(props: { inclusion: Inclusion | undefined }) {
  const { t, lang } = useLang();
  const h = t.batches.history;
  const x = props.inclusion;
  if (x === undefined || x.state === 'checking') return <span class="muted">{h.checking}</span>;
  if (x.state === 'verified') {
    return (
      <span class="history-verified" data-testid="inclusion-ok">
        <span aria-hidden="true">✓ </span>
        {h.verified(count(x.size, lang), short(x.root))}
      </span>
    );
  }
  return (
    <span class="history-failed" data-testid="inclusion-failed">
      <span aria-hidden="true">✗ </span>
      {h.failed(x.why)}
    </span>
  );
}

function inclusionText(x: Inclusion | undefined, h: ReturnType<typeof useLang>['t']['batches']['history']): string {
  if (x === undefined || x.state === 'checking') return h.checking;
  return x.state === 'verified' ? h.verified(String(x.size), x.root) : h.failed(x.why);
}

function ContractHistory(props: { contract: ContractListItem }) {
  const { t, lang } = useLang();
  const h = t.batches.history;
  const id = props.contract.id;
  const zone = props.contract.timeZone;
  const [batches, setBatches] = useState<readonly ListedBatch[]>([]);
  const [uploads, setUploads] = useState<readonly ListedUpload[]>([]);
  const [next, setNext] = useState<number | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [anchor, setAnchor] = useState<Anchor | 'unsigned' | 'no-key' | undefined>();
  const [inclusion, setInclusion] = useState<ReadonlyMap<number, Inclusion>>(new Map());

  const verify = async (page: readonly ListedBatch[], a: Anchor) => {
    setInclusion((m) => new Map([...m, ...page.map((b) => [b.seq, { state: 'checking' } as Inclusion] as const)]));
    await each(page, 4, async (b) => {
      const result = await checkBatch(id, b, a, h.mismatch);
      setInclusion((m) => new Map(m).set(b.seq, result));
    });
  };

  const load = async (before: number | undefined, a: Anchor | undefined) => {
    setLoading(true);
    try {
      const page = await api<BatchPage>(contractPath(id, 'batches'), { query: { before } });
      setBatches((old) => [...old, ...page.batches]);
      if (before === undefined) setUploads(page.uploads);
      setNext(page.next);
      setLoading(false);
      if (a !== undefined) await verify(page.batches, a);
    } catch (e) {
      setError(e);
      setLoading(false);
    }
  };

  useEffect(() => {
    let live = true;
    void (async () => {
      let a: Anchor | undefined;
      try {
        const trust = await logTrust(id);
        if (!live) return;
        if (trust === undefined) setAnchor('no-key');
        else {
          a = await anchorOf(id, trust.log.logKey, trust.source);
          if (!live) return;
          setAnchor(a ?? 'unsigned');
        }
      } catch (e) {
        if (live) setError(e);
      }
      if (live) await load(undefined, a);
    })();
    return () => {
      live = false;
    };
  }, [id]);

  const failedAll = anchor === 'unsigned' || anchor === 'no-key';
  const inclusionOf = (seq: number): Inclusion | undefined =>
    failedAll ? { state: 'failed', why: anchor === 'no-key' ? h.noKey : h.checkpointFailed } : inclusion.get(seq);
  const verifiedCount = batches.filter((b) => inclusionOf(b.seq)?.state === 'verified').length;
  const table = (): ExportTable => ({
    name: h.exportName(id),
    columns: [
      { key: 'batchId', label: h.batch },
      { key: 'seq', label: h.seq, kind: 'number' },
      { key: 'appendedAt', label: h.appended },
      { key: 'recordCount', label: h.records, kind: 'number' },
      { key: 'types', label: h.byType },
      { key: 'recordsRoot', label: h.recordsRoot },
      { key: 'entryHash', label: h.entryHash },
      { key: 'archiveKey', label: h.archive },
      { key: 'archiveSha256', label: h.archiveSha },
      { key: 'inclusion', label: h.exportStatus },
    ],
    rows: batches.map((b) => ({
      batchId: b.batchId,
      seq: b.seq,
      appendedAt: b.appendedAt,
      recordCount: b.recordCount,
      types: Object.entries(b.types)
        .map(([type, n]) => `${t.common.recordTypes[type] ?? type}: ${n}`)
        .join('; '),
      recordsRoot: b.recordsRoot,
      entryHash: b.entryHash,
      archiveKey: b.archive.key,
      archiveSha256: b.archive.sha256,
      inclusion: inclusionText(inclusionOf(b.seq), h),
    })),
  });

  const headingId = `history-${id}`;
  return (
    <section class="panel history-contract" aria-labelledby={headingId} data-testid={`history-${id}`}>
      <div class="table-head">
        <h2 id={headingId}>{localized(props.contract.title, lang) || h.contract(id)}</h2>
        {batches.length === 0 ? null : <ExportButtons table={table} label={h.caption(id)} />}
      </div>
      <div aria-live="polite">
        {anchor === undefined || typeof anchor === 'string' ? null : (
          <p class="muted small-text">
            {h.checkpoint(count(anchor.size, lang), short(anchor.root))}{' '}
            {anchor.source === 'saved' ? h.keySaved : h.keyPublished}
          </p>
        )}
        {anchor === 'unsigned' ? (
          <div class="alert bad" role="alert">
            {h.checkpointFailed}
          </div>
        ) : null}
        {anchor === 'no-key' ? (
          <div class="alert bad" role="alert">
            {h.noKey}
          </div>
        ) : null}
        {batches.length > 0 && !failedAll ? (
          <p class="small-text" data-testid="history-summary">
            {h.summary(count(verifiedCount, lang), count(batches.length, lang))}
          </p>
        ) : null}
      </div>
      {error === undefined ? null : <ProblemNote error={error} />}
      {!loading && error === undefined && batches.length === 0 ? <p class="empty">{h.none}</p> : null}
      {batches.length === 0 ? null : (
        <div class="table-scroll">
          <table class="history-table" data-testid="history-table">
            <caption class="visually-hidden">{h.caption(id)}</caption>
            <thead>
              <tr>
                <th scope="col">{h.batch}</th>
                <th scope="col">{h.appended}</th>
                <th scope="col">{h.records}</th>
                <th scope="col">{h.receipt}</th>
                <th scope="col">{h.inclusion}</th>
              </tr>
            </thead>
            <tbody>
              {batches.map((b) => (
                <tr key={b.seq} data-testid="history-row">
                  <th scope="row" class="mono">
                    {b.batchId}
                  </th>
                  <td class="nowrap">{dateTime(b.appendedAt, zone, lang)}</td>
                  <td>
                    <strong>{count(b.recordCount, lang)}</strong>
                    <ul class="history-types">
                      {Object.entries(b.types).map(([type, n]) => (
                        <li key={type}>
                          {t.common.recordTypes[type] ?? type} {count(n, lang)}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <dl class="history-receipt">
                      <dt>{h.seq}</dt>
                      <dd>{b.seq}</dd>
                      <dt>{h.recordsRoot}</dt>
                      <dd class="mono" title={b.recordsRoot}>
                        {short(b.recordsRoot)}
                      </dd>
                      <dt>{h.entryHash}</dt>
                      <dd class="mono" title={b.entryHash}>
                        {short(b.entryHash)}
                      </dd>
                      <dt>{h.archive}</dt>
                      <dd class="mono" title={`${b.archive.key}\nSHA-256 ${b.archive.sha256}`}>
                        {short(b.archive.sha256)}
                      </dd>
                    </dl>
                  </td>
                  <td>
                    <InclusionCell inclusion={inclusionOf(b.seq)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loading ? <Loading /> : null}
      {next === undefined || loading ? null : (
        <button
          type="button"
          class="secondary small"
          onClick={() => void load(next, typeof anchor === 'object' ? anchor : undefined)}
        >
          {h.more}
        </button>
      )}
      {uploads.length === 0 ? null : (
        <>
          <h3>{h.uploads}</h3>
          <p class="muted small-text">{h.uploadsHint}</p>
          <div class="table-scroll">
            <table data-testid="history-uploads">
              <thead>
                <tr>
                  <th scope="col">{h.upload}</th>
                  <th scope="col">{h.status}</th>
                  <th scope="col">{h.at}</th>
                  <th scope="col">{h.problems}</th>
                </tr>
              </thead>
              <tbody>
                {uploads.map((u) => (
                  <tr key={u.batchId}>
                    <th scope="row" class="mono">
                      {u.batchId}
                    </th>
                    <td>
                      <span class={u.status === 'rejected' ? 'badge bad' : 'badge warn'}>
                        {u.status === 'rejected' ? h.rejected : h.pending}
                      </span>
                    </td>
                    <td>{u.at === undefined ? '—' : dateTime(u.at, zone, lang)}</td>
                    <td>{u.problemCount === undefined ? '—' : count(u.problemCount, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export default function BatchHistory() {
  const { t } = useLang();
  const h = t.batches.history;
  usePageTitle(h.title);
  const session = useSession();
  const contracts = useAsync(
    session === undefined ? undefined : () => api<{ contracts: ContractListItem[] }>('/contracts'),
    [session?.token],
  );
  return (
    <>
      <h1>{h.title}</h1>
      <p class="lead">{h.lead}</p>
      {contracts.status === 'loading' ? <Loading /> : null}
      {contracts.status === 'failed' ? <ProblemNote error={contracts.error} /> : null}
      {contracts.status === 'done'
        ? contracts.value.contracts.map((c) => <ContractHistory key={c.id} contract={c} />)
        : null}
    </>
  );
}
