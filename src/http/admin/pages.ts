// Rendering dashboard pages: every page gets the signed-in staff member, the CSRF token for
// its forms, the space's name and logo, and formatters that show times in the venue's zone.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatCode } from '../../core/code.js';
import { formatMac } from '../../core/mac.js';
import { formatIsoInZone, parseDateTime } from '../../core/time.js';
import { minutesLeftOf } from '../../core/token.js';
import { PorticoError } from '../../errors.js';
import { dashboardTranslator, localWords } from '../../i18n/dashboard.js';
import type { StaffLanguage } from '../../storage/staff-repo.js';
import type { Services } from '../../services/services.js';

/** Formatters are the helpers templates use to show values. */
export type Formatters = ReturnType<typeof formatters>;

/**
 * formatters returns display helpers for times in `timeZone` as seen at `now`, in the words
 * and number format of `lang`.
 */
export function formatters(timeZone: string, now: number, lang: StaffLanguage = 'en') {
  const w = localWords(lang);
  return {
    /** `17:40` today, `3 Dec 17:40` this year, or with the year; a dash for none. */
    date: (ms: number | null | undefined) =>
      ms === null || ms === undefined ? '–' : w.date(ms, timeZone, now),
    /** `2026-12-03T17:40` for a datetime-local input, or '' for none. */
    input: (ms: number | null | undefined) =>
      ms === null || ms === undefined ? '' : formatIsoInZone(ms, timeZone).slice(0, 16),
    /** `AA:BB:CC:DD:EE:FF`, the one form every page shows a MAC in; a dash for none. */
    mac: (mac: string | null | undefined) => (mac ? formatMac(mac) : '–'),
    /** Time left in words: `45 min`, `2 h 5 min`, `under a minute`, `used up`; a dash for none. */
    left: (ms: number | null | undefined) => {
      if (ms === null || ms === undefined) return '–';
      if (ms <= 0) return w.words.usedUp;
      if (ms < 60_000) return w.words.underMinute;
      return w.left(minutesLeftOf(ms));
    },
    /** `7KQ4-M2XD`. */
    code: (code: string) => formatCode(code),
    bytes: (n: number | null | undefined) => (n === null || n === undefined ? '–' : w.bytes(n)),
    minutes: (n: number | null | undefined) => (n === null || n === undefined ? '–' : w.minutes(n)),
    /** A number in the language's format: `1,234.5` or `1.234,5`. */
    num: (n: number | null | undefined) => (n === null || n === undefined ? '–' : w.num(n)),
    /** `5 min ago`, `3 h ago`, `2 d ago`, `just now`; a dash for never. */
    ago: (ms: number | null | undefined) => {
      if (ms === null || ms === undefined) return w.words.never;
      const s = Math.max(0, Math.round((now - ms) / 1000));
      if (s < 60) return w.words.justNow;
      if (s < 3600) return w.agoMinutes(Math.floor(s / 60), 'min');
      if (s < 86_400) return w.agoMinutes(Math.floor(s / 3600), 'h');
      return w.agoMinutes(Math.floor(s / 86_400), 'd');
    },
    /**
     * The latest Disconnect/CoA as staff read it, in RFC 5176's spelling: `CoA: ACK`,
     * `Disconnect: NAK (Error-Cause 503)`, `Disconnect: timeout`.
     */
    coa: (c: { kind: string; state: string; errorCause: number | null }) =>
      `${c.kind === 'coa' ? 'CoA' : 'Disconnect'}: ${
        c.state === 'ack' || c.state === 'nak' ? c.state.toUpperCase() : c.state
      }${c.errorCause === null ? '' : ` (Error-Cause ${c.errorCause})`}`,
    /** Whole minutes of a duration in seconds. */
    duration: (seconds: number) => w.left(Math.floor(seconds / 60)),
    timeZone,
  };
}

/** FieldErrors maps a form field's name to what is wrong with it. */
export type FieldErrors = Record<string, string>;

