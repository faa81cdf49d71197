// The dashboard's language, chosen per staff account: English or German. Templates write the
// English text and call `t()` on it (gettext style), so the English page reads as before and
// a text without a German entry shows in English rather than as a key. Dates, durations and
// numbers follow the language too.

import { formatBytes, formatDateTime, formatMinutes } from '../core/describe.js';
import type { StaffLanguage } from '../storage/staff-repo.js';
import { DASHBOARD_DE, DASHBOARD_DE_PATTERNS } from './dashboard-de.js';
import { formatDateTime as formatLocalDateTime } from './i18n.js';

/** DashboardTranslate returns `text` in the dashboard's language with `{name}` filled in. */
export type DashboardTranslate = (text: string, params?: Record<string, string | number>) => string;

const fill = (text: string, params: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );

/**
 * dashboardTranslator returns the translate function for `lang`: English fills the text in
 * as written; German looks it up (exactly, then by the patterns for messages with numbers in
 * them) and falls back to the English.
 */
export function dashboardTranslator(lang: StaffLanguage): DashboardTranslate {
  if (lang === 'en') return (text, params = {}) => fill(text, params);
  return (text, params = {}) => {
    const known = DASHBOARD_DE[text];
    if (known !== undefined) return fill(known, params);
    for (const [pattern, german] of DASHBOARD_DE_PATTERNS)
      if (pattern.test(text)) return fill(text.replace(pattern, german), params);
    return fill(text, params);
  };
}

/** hasGerman returns whether `text` has a German entry (exact or by pattern). */
export function hasGerman(text: string): boolean {
  return Object.hasOwn(DASHBOARD_DE, text) || DASHBOARD_DE_PATTERNS.some(([p]) => p.test(text));
}

/** localeOf returns the Intl locale of a dashboard language. */
export const localeOf = (lang: StaffLanguage) => (lang === 'de' ? 'de-DE' : 'en-GB');

/** LocalWords are the formatters whose words depend on the language. */
export type LocalWords = {
  date(ms: number, timeZone: string, now: number): string;
  minutes(n: number): string;
  bytes(n: number): string;
  left(m: number): string;
  agoMinutes(n: number, unit: 'min' | 'h' | 'd'): string;
  words: { usedUp: string; underMinute: string; never: string; justNow: string };
  num(n: number): string;
};

const GERMAN_UNITS: Record<string, string> = { bytes: 'Bytes', byte: 'Byte' };

/** localWords returns the formatters of `lang`. */
export function localWords(lang: StaffLanguage): LocalWords {
  const nf = new Intl.NumberFormat(localeOf(lang), { maximumFractionDigits: 1 });
  if (lang === 'en')
    return {
      date: (ms, tz, now) => formatDateTime(ms, tz, now),
      minutes: formatMinutes,
      bytes: formatBytes,
      left: (m) => (m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`),
      agoMinutes: (n, unit) => `${n} ${unit} ago`,
      words: {
        usedUp: 'used up',
        underMinute: 'under a minute',
        never: 'never',
        justNow: 'just now',
      },
      num: (n) => nf.format(n),
    };
  return {
    date: (ms, tz, now) => formatLocalDateTime(ms, 'de', tz, now),
    minutes: (n) => {
      if (n >= 1440 && n % 1440 === 0) return `${n / 1440} ${n === 1440 ? 'Tag' : 'Tage'}`;
      if (n >= 120 && n % 60 === 0) return `${n / 60} Stunden`;
      return `${n} ${n === 1 ? 'Minute' : 'Minuten'}`;
    },
    bytes: (n) => {
      const [value = '', unit = ''] = formatBytes(n).split(' ');
      return `${nf.format(Number(value))} ${GERMAN_UNITS[unit] ?? unit}`;
    },
    left: (m) => (m < 60 ? `${m} Min.` : `${Math.floor(m / 60)} Std. ${m % 60} Min.`),
    agoMinutes: (n, unit) =>
      `vor ${n} ${unit === 'min' ? 'Min.' : unit === 'h' ? 'Std.' : n === 1 ? 'Tag' : 'Tagen'}`,
    words: {
      usedUp: 'aufgebraucht',
      underMinute: 'unter einer Minute',
      never: 'nie',
      justNow: 'gerade eben',
    },
    num: (n) => nf.format(n),
  };
}
