// The one plain sentence staff see for every token, so that "validity", "expires" and
// "minutes" can never be confused: it names every limit and says the first one wins.

import type { TokenLimits } from './token.js';

// One formatter per zone: building an Intl.DateTimeFormat costs far more than using one, and
// listings and exports describe thousands of tokens.
const formats = new Map<string, Intl.DateTimeFormat>();
const formatFor = (timeZone: string): Intl.DateTimeFormat => {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  return f;
};

// The calendar day of an instant in a zone, as days since 1970: tomorrow is today + 1 even
// across a daylight-saving change.
const dayFormats = new Map<string, Intl.DateTimeFormat>();
const dayNumber = (ms: number, timeZone: string): number => {
  let f = dayFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' });
    dayFormats.set(timeZone, f);
  }
  const [y, m, d] = f.format(ms).split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
};

/**
 * formatDateTime returns `today 17:40`, `tomorrow 09:00`, `3 Dec 17:40` this year, else
 * `3 Dec 2027 17:40`: a time never stands without its day.
 */
export function formatDateTime(ms: number, timeZone: string, now: number): string {
  const parts = (d: number) => {
    const f = formatFor(timeZone).formatToParts(d);
    const get = (t: string) => f.find((p) => p.type === t)?.value ?? '';
    return {
      y: get('year'),
      m: get('month'),
      d: get('day'),
      hm: `${get('hour')}:${get('minute')}`,
    };
  };
  const a = parts(ms);
  const b = parts(now);
  const days = dayNumber(ms, timeZone) - dayNumber(now, timeZone);
  if (days === 0) return `today ${a.hm}`;
  if (days === 1) return `tomorrow ${a.hm}`;
  if (a.y === b.y) return `${a.d} ${a.m} ${a.hm}`;
  return `${a.d} ${a.m} ${a.y} ${a.hm}`;
}

/**
 * formatUntil returns when a token stops working; an instant at local midnight reads as the
 * end of the day before ("the end of 24 Dec", "the end of today"), which is what a date-only
 * valid-until means.
 */
export function formatUntil(ms: number, timeZone: string, now: number): string {
  const text = formatDateTime(ms, timeZone, now);
  if (!text.endsWith('00:00')) return text;
  const day = formatDateTime(ms - 60_000, timeZone, now);
  return `the end of ${day.slice(0, -6)}`;
}

