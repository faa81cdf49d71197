// Guest-facing language: which one to speak (an explicit choice, else Accept-Language, else
// the venue's default) and the texts, plurals and dates in it. No cookies: the choice travels
// in the URL (`?lang=de`) and in hidden form fields.

import { MESSAGES_DE } from './messages-de.js';
import { MESSAGES_EN, type MessageKey, type Messages, type PluralText } from './messages-en.js';

const CATALOG = { en: MESSAGES_EN, de: MESSAGES_DE } as const satisfies Record<string, Messages>;

/** LANGUAGES lists the languages guest pages can be shown in. */
export const LANGUAGES = Object.keys(CATALOG) as Language[];

/** Language is one of LANGUAGES. */
export type Language = keyof typeof CATALOG;

/** isLanguage returns true when `value` names one of LANGUAGES. */
export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(CATALOG, value);
}

/**
 * negotiateLanguage returns the language to speak: `explicit` when it is one of `offered`,
 * else the best match of the Accept-Language header (by q-value, then order; `de-AT` matches
 * `de`), else the first offered language.
 */
export function negotiateLanguage(
  explicit: string | undefined,
  acceptLanguage: string | undefined,
  offered: readonly Language[] = LANGUAGES,
): Language {
  const fallback = offered[0] ?? 'en';
  const pick = (tag: string) => offered.find((l) => l === tag.toLowerCase());
  if (explicit) {
    const chosen = pick(explicit);
    if (chosen) return chosen;
  }
  if (!acceptLanguage) return fallback;
  const ranges = acceptLanguage
    .slice(0, 512)
    .split(',')
    .map((part, index) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)).find(Boolean);
      return { range: range.trim(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((r) => r.range !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { range } of ranges) {
    if (range === '*') return fallback;
    const chosen = pick(range) ?? pick(range.split('-')[0] ?? '');
    if (chosen) return chosen;
  }
  return fallback;
}

/** MessageParams fills `{name}` placeholders; `n` also chooses the plural form. */
export type MessageParams = Record<string, string | number>;

/** Translate returns the text of `key` in one language with `params` filled in. */
export type Translate = (key: MessageKey, params?: MessageParams) => string;

const fill = (text: string, params: MessageParams) =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );

const translators = new Map<Language, Translate>();

/** translator returns the Translate function for `lang` (made once per language). */
export function translator(lang: Language): Translate {
  const known = translators.get(lang);
  if (known) return known;
  const messages: Messages = CATALOG[lang];
  const plurals = new Intl.PluralRules(lang);
  const t: Translate = (key, params = {}) => {
    const entry: string | PluralText = messages[key];
    if (typeof entry === 'string') return fill(entry, params);
    const n = typeof params.n === 'number' ? params.n : Number(params.n ?? 0);
    const category = plurals.select(n) as keyof PluralText;
    return fill(entry[category] ?? entry.other, params);
  };
  translators.set(lang, t);
  return t;
}

/** languageName returns a language's own name for the switch ("Deutsch"). */
export function languageName(lang: Language): string {
  return CATALOG[lang]['lang.name'];
}

/**
 * formatDateTime returns `ms` as a short local date and time in `lang` and `timeZone`
 * ("3 Dec 2026, 17:40"); for the day of `now` and the next it says "today, 17:40" and
 * "tomorrow, 09:00" in that language, so a time never stands without its day.
 */
export function formatDateTime(ms: number, lang: Language, timeZone: string, now?: number): string {
  const locale = lang === 'en' ? 'en-GB' : lang;
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' });
  if (now !== undefined) {
    const day = (t: number) => {
      const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' })
        .format(t)
        .split('-')
        .map(Number) as [number, number, number];
      return Date.UTC(y, m - 1, d) / 86_400_000;
    };
    const days = day(ms) - day(now);
    if (days === 0 || days === 1) {
      const word = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day');
      return `${word}, ${time.format(ms)}`;
    }
  }
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(ms);
}
