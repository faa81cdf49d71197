// Rendering dashboard pages: every page gets the signed-in staff member, the CSRF token for
// its forms, the space's name and logo, and formatters that show times in the venue's zone.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatCode } from '../../core/code.js';
import { formatBytes, formatDateTime, formatMinutes } from '../../core/describe.js';
import { formatMac } from '../../core/mac.js';
import { formatIsoInZone, parseDateTime } from '../../core/time.js';
import { minutesLeftOf } from '../../core/token.js';
import { PorticoError } from '../../errors.js';
import type { Services } from '../../services/services.js';

/** Formatters are the helpers templates use to show values. */
export type Formatters = ReturnType<typeof formatters>;

/** formatters returns display helpers for times in `timeZone` as seen at `now`. */
export function formatters(timeZone: string, now: number) {
  return {
    /** `17:40` today, `3 Dec 17:40` this year, or with the year; a dash for none. */
    date: (ms: number | null | undefined) =>
      ms === null || ms === undefined ? '–' : formatDateTime(ms, timeZone, now),
    /** `2026-12-03T17:40` for a datetime-local input, or '' for none. */
    input: (ms: number | null | undefined) =>
      ms === null || ms === undefined ? '' : formatIsoInZone(ms, timeZone).slice(0, 16),
    /** `AA:BB:CC:DD:EE:FF`, the one form every page shows a MAC in; a dash for none. */
    mac: (mac: string | null | undefined) => (mac ? formatMac(mac) : '–'),
    /** Time left in words: `45 min`, `2 h 5 min`, `under a minute`, `used up`; a dash for none. */
    left: (ms: number | null | undefined) => {
      if (ms === null || ms === undefined) return '–';
      if (ms <= 0) return 'used up';
      if (ms < 60_000) return 'under a minute';
      const m = minutesLeftOf(ms);
      return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
    },
    /** `7KQ4-M2XD`. */
    code: (code: string) => formatCode(code),
    bytes: (n: number | null | undefined) => (n === null || n === undefined ? '–' : formatBytes(n)),
    minutes: (n: number | null | undefined) =>
      n === null || n === undefined ? '–' : formatMinutes(n),
    /** `5 min ago`, `3 h ago`, `2 d ago`, `just now`; a dash for never. */
    ago: (ms: number | null | undefined) => {
      if (ms === null || ms === undefined) return 'never';
      const s = Math.max(0, Math.round((now - ms) / 1000));
      if (s < 60) return 'just now';
      if (s < 3600) return `${Math.floor(s / 60)} min ago`;
      if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
      return `${Math.floor(s / 86_400)} d ago`;
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
    duration: (seconds: number) =>
      seconds < 3600
        ? `${Math.floor(seconds / 60)} min`
        : `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`,
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
    return {
      staff: request.staff,
      isAdmin: request.staff?.role === 'admin',
      csrf: request.staff?.csrfToken ?? '',
      space: {
        name: services.settings.value('spaceName'),
        logo: services.settings.value('logo'),
      },
      fmt: formatters(services.timeZone(), now),
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
      return reply.viewAsync(`admin/${template}`, {
        errors: {},
        values: {},
        ...common(request),
        ...data,
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
