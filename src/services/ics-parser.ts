// A small iCalendar (RFC 5545) reader for booking feeds: VEVENTs with UID, DTSTART/DTEND or
// DURATION (UTC, TZID, floating and all-day), SUMMARY, LOCATION, ORGANIZER, ATTENDEE, STATUS,
// RRULE (FREQ=DAILY/WEEKLY/MONTHLY/YEARLY with INTERVAL, COUNT, UNTIL, BYDAY for daily and
// weekly), EXDATE and RECURRENCE-ID overrides, and expansion of the occurrences in a window.
// Pure: no network, no clock. Recurrences are stepped in wall time, so "every Monday 09:00
// Berlin" stays at 09:00 across a DST change.

import { isValidTimeZone, parseDateTime } from '../core/time.js';

/** IcsTime is a DTSTART-like value: wall-clock fields in a zone ('UTC', an IANA name) or a date. */
export type IcsTime = {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  /** 'UTC', an IANA zone, or null for floating time (the venue's zone). */
  zone: string | null;
  allDay: boolean;
};

/** IcsRule is the supported part of an RRULE. */
export type IcsRule = {
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  interval: number;
  count: number | null;
  until: IcsTime | null;
  /** 0 = Sunday ... 6 = Saturday */
  byDay: number[];
};

/** IcsPerson is an attendee or organiser. */
export type IcsPerson = { email: string | null; name: string | null };

/** IcsEvent is one VEVENT as read. */
export type IcsEvent = {
  uid: string;
  summary: string;
  location: string;
  start: IcsTime;
  end: IcsTime | null;
  durationMs: number | null;
  cancelled: boolean;
  organizer: IcsPerson | null;
  attendees: IcsPerson[];
  rule: IcsRule | null;
  exdates: IcsTime[];
  recurrenceId: IcsTime | null;
};

/** IcsOccurrence is one concrete booking from a feed. */
export type IcsOccurrence = {
  /** UID for a single event; UID@original-start (UTC basic format) for a recurrence. */
  key: string;
  uid: string;
  startAt: number;
  endAt: number;
  summary: string;
  location: string;
  organizer: IcsPerson | null;
  attendees: IcsPerson[];
  cancelled: boolean;
};

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const MAX_OCCURRENCES_PER_EVENT = 2000;

type Prop = { name: string; params: Record<string, string>; value: string };

/** unfoldLines returns the logical lines of an iCalendar text (RFC 5545 §3.1). */
export function unfoldLines(text: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, '')
    .replace(/\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

const parseProp = (line: string): Prop | undefined => {
  let i = 0;
  let quoted = false;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) break;
  }
  if (i >= line.length) return undefined;
  const [name = '', ...rawParams] = line.slice(0, i).split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const params: Record<string, string> = {};
  for (const p of rawParams) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name: name.toUpperCase(), params, value: line.slice(i + 1) };
};

const unescapeText = (v: string) =>
  v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

const zoneOf = (tzid: string | undefined): string | null => {
  if (tzid === undefined) return null;
  if (isValidTimeZone(tzid)) return tzid;
  // Some producers prefix the IANA name (e.g. /mozilla.org/20050126_1/Europe/Berlin).
  const m = /([A-Za-z]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(tzid);
  return m && isValidTimeZone(m[1] as string) ? (m[1] as string) : null;
};

/** parseIcsTime returns the time of a DATE or DATE-TIME value, or undefined when malformed. */
export function parseIcsTime(
  value: string,
  params: Record<string, string> = {},
): IcsTime | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, z] = m;
  const allDay = h === undefined || params.VALUE === 'DATE';
  return {
    y: Number(y),
    mo: Number(mo),
    d: Number(d),
    h: allDay ? 0 : Number(h),
    mi: allDay ? 0 : Number(mi),
    s: allDay ? 0 : Number(s),
    zone: z === 'Z' ? 'UTC' : zoneOf(params.TZID),
    allDay,
  };
}

