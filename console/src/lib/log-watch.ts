/**
 * The log watch: the browser's memory of the last checkpoint it verified of
 * each contract's log, and the check of every later checkpoint against it,
 * as `sib` keeps one per log in the user's config dir (cli/seen-checkpoints.ts).
 *
 * On each visit the console fetches the log's current checkpoint, verifies
 * its signature against the log key of the contract's trust policy (the one
 * the investor loaded in the verify page when there is one, else the
 * deployment's), and asks for a consistency proof from the remembered size
 * to the new one, verified with the domain's Merkle code
 * (#ledger checkSeenConsistency). A smaller log (rollback), another root at
 * the same size or a proof that does not verify (fork), or a checkpoint the
 * log key did not sign is an alarm, and the remembered checkpoint is kept: a
 * later visit raises it again until the log is whole. Otherwise the newer
 * checkpoint is remembered.
 *
 * Kept in localStorage: checkpoints are public (no token, no name). The
 * remembered record is keyed by the log's origin and log key, so a log
 * re-keyed on purpose starts afresh rather than alarming forever.
 *
 * The network and the storage are passed in (WatchSource, WatchStore), and
 * so is the crypto wrapper (`inCrypto`: withWebCrypto in the browser, which
 * may run the function more than once, so nothing inside it has side
 * effects): the logic is tested in Node with the domain's own crypto.
 */
import { fromBase64, fromHex, IntegrityError, toBase64 } from '#kernel';
import {
  checkSeenConsistency,
  type LogTrust,
  openCheckpoint,
  parseTrustPolicy,
  parseVerifierKey,
  type TrustPolicy,
  trustForContract,
} from '#ledger';

/** A checkpoint verified earlier, as kept. */
export interface RememberedCheckpoint {
  readonly origin: string;
  /** `name+keyid` of the log key that signed it. */
  readonly logKey: string;
  readonly size: number;
  /** Base64, as in the checkpoint. */
  readonly root: string;
  /** When this browser verified it (ISO 8601). */
  readonly verifiedAt: string;
}

/** What the watch found for one contract's log. */
export type WatchOutcome =
  /** Nothing was remembered: this checkpoint is now. */
  | { readonly kind: 'first'; readonly contract: string; readonly origin: string; readonly size: number }
  /** The log is the remembered one, or extends it (proof verified); the newer is remembered. */
  | {
      readonly kind: 'same' | 'extended';
      readonly contract: string;
      readonly origin: string;
      readonly from: number;
      readonly size: number;
    }
  /** The log is shorter than the remembered checkpoint. */
  | {
      readonly kind: 'rollback';
      readonly contract: string;
      readonly origin: string;
      /** `name+keyid` of the log key, with origin the remembered checkpoint's key in the store. */
      readonly logKey: string;
      readonly seenSize: number;
      readonly size: number;
      readonly detail: string;
    }
  /** The log does not extend the remembered checkpoint. */
  | {
      readonly kind: 'fork';
      readonly contract: string;
      readonly origin: string;
      /** `name+keyid` of the log key, with origin the remembered checkpoint's key in the store. */
      readonly logKey: string;
      readonly seenSize: number;
      readonly size: number;
      readonly detail: string;
    }
  /** The checkpoint is not signed by the trusted log key (or is not this contract's log's). */
  | { readonly kind: 'unsigned'; readonly contract: string; readonly detail: string }
  /** The check could not be made (the server did not answer, no policy names the log): no verdict, nothing changed. */
  | { readonly kind: 'unchecked'; readonly contract: string; readonly detail: string };

/** Outcomes the page must raise as an alarm. */
export function isAlarm(o: WatchOutcome): o is Extract<WatchOutcome, { kind: 'rollback' | 'fork' | 'unsigned' }> {
  return o.kind === 'rollback' || o.kind === 'fork' || o.kind === 'unsigned';
}

