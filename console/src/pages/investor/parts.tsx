/** Small pieces the investor pages share: an API failure in words, and a contract's title and period names. */
import type { ContractSpec } from '#contracts';
import { type Lang, localized, useLang } from '../../i18n.tsx';
import { ApiError } from '../../lib/api.ts';
import { day } from '../../lib/format.ts';
import type { ContractInfo } from './data.ts';
import { periodLabel } from './figures.ts';

/** What went wrong, in words: the problem's detail where the server gave one. */
export function ErrorText(props: { error: unknown }) {
  const { t } = useLang();
  const e = props.error;
  let text: string;
  if (e instanceof ApiError) {
    const base =
      e.status === 401
        ? t.common.errors.unauthorized
        : e.status === 403
          ? t.common.errors.forbidden
          : t.common.errors.generic(e.status);
    const detail = e.problem.detail ?? e.problem.title;
    text = detail === undefined ? base : `${base} ${detail}`;
  } else if (e instanceof TypeError) {
    text = t.common.errors.network;
  } else {
    text = e instanceof Error ? e.message : String(e);
  }
  return (
    <p class="alert bad" role="alert">
      {text}
    </p>
  );
}

/** The contract's title in the language, falling back to its id. */
export function contractTitle(c: ContractInfo, lang: Lang): string {
  return localized(c.title, lang) || c.id;
}

/** "y2 (01.08.2024 – 31.07.2025)": a period by id with its days, from the spec where it names them. */
export function periodName(
  spec: ContractSpec | undefined,
  id: string,
  lang: Lang,
  name: (id: string, range: string) => string,
): string {
  const p = spec?.periods.find((x) => x.id === id);
  return name(periodLabel(spec, id, lang), p === undefined ? '' : `${day(p.from, lang)} – ${day(p.to, lang)}`);
}
