// What every guest page shares: the language (chosen per request, never stored in a cookie),
// the layout's data (space name, logo, language switch) and the plain-language wording of a
// token's usage. Routes hand `renderGuestPage` a view name and the page's own data.

import { createHash } from 'node:crypto';
import { isLowBalance, minutesLeftOf } from '../../core/token.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  formatDateTime,
  isLanguage,
  languageName,
  LANGUAGES,
  negotiateLanguage,
  translator,
  type Language,
  type Translate,
} from '../../i18n/i18n.js';
import type { GuestUsage } from '../../services/portal-service.js';
import type { DeviceView } from '../../services/session-service.js';
import type { Services } from '../../services/services.js';

/** Guest is the language context of one guest request. */
export type Guest = { lang: Language; t: Translate; offered: Language[] };

/** Note is a message box at the top of a page; `bad` and `warn` are announced as alerts. */
export type Note = { kind: 'info' | 'bad' | 'warn'; text: string };

/** field returns the first value of a query or form field as a string, or undefined. */
export function field(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null || !Object.hasOwn(source, name))
    return undefined;
  const v = (source as Record<string, unknown>)[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
}

/**
 * guestOf returns the language context of a request: `?lang=` or the form's `lang` when the
 * venue offers it, else Accept-Language, else the venue's first portal language.
 */
export function guestOf(services: Services, request: FastifyRequest, preferred?: string): Guest {
  const configured = services.settings.value('portalLanguages').filter(isLanguage);
  const offered = configured.length > 0 ? configured : [...LANGUAGES.slice(0, 1)];
  const explicit = preferred ?? field(request.body, 'lang') ?? field(request.query, 'lang');
  const lang = negotiateLanguage(explicit, request.headers['accept-language'], offered);
  return { lang, t: translator(lang), offered };
}

/** withQuery returns `path` with `params` as its query string (undefined values left out). */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, v);
  const s = qs.toString();
  return s === '' ? path : `${path}?${s}`;
}

/**
 * renderGuestPage renders `views/portal/<view>.eta` in the guest's language inside the
 * layout; `switchHref(lang)` is where the language switch for `lang` points.
 */
export async function renderGuestPage(
  services: Services,
  reply: FastifyReply,
  guest: Guest,
  page: {
    view: string;
    title: string;
    status?: number;
    switchHref: (lang: Language) => string;
    data: Record<string, unknown>;
  },
) {
  const settings = await services.settings.get();
  reply
    .status(page.status ?? 200)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', PORTAL_CSP);
  return reply.viewAsync(`portal/${page.view}.eta`, {
    ...page.data,
    lang: guest.lang,
    t: guest.t,
    title: page.title,
    space: { name: settings.spaceName, logo: settings.logo },
    langLinks:
      guest.offered.length > 1
        ? guest.offered.map((code) => ({
            code,
            name: languageName(code),
            href: page.switchHref(code),
            current: code === guest.lang,
          }))
        : [],
  });
}

/** UsageText is a token's usage worded for the guest. */
export type UsageText = {
  minutesLeft: string;
  minutesOf: string | undefined;
  validity: string;
  firstUse: string | undefined;
  devices: string;
  low: string | undefined;
};

/** HANDOFF_SCRIPT is the one script guest pages run: it submits the MikroTik hand-off form. */
export const HANDOFF_SCRIPT = "document.getElementById('handoff').submit()";

/**
 * PORTAL_CSP allows guest pages their inline styles, data: images (the logo) and exactly the
 * hand-off script; forms may post to the router's own login page, which is plain http.
 */
export const PORTAL_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  `script-src 'sha256-${createHash('sha256').update(HANDOFF_SCRIPT).digest('base64')}'`,
  "form-action 'self' http: https:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** usageText returns the sentences a guest page shows about a token's usage. */
export function usageText(u: GuestUsage, guest: Guest, timeZone: string, now: number): UsageText {
  const { t, lang } = guest;
  const date = (ms: number) => formatDateTime(ms, lang, timeZone, now);
  const leftMin = u.leftMs === null ? null : minutesLeftOf(u.leftMs);
  // The same rule that raises the token.low_balance event.
  const low =
    u.minutes !== null &&
    u.leftMs !== null &&
    isLowBalance({ minutes: u.minutes }, u.minutes * 60_000 - u.leftMs);
  const online = u.devices.filter((d) => d.status !== 'bound').length;
  const underAMinute = u.leftMs !== null && u.leftMs > 0 && u.leftMs < 60_000;
  return {
    minutesLeft:
      leftMin === null
        ? t('usage.minutes.unlimited')
        : leftMin === 0
          ? t('usage.minutes.usedUp')
          : underAMinute
            ? t('usage.minutes.under')
            : t('usage.minutes.left', { n: leftMin }),
    minutesOf: u.minutes === null ? undefined : t('usage.minutes.of', { n: u.minutes }),
    validity:
      u.validUntil === null
        ? t('usage.valid.always')
        : t('usage.valid.until', { date: date(u.validUntil) }),
    firstUse:
      u.firstUseEndsAt === null
        ? undefined
        : t('usage.first.use', { date: date(u.firstUseEndsAt) }),
    devices: t('usage.devices', { n: online, max: u.maxDevices }),
    low: !low
      ? undefined
      : underAMinute
        ? t('usage.low.under')
        : t('usage.low', { n: leftMin ?? 0 }),
  };
}

/** DeviceItem is one device row with a sign-out button. */
export type DeviceItem = { id: string; label: string; since: string };

/** deviceItems returns a token's devices as rows the guest can sign out. */
export function deviceItems(
  devices: readonly DeviceView[],
  guest: Guest,
  timeZone: string,
  now: number,
): DeviceItem[] {
  const { t, lang } = guest;
  return devices.map((d) => ({
    id: d.mac ?? `#${d.sessionId ?? ''}`,
    label: d.mac
      ? t('status.device.name', { mac: d.mac.toUpperCase().replace(/-/g, ':') })
      : t('status.device.unknown'),
    since: t('status.device.since', { time: formatDateTime(d.since, lang, timeZone, now) }),
  }));
}