/**
 * fieldErrors returns the per-field messages of a PORTICO_BAD_INPUT error (renamed through
 * `rename` when the form's field names differ), or null for any other error.
 */
export function fieldErrors(err: unknown, rename: Record<string, string> = {}): FieldErrors | null {
  if (!(err instanceof PorticoError) || err.code !== 'PORTICO_BAD_INPUT') return null;
  const out: FieldErrors = {};
  for (const f of err.fields) {
    const name = rename[f.field] ?? f.field;
    out[name] = out[name] ? `${out[name]}; ${f.message}` : f.message;
  }
  if (err.fields.length === 0) out._form = err.message;
  return out;
}

/** Pages renders dashboard pages. */
export type Pages = ReturnType<typeof createPages>;

/** createPages returns the page renderer over `services`. */
export function createPages(services: Services) {
  const common = (request: FastifyRequest) => {
    const now = services.clock.now();
    const lang: StaffLanguage = request.staff?.language ?? 'en';
    return {
      lang,
      tr: dashboardTranslator(lang),
      staff: request.staff,
      isAdmin: request.staff?.role === 'admin',
      csrf: request.staff?.csrfToken ?? '',
      space: {
        name: services.settings.value('spaceName'),
        logo: services.settings.value('logo'),
      },
      fmt: formatters(services.timeZone(), now, lang),
      path: request.url,
      now,
    };
  };
  return {
    /** render returns the HTML of `admin/<template>` with the common page data. */
    async render(
      request: FastifyRequest,
      reply: FastifyReply,
      template: string,
      data: Record<string, unknown> & { title: string },
      status = 200,
    ): Promise<string> {
      reply.status(status).type('text/html; charset=utf-8');
      const c = common(request);
      // Titles, notices and error messages come from routes and services in English.
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries((data.errors ?? {}) as Record<string, string>))
        errors[k] = c.tr(v);
      return reply.viewAsync(`admin/${template}`, {
        values: {},
        ...c,
        ...data,
        errors,
        title: c.tr(data.title),
        ...(typeof data.notice === 'string' ? { notice: c.tr(data.notice) } : {}),
        ...(typeof data.message === 'string' ? { message: c.tr(data.message) } : {}),
      });
    },
    /** error renders the error page with a status and a message that says what to do. */
    async error(
      request: FastifyRequest,
      reply: FastifyReply,
      status: number,
      title: string,
      message: string,
    ): Promise<string> {
      return this.render(request, reply, 'error', { title, message, status }, status);
    },
  };
}

/** AdminOptions are what every dashboard route plugin is registered with. */
export type AdminOptions = { services: Services; pages: Pages };

/** formBody returns a request's urlencoded body as strings (arrays for repeated fields). */
export function formBody(request: FastifyRequest): Record<string, string | string[] | undefined> {
  const b = request.body;
  return b && typeof b === 'object' ? (b as Record<string, string | string[]>) : {};
}

/** str returns a single form value as a string ('' when missing, the first when repeated). */
export function str(v: string | string[] | undefined): string {
  if (Array.isArray(v)) return v[0] ?? '';
  return v ?? '';
}

/** list returns a form value as an array of strings (for checkboxes). */
export function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * dateRange returns the `since`/`until` dates of a filter form as instants in `timeZone`
 * (`until` includes its whole day), with a message for each one that is not a date.
 */
export function dateRange(
  q: { since?: string | undefined; until?: string | undefined },
  timeZone: string,
): {
  since?: number;
  until?: number;
  errors: Array<{ field: 'since' | 'until'; message: string }>;
} {
  const out: {
    since?: number;
    until?: number;
    errors: Array<{ field: 'since' | 'until'; message: string }>;
  } = { errors: [] };
  for (const [key, endOfDay] of [
    ['since', false],
    ['until', true],
  ] as const) {
    const v = q[key]?.trim();
    if (!v) continue;
    const ms = parseDateTime(v, timeZone, { endOfDay });
    if (ms === undefined)
      out.errors.push({ field: key, message: 'must be a date such as 2026-12-03' });
    else out[key] = ms;
  }
  return out;
}
