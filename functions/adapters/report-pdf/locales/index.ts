/** The report dictionaries by language: the one place a language code picks its words. */

import type { ReportLang } from '#services';
import { EN } from './en.ts';
import { RU } from './ru.ts';
import type { Words } from './words.ts';

export { NBSP, type Words } from './words.ts';

export const DICTIONARY: Readonly<Record<ReportLang, Words>> = { ru: RU, en: EN };
