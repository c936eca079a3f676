/**
 * The console's language: Russian by default, English by the switch, which
 * is remembered in localStorage (the language only: never a token). Every
 * text is in the locale files (locales/ru, locales/en), one file per area;
 * the English files have the Russian files' types, so a missing text is a
 * type error.
 */
import { type ComponentChildren, createContext } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { en } from './locales/en/index.ts';
import { type Messages, ru } from './locales/ru/index.ts';

export type Lang = 'ru' | 'en';
export const LANGS: readonly Lang[] = ['ru', 'en'];
const STORAGE_KEY = 'sib-console.lang';

export const MESSAGES: Readonly<Record<Lang, Messages>> = { ru, en };

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'ru' ? v : 'ru';
  } catch {
    return 'ru';
  }
}

interface LangState {
  readonly lang: Lang;
  readonly t: Messages;
  setLang(lang: Lang): void;
}

const LangContext = createContext<LangState>({ lang: 'ru', t: ru, setLang: () => {} });

export function LangProvider(props: { children: ComponentChildren }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<LangState>(
    () => ({
      lang,
      t: MESSAGES[lang],
      setLang(next) {
        try {
          localStorage.setItem(STORAGE_KEY, next);
        } catch {
          // private mode: the switch still works for this visit
        }
        setLangState(next);
      },
    }),
    [lang],
  );
  return <LangContext.Provider value={value}>{props.children}</LangContext.Provider>;
}

/** The current language, its messages and the switch. */
export function useLang(): LangState {
  return useContext(LangContext);
}

/** A text the spec gives in both languages (`{ ru, en }`), or one text for both. */
export type Localized = string | { readonly ru?: string; readonly en?: string };

/** The text of `value` in `lang`, falling back to the other language. */
export function localized(value: Localized | undefined, lang: Lang): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return value[lang] ?? value.ru ?? value.en ?? '';
}
