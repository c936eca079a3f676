/**
 * The signed-in session: the bearer token and what it says (subject, role,
 * contracts, expiry). Kept in memory and in sessionStorage (so a reload in
 * the same tab keeps it, and closing the tab ends it): never in
 * localStorage. Sign-out forgets both.
 */
export type Role = 'operator' | 'ministry' | 'investor' | 'evaluator';
export const ROLES: readonly Role[] = ['ministry', 'investor', 'operator', 'evaluator'];

export interface Session {
  readonly token: string;
  readonly subject: string;
  readonly role: Role;
  /** The contracts the token may act on (`*` for all). */
  readonly contracts: readonly string[];
  /** Seconds since the epoch. */
  readonly expiresAt: number;
  /** How the token was obtained. */
  readonly via: 'local' | 'cognito';
}

const STORAGE_KEY = 'sib-console.session';
let current: Session | undefined;
const listeners = new Set<(s: Session | undefined) => void>();

function base64UrlJson(part: string): unknown {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** What a JWT's payload says about the caller: local tokens (`role`, `contracts`) or Cognito's (`cognito:groups`, `custom:contracts`). */
export function sessionFromToken(token: string, via: Session['via']): Session {
  const payload = base64UrlJson(token.split('.')[1] ?? '') as Record<string, unknown>;
  const groups = payload['cognito:groups'];
  const role = (payload.role ?? (Array.isArray(groups) ? groups[0] : undefined)) as Role | undefined;
  if (role === undefined || !ROLES.includes(role)) throw new Error('the token names no role');
  const raw = payload.contracts ?? payload['custom:contracts'] ?? [];
  const contracts = Array.isArray(raw)
    ? raw.map(String)
    : String(raw)
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
  return {
    token,
    subject: String(payload.sub ?? ''),
    role,
    contracts,
    expiresAt: Number(payload.exp ?? 0),
    via,
  };
}

export function getSession(): Session | undefined {
  if (current === undefined) {
    try {
      const text = sessionStorage.getItem(STORAGE_KEY);
      if (text !== null) current = JSON.parse(text) as Session;
    } catch {
      current = undefined;
    }
  }
  if (current !== undefined && current.expiresAt * 1000 <= Date.now()) {
    signOutLocally();
    return undefined;
  }
  return current;
}

export function setSession(session: Session): void {
  current = session;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // memory only
  }
  for (const l of listeners) l(session);
}

/** Forgets the token here; `signOut` in auth/sign-out.ts also ends a Cognito session. */
export function signOutLocally(): void {
  current = undefined;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing kept
  }
  for (const l of listeners) l(undefined);
}

export function onSessionChange(listener: (s: Session | undefined) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