/** formatMinutes returns a duration in minutes in words: `90 minutes`, `24 hours`, `1 day`. */
export function formatMinutes(minutes: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (minutes >= 1440 && minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes >= 120 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

/** formatBytes returns a byte count in decimal units: `500 MB`, `1.5 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes === 1) return '1 byte';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  const n = Number.isInteger(v) ? String(v) : v.toFixed(1).replace(/\.0$/, '');
  return `${n} ${units[u]}`;
}

/**
 * describeToken returns the sentence staff see for a token's limits, e.g. "works until 17:40
 * or 120 minutes online, whichever comes first, on up to 2 devices".
 */
export function describeToken(t: TokenLimits, timeZone: string, now: number): string {
  const limits: string[] = [];
  if (t.validUntil !== null) limits.push(`until ${formatUntil(t.validUntil, timeZone, now)}`);
  if (t.minutes !== null) limits.push(`${t.minutes} minute${t.minutes === 1 ? '' : 's'} online`);
  if (t.expiresAfterFirstUseMinutes !== null) {
    limits.push(`${formatMinutes(t.expiresAfterFirstUseMinutes)} after first use`);
  }
  if (t.dataQuotaBytes !== null) limits.push(`${formatBytes(t.dataQuotaBytes)} of data`);

  let what: string;
  if (limits.length === 0) what = 'without a time limit';
  else if (limits.length === 1)
    what = limits[0]!.startsWith('until') ? limits[0]! : `for ${limits[0]}`;
  else {
    const list = `${limits.slice(0, -1).join(', ')} or ${limits.at(-1)}, whichever comes first`;
    what = list.startsWith('until') ? list : `for ${list}`;
  }

  const from = t.validFrom !== null ? `from ${formatDateTime(t.validFrom, timeZone, now)} ` : '';
  const devices = t.maxDevices === 1 ? 'on 1 device' : `on up to ${t.maxDevices} devices`;
  const full = t.whenFull === 'replace-oldest' ? ' (a new device replaces the oldest)' : '';
  const rate =
    t.rateDownKbps !== null || t.rateUpKbps !== null
      ? `, at up to ${[
          t.rateDownKbps !== null ? `${formatRate(t.rateDownKbps)} down` : null,
          t.rateUpKbps !== null ? `${formatRate(t.rateUpKbps)} up` : null,
        ]
          .filter(Boolean)
          .join(' and ')}`
      : '';
  return `works ${from}${what}, ${devices}${full}${rate}`;
}

/** formatRate returns a rate limit in kbit/s as `512 kbit/s` or `4 Mbit/s`. */
export function formatRate(kbps: number): string {
  return kbps >= 1000 && kbps % 1000 === 0 ? `${kbps / 1000} Mbit/s` : `${kbps} kbit/s`;
}

/** SessionEnd is how a session ended in plain words, with the RADIUS term it comes from. */
export type SessionEnd = { text: string; term: string };

// Acct-Terminate-Cause values (RFC 2866 §5.10) and Portico's own closing reasons.
const END_CAUSES: Record<string, string> = {
  'User-Request': 'Signed out on the device',
  'Lost-Carrier': 'Connection lost',
  'Lost-Service': 'Connection lost',
  'Idle-Timeout': 'Idle too long',
  'Session-Timeout': 'Its time ran out (minutes or validity)',
  'Admin-Reset': 'Disconnected at the router',
  'Admin-Reboot': 'The router restarted',
  'NAS-Reboot': 'The router restarted',
  'nas-reboot': 'The router restarted',
  'NAS-Request': 'Ended by the router',
  'NAS-Error': 'Ended by a router error',
  'Port-Error': 'Ended by a router error',
  'Service-Unavailable': 'Ended by the router',
  'Port-Preempted': 'Replaced by another device',
  stale: 'No report from the router for too long',
  'session-not-found': 'The router no longer had this session',
  'reservation-lapsed': 'Never started (the reserved slot lapsed)',
};

// Why Portico sent a Disconnect-Request, by the job's reason.
const DISCONNECT_REASONS: Record<string, string> = {
  depleted: 'Minutes ran out',
  expired: 'Validity ended',
  revoked: 'Code switched off',
  deleted: 'Code deleted',
  'not-yet-valid': 'Code not valid yet',
  'replaced-by-new-device': 'Replaced by a newer device',
  'signed-out': 'Signed out by the guest',
};

const ROUTER_ANSWERS: Record<string, string> = {
  ack: 'router confirmed',
  nak: 'router refused',
  timeout: 'router did not answer',
  pending: 'waiting for the router',
  sending: 'waiting for the router',
};

/**
 * describeSessionEnd returns how a session ended in plain words ("Disconnected by staff,
 * router confirmed", "Minutes ran out") and the RADIUS term behind it ("Admin-Reset
 * (disconnect: ack)"), from its Acct-Terminate-Cause and the last Disconnect Portico sent.
 */
export function describeSessionEnd(
  terminateCause: string | null,
  lastCoa: {
    kind: string;
    state: string;
    reason?: string | null;
    requestedBy?: string | null;
  } | null,
): SessionEnd {
  const term =
    `${terminateCause ?? ''}${lastCoa ? ` (${lastCoa.kind}: ${lastCoa.state})` : ''}`.trim();
  if (lastCoa?.kind === 'disconnect') {
    const why =
      lastCoa.reason && Object.hasOwn(DISCONNECT_REASONS, lastCoa.reason)
        ? (DISCONNECT_REASONS[lastCoa.reason] as string)
        : lastCoa.requestedBy && lastCoa.requestedBy !== 'portico'
          ? 'Disconnected by staff'
          : 'Disconnected by Portico';
    const answer = ROUTER_ANSWERS[lastCoa.state];
    return { text: answer ? `${why}, ${answer}` : why, term };
  }
  if (terminateCause === null) return { text: '', term };
  const text = Object.hasOwn(END_CAUSES, terminateCause)
    ? (END_CAUSES[terminateCause] as string)
    : `Ended (${terminateCause})`;
  return { text, term };
}
