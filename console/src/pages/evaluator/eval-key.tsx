/**
 * The evaluator's signing key as the signing pages need it: the signed-in
 * subject's key in this browser (crypto/party-key.ts, made and enrolled on
 * the `/keys` page) and the signing role it is enrolled as on a contract.
 * A key is enrolled once per contract for one role: the analyst's key signs
 * `calculated`, the evaluator's key signs attestations and comparison
 * figures (domain/ledger/trust.ts), so one subject cannot do both on a
 * contract. KeyNotice says, in words, why a page cannot sign yet.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SigningRole } from '../../../../domain/ledger/trust.ts';
import { useSession } from '../../app.tsx';
import { loadPartyKey, type PartyKey } from '../../crypto/party-key.ts';
import { useLang } from '../../i18n.tsx';
import { type EnrolledKey, enrolledKeys } from '../ministry/data.ts';

export interface KeyState {
  /** undefined while loading; null: no key in this browser. */
  readonly key: PartyKey | null | undefined;
  /** The role the key is enrolled as on the contract; null: not enrolled; undefined while loading. */
  readonly role: string | null | undefined;
}

/** The subject's key and its enrolled role on `contract` (reloaded when `reload` changes). */
export function useSigningKey(contract: string | undefined, reload = 0): KeyState {
  const session = useSession();
  const [key, setKey] = useState<PartyKey | null | undefined>();
  const [role, setRole] = useState<string | null | undefined>();
  useEffect(() => {
    let live = true;
    if (session === undefined) return;
    loadPartyKey(session.subject).then(
      (k) => live && setKey(k ?? null),
      () => live && setKey(null),
    );
    return () => {
      live = false;
    };
  }, [session?.subject]);
  useEffect(() => {
    let live = true;
    setRole(undefined);
    if (contract === undefined || contract === '' || key === undefined) return;
    if (key === null) {
      setRole(null);
      return;
    }
    enrolledKeys(contract).then(
      (keys: EnrolledKey[]) => live && setRole(keys.find((k) => k.key === key.verifierKey)?.role ?? null),
      () => live && setRole(null),
    );
    return () => {
      live = false;
    };
  }, [contract, key, reload]);
  return { key, role };
}

/** Whether the key may sign as `needed` on the contract. */
export function canSign(state: KeyState, needed: SigningRole): state is { key: PartyKey; role: string } {
  return state.key !== null && state.key !== undefined && state.role === needed;
}

/** Why the page cannot sign as `needed` yet, with the way to the key page; nothing once it can. */
export function KeyNotice(props: { state: KeyState; needed: SigningRole }) {
  const { t } = useLang();
  const e = t.evaluator.key;
  const roleName = (r: string) => t.ministry.key.signingRoles[r] ?? r;
  const { key, role } = props.state;
  if (key === undefined || (key !== null && role === undefined)) {
    return <p class="muted">{e.checking}</p>;
  }
  if (canSign(props.state, props.needed)) {
    return (
      <p class="muted small eval-key">
        {e.signsAs(roleName(props.needed))}{' '}
        <span class="mono">{key?.verifierKey.split('+').slice(0, 2).join('+')}</span>
      </p>
    );
  }
  const text =
    key === null
      ? e.none(roleName(props.needed))
      : role === null
        ? e.notEnrolled(roleName(props.needed))
        : e.otherRole(roleName(role as string), roleName(props.needed));
  return (
    <div class="alert warn">
      <p>{text}</p>
      {key !== null && role !== null ? null : (
        <a class="button" href="/keys">
          {e.goToKey}
        </a>
      )}
    </div>
  );
}