/** Where the remembered checkpoints live. */
export interface WatchStore {
  get(origin: string, logKey: string): RememberedCheckpoint | undefined;
  put(cp: RememberedCheckpoint): void;
  /** Forgets a log's checkpoint: only for a log reset on purpose (the person is told so). */
  forget(origin: string, logKey: string): void;
}

/** What the watch asks the server. */
export interface WatchSource {
  /** GET /contracts/{c}/checkpoint: the signed note. */
  checkpoint(contract: string): Promise<{ readonly note: string }>;
  /** GET /contracts/{c}/consistency?from&to: the proof's hashes, hex. */
  consistency(contract: string, from: number, to: number): Promise<{ readonly proof: readonly string[] }>;
}

/** Runs a function that hashes or verifies (withWebCrypto in the browser; a plain call in Node). */
export type InCrypto = <T>(fn: () => T | Promise<T>) => Promise<T>;

const STORAGE_KEY = 'sib-console.log-watch.v1';

/** The store in localStorage (one JSON object, keyed by origin and log key); memory only where storage fails. */
export function localWatchStore(
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = safeLocalStorage(),
): WatchStore {
  let memory: Record<string, RememberedCheckpoint> = {};
  const read = (): Record<string, RememberedCheckpoint> => {
    try {
      const text = storage?.getItem(STORAGE_KEY);
      if (text !== null && text !== undefined) memory = JSON.parse(text) as Record<string, RememberedCheckpoint>;
    } catch {
      // a damaged record: the memory copy stands
    }
    return memory;
  };
  const id = (origin: string, logKey: string) => `${origin} ${logKey}`;
  const write = (all: Record<string, RememberedCheckpoint>) => {
    memory = all;
    try {
      storage?.setItem(STORAGE_KEY, JSON.stringify(all));
    } catch {
      // private mode: remembered for this page only
    }
  };
  return {
    get(origin, logKey) {
      const cp = read()[id(origin, logKey)];
      return cp !== undefined && cp.origin === origin && cp.logKey === logKey && Number.isSafeInteger(cp.size)
        ? cp
        : undefined;
    },
    put(cp) {
      write({ ...read(), [id(cp.origin, cp.logKey)]: cp });
    },
    forget(origin, logKey) {
      const { [id(origin, logKey)]: _, ...rest } = read();
      write(rest);
    },
  };
}

function safeLocalStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** A store in memory (tests). */
export function memoryWatchStore(): WatchStore & { readonly all: RememberedCheckpoint[] } {
  const map = new Map<string, RememberedCheckpoint>();
  return {
    get all() {
      return [...map.values()];
    },
    get: (origin, logKey) => map.get(`${origin} ${logKey}`),
    put: (cp) => void map.set(`${cp.origin} ${cp.logKey}`, cp),
    forget: (origin, logKey) => void map.delete(`${origin} ${logKey}`),
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Checks the log of `contract` against the checkpoint remembered for it.
 * Never throws: a failure to ask is `unchecked`. Only an outcome that is not
 * an alarm changes the store.
 */
export async function watchLog(
  contract: string,
  log: LogTrust,
  source: WatchSource,
  store: WatchStore,
  inCrypto: InCrypto,
  now: () => Date = () => new Date(),
): Promise<WatchOutcome> {
  let note: string;
  try {
    note = (await source.checkpoint(contract)).note;
  } catch (error) {
    return { kind: 'unchecked', contract, detail: message(error) };
  }
  let cp: { origin: string; size: number; root: Uint8Array };
  let logKey: string;
  try {
    // Parsing a key hashes it (its ID is checked): inside the crypto wrapper too.
    const opened = await inCrypto(() => {
      const key = parseVerifierKey(log.logKey);
      return { key: `${key.name}+${key.keyId}`, cp: openCheckpoint(note, [key], contract) };
    });
    logKey = opened.key;
    cp = opened.cp;
    if (cp.origin !== log.origin) {
      throw new IntegrityError(`the checkpoint is of the log ${cp.origin}, but the trust policy names ${log.origin}`);
    }
  } catch (error) {
    return { kind: 'unsigned', contract, detail: message(error) };
  }
  const current = { size: cp.size, root: cp.root };
  const remember = () =>
    store.put({
      origin: cp.origin,
      logKey,
      size: cp.size,
      root: toBase64(cp.root),
      verifiedAt: now().toISOString(),
    });
  const kept = store.get(cp.origin, logKey);
  if (kept === undefined) {
    remember();
    return { kind: 'first', contract, origin: cp.origin, size: cp.size };
  }
  const seen = {
    origin: kept.origin,
    size: kept.size,
    root: fromBase64(kept.root),
    label: 'the checkpoint this browser verified last',
  };
  const alarm = (detail: string) =>
    cp.size < kept.size
      ? ({ kind: 'rollback', contract, origin: cp.origin, logKey, seenSize: kept.size, size: cp.size, detail } as const)
      : ({ kind: 'fork', contract, origin: cp.origin, logKey, seenSize: kept.size, size: cp.size, detail } as const);
  // Never ask for a proof to a smaller size: the domain names the rollback itself.
  let proof: Uint8Array[] = [];
  if (cp.size > kept.size) {
    try {
      proof = (await source.consistency(contract, kept.size, cp.size)).proof.map((h) => fromHex(h));
    } catch (error) {
      return { kind: 'unchecked', contract, detail: message(error) };
    }
  }
  try {
    await inCrypto(() => checkSeenConsistency(seen, current, proof));
  } catch (error) {
    return alarm(message(error));
  }
  remember();
  return {
    kind: cp.size === kept.size ? 'same' : 'extended',
    contract,
    origin: cp.origin,
    from: kept.size,
    size: cp.size,
  };
}

// ---- The trust policy the watch (and the verify page) prefers: the investor's own

const POLICY_KEY = 'sib-console.trust-policy.v1';

/**
 * The trust policy the investor loaded in the verify page, if any: kept in
 * localStorage (public keys only), so the watch checks the log against the
 * investor's own records rather than the server's word. Parsed by the
 * domain's schema (parseTrustPolicy), which hashes each key: hence inCrypto.
 */
export async function savedTrustPolicy(
  inCrypto: InCrypto,
  storage: Pick<Storage, 'getItem'> | undefined = safeLocalStorage(),
): Promise<TrustPolicy | undefined> {
  let text: string | null | undefined;
  try {
    text = storage?.getItem(POLICY_KEY);
  } catch {
    return undefined;
  }
  if (text === null || text === undefined) return undefined;
  const kept = text;
  try {
    return await inCrypto(() => parseTrustPolicy(kept));
  } catch {
    return undefined;
  }
}

/** A policy's text (a file, or the server's answer) parsed by the domain's schema; throws ValidationError naming each field. */
export function parsePolicy(text: string, inCrypto: InCrypto): Promise<TrustPolicy> {
  return inCrypto(() => parseTrustPolicy(text));
}

/** Keeps (or with undefined, forgets) the investor's trust policy. */
export function saveTrustPolicy(
  policy: TrustPolicy | undefined,
  storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = safeLocalStorage(),
): void {
  try {
    if (policy === undefined) storage?.removeItem(POLICY_KEY);
    else storage?.setItem(POLICY_KEY, JSON.stringify(policy));
  } catch {
    // not kept
  }
}

/** The log entry to watch `contract` with: the investor's saved policy's, else the published one's. */
export function logTrustFor(
  contract: string,
  saved: TrustPolicy | undefined,
  published: TrustPolicy | undefined,
): { readonly log: LogTrust; readonly source: 'saved' | 'published' } | undefined {
  const own = saved === undefined ? undefined : trustForContract(saved, contract);
  if (own !== undefined) return { log: own, source: 'saved' };
  const theirs = published === undefined ? undefined : trustForContract(published, contract);
  return theirs === undefined ? undefined : { log: theirs, source: 'published' };
}