/** parseDuration returns an RFC 5545 DURATION (e.g. PT1H30M, P1D) in ms, or undefined. */
export function parseDuration(v: string): number | undefined {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(
    v.trim(),
  );
  if (!m || v.trim() === 'P' || v.trim() === 'PT') return undefined;
  const [, sign, w, d, h, mi, s] = m;
  const ms =
    (((Number(w ?? 0) * 7 + Number(d ?? 0)) * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) *
      60_000 +
    Number(s ?? 0) * 1000;
  return sign === '-' ? -ms : ms;
}

const parseRule = (v: string, params: Record<string, string>): IcsRule | null => {
  const parts: Record<string, string> = {};
  for (const kv of v.split(';')) {
    const [k, val] = kv.split('=', 2);
    if (k && val !== undefined) parts[k.toUpperCase()] = val;
  }
  const freq = parts.FREQ;
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') return null;
  const interval = Math.max(1, Number(parts.INTERVAL ?? 1) || 1);
  const count = parts.COUNT !== undefined ? Math.max(0, Number(parts.COUNT) || 0) : null;
  const until = parts.UNTIL !== undefined ? (parseIcsTime(parts.UNTIL, params) ?? null) : null;
  const byDay = (parts.BYDAY ?? '')
    .split(',')
    .map((d) => DAYS.indexOf(d.trim().slice(-2).toUpperCase()))
    .filter((d) => d >= 0);
  return {
    freq,
    interval,
    count,
    until,
    byDay: freq === 'DAILY' || freq === 'WEEKLY' ? byDay : [],
  };
};

const parsePerson = (p: Prop): IcsPerson => {
  const mail = /^mailto:(.+)$/i.exec(p.value.trim());
  return { email: mail ? (mail[1] as string).trim() : null, name: p.params.CN ?? null };
};

/** parseIcs returns the VEVENTs of an iCalendar text; events without UID or DTSTART are skipped. */
export function parseIcs(text: string): IcsEvent[] {
  const events: IcsEvent[] = [];
  let cur: (Partial<IcsEvent> & { attendees: IcsPerson[]; exdates: IcsTime[] }) | null = null;
  let depth = 0; // nesting inside the VEVENT (VALARM and the like)
  for (const line of unfoldLines(text)) {
    const p = parseProp(line);
    if (!p) continue;
    if (p.name === 'BEGIN') {
      if (p.value.toUpperCase() === 'VEVENT' && cur === null) {
        cur = { attendees: [], exdates: [] };
        depth = 0;
      } else if (cur !== null) depth++;
      continue;
    }
    if (p.name === 'END') {
      if (cur !== null && depth > 0) depth--;
      else if (cur !== null && p.value.toUpperCase() === 'VEVENT') {
        if (cur.uid && cur.start) {
          events.push({
            uid: cur.uid,
            summary: cur.summary ?? '',
            location: cur.location ?? '',
            start: cur.start,
            end: cur.end ?? null,
            durationMs: cur.durationMs ?? null,
            cancelled: cur.cancelled ?? false,
            organizer: cur.organizer ?? null,
            attendees: cur.attendees,
            rule: cur.rule ?? null,
            exdates: cur.exdates,
            recurrenceId: cur.recurrenceId ?? null,
          });
        }
        cur = null;
      }
      continue;
    }
    if (cur === null || depth > 0) continue;
    switch (p.name) {
      case 'UID':
        cur.uid = p.value.trim();
        break;
      case 'SUMMARY':
        cur.summary = unescapeText(p.value).trim();
        break;
      case 'LOCATION':
        cur.location = unescapeText(p.value).trim();
        break;
      case 'DTSTART':
        cur.start = parseIcsTime(p.value, p.params);
        break;
      case 'DTEND':
        cur.end = parseIcsTime(p.value, p.params);
        break;
      case 'DURATION':
        cur.durationMs = parseDuration(p.value);
        break;
      case 'STATUS':
        cur.cancelled = p.value.trim().toUpperCase() === 'CANCELLED';
        break;
      case 'ORGANIZER':
        cur.organizer = parsePerson(p);
        break;
      case 'ATTENDEE':
        cur.attendees.push(parsePerson(p));
        break;
      case 'RRULE':
        cur.rule = parseRule(p.value, p.params);
        break;
      case 'EXDATE':
        for (const v of p.value.split(',')) {
          const t = parseIcsTime(v, p.params);
          if (t) cur.exdates.push(t);
        }
        break;
      case 'RECURRENCE-ID':
        cur.recurrenceId = parseIcsTime(p.value, p.params);
        break;
    }
  }
  return events;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** icsTimeToMs returns the instant of `t`; floating and all-day times are in `timeZone`. */
export function icsTimeToMs(t: IcsTime, timeZone: string): number {
  if (t.zone === 'UTC') return Date.UTC(t.y, t.mo - 1, t.d, t.h, t.mi, t.s);
  const iso = `${pad(t.y, 4)}-${pad(t.mo)}-${pad(t.d)}T${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`;
  return parseDateTime(iso, t.zone ?? timeZone) as number;
}

/** addWall returns `t` moved by days and months in wall time (day-of-month clamped). */
const addWall = (t: IcsTime, days: number, months = 0): IcsTime => {
  const monthIndex = t.mo - 1 + months;
  const y = t.y + Math.floor(monthIndex / 12);
  const mo = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  const base = new Date(Date.UTC(y, mo, Math.min(t.d, lastDay) + days));
  return {
    ...t,
    y: base.getUTCFullYear(),
    mo: base.getUTCMonth() + 1,
    d: base.getUTCDate(),
  };
};

const weekday = (t: IcsTime) => new Date(Date.UTC(t.y, t.mo - 1, t.d)).getUTCDay();

/** occurrenceStarts returns the wall-time starts of an event's recurrence set, before `until`. */
function occurrenceStarts(e: IcsEvent, untilMs: number, timeZone: string): IcsTime[] {
  const rule = e.rule;
  if (!rule) return [e.start];
  const ruleUntil = rule.until ? icsTimeToMs(rule.until, timeZone) : Infinity;
  const out: IcsTime[] = [];
  const push = (t: IcsTime): boolean => {
    const ms = icsTimeToMs(t, timeZone);
    if (ms > ruleUntil || ms >= untilMs) return false;
    if (rule.count !== null && out.length >= rule.count) return false;
    if (out.length >= MAX_OCCURRENCES_PER_EVENT) return false;
    out.push(t);
    return true;
  };
  // RFC 5545: DTSTART is always the first instance.
  if (!push(e.start)) return out;
  const startMs = icsTimeToMs(e.start, timeZone);
  const monday = addWall(e.start, -((weekday(e.start) + 6) % 7));
  const weekDays = (rule.byDay.length > 0 ? rule.byDay : [weekday(e.start)])
    .map((d) => (d + 6) % 7) // Monday-based offsets
    .sort((a, b) => a - b);
  // Period p is DTSTART's day, week, month or year moved by p * INTERVAL.
  for (let p = 0; p < 100_000; p++) {
    const step = p * rule.interval;
    let candidates: IcsTime[];
    if (rule.freq === 'DAILY') {
      const t = addWall(e.start, step);
      candidates = rule.byDay.length === 0 || rule.byDay.includes(weekday(t)) ? [t] : [];
    } else if (rule.freq === 'WEEKLY') {
      candidates = weekDays.map((offset) => addWall(monday, step * 7 + offset));
    } else {
      // A month without that day (the 31st, 29 February) has no occurrence.
      const t = addWall(e.start, 0, rule.freq === 'MONTHLY' ? step : step * 12);
      candidates = t.d === e.start.d ? [t] : [];
    }
    for (const t of candidates) {
      if (icsTimeToMs(t, timeZone) <= startMs) continue;
      if (!push(t)) return out;
    }
  }
  return out;
}

/** occurrenceId returns an occurrence's original start as RFC 5545 basic text: a date for all-day events, UTC otherwise. */
const occurrenceId = (wall: IcsTime, ms: number) =>
  wall.allDay
    ? `${pad(wall.y, 4)}${pad(wall.mo)}${pad(wall.d)}`
    : `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

/**
 * expandOccurrences returns the occurrences of `events` that overlap [from, until): recurring
 * events expanded, EXDATEs dropped, RECURRENCE-ID overrides applied, cancellations kept (as
 * cancelled) so the caller can revoke.
 */
export function expandOccurrences(
  events: IcsEvent[],
  window: { from: number; until: number; timeZone: string },
): IcsOccurrence[] {
  const { from, until, timeZone } = window;
  const masters = new Map<string, IcsEvent>();
  const overrides = new Map<string, IcsEvent>();
  const toMs = (t: IcsTime) => icsTimeToMs(t, timeZone);
  for (const e of events) {
    if (e.recurrenceId) overrides.set(`${e.uid}@${toMs(e.recurrenceId)}`, e);
    else masters.set(e.uid, e);
  }
  const lengthOf = (e: IcsEvent): number => {
    if (e.end) return toMs(e.end) - toMs(e.start);
    if (e.durationMs !== null) return e.durationMs;
    return e.start.allDay ? 86_400_000 : 0;
  };
  const out: IcsOccurrence[] = [];
  /** emit adds the occurrence of `master` originally at `original`, as `e` describes it. */
  const emit = (master: IcsEvent, e: IcsEvent, original: IcsTime) => {
    const originalMs = toMs(original);
    const startMs = e === master ? originalMs : toMs(e.start);
    const endMs =
      e !== master && e.end ? toMs(e.end) : startMs + (e.durationMs ?? lengthOf(master));
    if (endMs <= from || startMs >= until || endMs <= startMs) return;
    out.push({
      key: master.rule ? `${master.uid}@${occurrenceId(original, originalMs)}` : master.uid,
      uid: master.uid,
      startAt: startMs,
      endAt: endMs,
      summary: e.summary,
      location: e.location,
      organizer: e.organizer,
      attendees: e.attendees,
      cancelled: e.cancelled || master.cancelled,
    });
  };
  for (const m of masters.values()) {
    const excluded = new Set(m.exdates.map(toMs));
    const used = new Set<string>();
    // A year past the window too, so an instance an override moves into the window is found.
    for (const t of occurrenceStarts(m, until + 366 * 86_400_000, timeZone)) {
      const ms = toMs(t);
      if (excluded.has(ms)) continue;
      const o = overrides.get(`${m.uid}@${ms}`);
      if (o) {
        used.add(`${m.uid}@${ms}`);
        emit(m, o, t);
      } else emit(m, m, t);
    }
    // Overrides of instances the rule itself does not produce (moved in from elsewhere).
    for (const [k, o] of overrides) {
      if (!k.startsWith(`${m.uid}@`) || used.has(k)) continue;
      const original = o.recurrenceId as IcsTime;
      if (!excluded.has(toMs(original))) emit(m, o, original);
    }
  }
  return out;
}
