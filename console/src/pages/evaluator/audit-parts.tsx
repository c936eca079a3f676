/**
 * What the evaluator's audit pages share: the contract picker (the
 * session's contracts, by title), loading them once.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { ProblemNote } from '../../components/async.tsx';
import { localized, useLang } from '../../i18n.tsx';
import type { ContractListItem } from '../../lib/contracts.ts';
import { listContracts } from './audit-data.ts';

/** The session's contracts and the one chosen (the first by default). */
export function useContracts(): {
  contracts: readonly ContractListItem[] | undefined;
  error: unknown;
  chosen: string;
  choose: (id: string) => void;
} {
  const [contracts, setContracts] = useState<readonly ContractListItem[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [chosen, choose] = useState('');
  useEffect(() => {
    let live = true;
    listContracts().then(
      (list) => {
        if (!live) return;
        setContracts(list);
        choose((c) => (c === '' ? (list[0]?.id ?? '') : c));
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, []);
  return { contracts, error, chosen, choose };
}

export function ContractPicker(props: {
  contracts: readonly ContractListItem[] | undefined;
  error: unknown;
  chosen: string;
  choose: (id: string) => void;
}) {
  const { t, lang } = useLang();
  const id = useId();
  if (props.error !== undefined) return <ProblemNote error={props.error} />;
  if (props.contracts === undefined) return <p class="muted">{t.common.loading}</p>;
  if (props.contracts.length === 0) return <p class="empty">{t.audit.noContracts}</p>;
  return (
    <div class="audit-field">
      <label for={id}>{t.audit.contract}</label>
      <select id={id} value={props.chosen} onChange={(e) => props.choose(e.currentTarget.value)}>
        {props.contracts.map((c) => (
          <option key={c.id} value={c.id}>
            {localized(c.title, lang) || c.id}
          </option>
        ))}
      </select>
    </div>
  );
}
