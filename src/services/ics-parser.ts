// Reads an iCalendar (RFC 5545) booking feed with Mozilla's ical.js and turns its VEVENTs
// into concrete occurrences in a window. ical.js parses the text and expands RRULEs (every
// rule part: BYDAY with ordinals, BYMONTHDAY, BYSETPOS, WKST, COUNT, UNTIL ...); Portico
// keeps only the time-zone reading and the matching of EXDATE, RDATE and RECURRENCE-ID by
// instant, so a feed mixing UTC and zoned values (as real exports do) still lines up.
//
// Rules are expanded in the wall time of the event's own zone and each wall time is then
// read with the IANA rules of that zone (a Windows name is mapped first), so "every Monday
// 09:00 New York" stays at 09:00 New York across both countries' DST changes. A TZID that is
// neither falls back to the feed's own VTIMEZONE, and a floating time is the venue's. An
// all-day event covers its dates from midnight to midnight in the venue's zone.
// Pure: no network, no clock.

import ICAL from 'ical.js';
import { isValidTimeZone, zoneOffsetMs } from '../core/time.js';
import { WINDOWS_ZONES } from '../core/windows-zones.js';
import { ERROR_CODES, PorticoError } from '../errors.js';

type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;
type Time = InstanceType<typeof ICAL.Time>;
type Timezone = InstanceType<typeof ICAL.Timezone>;
type Duration = InstanceType<typeof ICAL.Duration>;

/** IcsPerson is an attendee or organiser. */
export type IcsPerson = { email: string | null; name: string | null };

/** IcsOccurrence is one concrete booking from a feed. */
export type IcsOccurrence = {
  /** UID for a single event; UID@original-start (UTC basic format, or the date) for a recurrence. */
  key: string;
  uid: string;
  startAt: number;
  endAt: number;
  allDay: boolean;
  summary: string;
  location: string;
  organizer: IcsPerson | null;
  /** People attending, rooms and resources and those who declined left out. */
  attendees: IcsPerson[];
  cancelled: boolean;
  /** TRANSP:TRANSPARENT, or Outlook's busy status FREE: the time is not blocked. */
  free: boolean;
  /** CLASS:PRIVATE or CONFIDENTIAL. */
  private: boolean;
};

/** IcsReadResult is what a feed holds: how many VEVENTs, and their occurrences in the window. */
export type IcsReadResult = { events: number; occurrences: IcsOccurrence[] };

/** IcsWindow is the span occurrences must overlap and the venue's zone for floating times. */
export type IcsWindow = { from: number; until: number; timeZone: string };

const MAX_OCCURRENCES_PER_EVENT = 5000;
const MAX_STEPS_PER_EVENT = 200_000;
const DAY_MS = 86_400_000;

/**
 * ianaZone returns the IANA zone a TZID names: the name itself, a Windows name (as Outlook
 * writes), or the IANA name at the end of a prefixed TZID (/mozilla.org/…/Europe/Berlin);
 * undefined when it names none of these.
 */
export function ianaZone(tzid: string): string | undefined {
  // A feed names the same few zones thousands of times, and asking Intl is slow.
  if (zoneNames.has(tzid)) return zoneNames.get(tzid);
  const zone = lookUpZone(tzid);
  if (zoneNames.size < 1000) zoneNames.set(tzid, zone);
  return zone;
}

const zoneNames = new Map<string, string | undefined>();

const lookUpZone = (tzid: string): string | undefined => {
  const t = tzid.trim().replace(/^"|"$/g, '');
  if (/^(UTC|GMT|Z|Etc\/UTC|Etc\/GMT)$/i.test(t)) return 'UTC';
  const win = WINDOWS_ZONES[t];
  if (win) return win;
  if (t.includes('/') && isValidTimeZone(t)) return t;
  const m = /([A-Za-z]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(t);
  if (m && isValidTimeZone(m[1] as string)) return m[1] as string;
  return undefined;
};

/** Frame is the clock a DATE-TIME is read in. */
type Frame =
  | { kind: 'utc' }
  | { kind: 'iana'; zone: string }
  | { kind: 'vtimezone'; tz: Timezone }
  | { kind: 'floating' };

const frameOf = (prop: Property, t: Time): Frame => {
  if (t.zone === ICAL.Timezone.utcTimezone) return { kind: 'utc' };
  const tzid = prop.getParameter('tzid');
  if (typeof tzid !== 'string' || tzid === '') return { kind: 'floating' };
  const iana = ianaZone(tzid);
  if (iana === 'UTC') return { kind: 'utc' };
  if (iana) return { kind: 'iana', zone: iana };
  if (t.zone && t.zone !== ICAL.Timezone.localTimezone && t.zone.tzid === tzid)
    return { kind: 'vtimezone', tz: t.zone };
  return { kind: 'floating' };
};

/** wallToMs returns the instant of the wall time `t` read in `frame` (all-day: the venue's midnight). */
const wallToMs = (t: Time, frame: Frame, venueZone: string): number => {
  if (t.isDate) return zonedToUtc(floating(t, true), venueZone);
  switch (frame.kind) {
    case 'utc':
      return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
    case 'iana':
      return zonedToUtc(t, frame.zone);
    case 'vtimezone':
      return (
        ICAL.Time.fromData(
          {
            year: t.year,
            month: t.month,
            day: t.day,
            hour: t.hour,
            minute: t.minute,
            second: t.second,
          },
          frame.tz,
        ).toUnixTime() * 1000
      );
    case 'floating':
      return zonedToUtc(t, venueZone);
  }
};

// Zone offsets change only at transitions, and those fall on quarter hours (UTC): one
// Intl lookup per zone and quarter hour instead of two per value, for feeds with thousands.
const offsets = new Map<string, number>();
const offsetAt = (ms: number, zone: string): number => {
  const key = `${zone}|${Math.floor(ms / 900_000)}`;
  let off = offsets.get(key);
  if (off === undefined) {
    off = zoneOffsetMs(Math.floor(ms / 900_000) * 900_000, zone);
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(key, off);
  }
  return off;
};

/** zonedToUtc returns the instant of wall time `t` in the IANA `zone` (as parseDateTime does). */
const zonedToUtc = (t: Time, zone: string): number => {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  // Twice, to settle across a DST change.
  const first = wall - offsetAt(wall, zone);
  return wall - offsetAt(first, zone);
};

/** msToWall returns the floating wall time of the instant `ms` in `frame`. */
const msToWall = (ms: number, frame: Frame, venueZone: string): Time => {
  if (frame.kind === 'vtimezone') {
    const u = ICAL.Time.epochTime.clone();
    u.fromUnixTime(Math.floor(ms / 1000));
    return floating(u.convertToZone(frame.tz), false);
  }
  const zone = frame.kind === 'utc' ? 'UTC' : frame.kind === 'iana' ? frame.zone : venueZone;
  const d = new Date(ms + (zone === 'UTC' ? 0 : zoneOffsetMs(ms, zone)));
  return ICAL.Time.fromData({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isDate: false,
  });
};

/** floating returns `t`'s wall fields without a zone, so ical.js steps it in plain wall time. */
const floating = (t: Time, isDate = t.isDate): Time =>
  ICAL.Time.fromData({
    year: t.year,
    month: t.month,
    day: t.day,
    hour: isDate ? 0 : t.hour,
    minute: isDate ? 0 : t.minute,
    second: isDate ? 0 : t.second,
    isDate,
  });

/** timeOf returns a property's value as an instant with its wall time, or undefined. */
const timeOf = (
  prop: Property | null,
  venueZone: string,
): { wall: Time; frame: Frame; ms: number } | undefined => {
  if (!prop) return undefined;
  const v = prop.getFirstValue();
  if (!(v instanceof ICAL.Time)) return undefined;
  const frame = frameOf(prop, v);
  return { wall: v, frame, ms: wallToMs(v, frame, venueZone) };
};

/** instantsOf returns the instants of a multi-valued date property (EXDATE, RDATE). */
const instantsOf = (
  comp: Component,
  name: string,
  venueZone: string,
): Array<{ ms: number; endMs: number | null }> => {
  const out: Array<{ ms: number; endMs: number | null }> = [];
  for (const prop of comp.getAllProperties(name)) {
    for (const v of prop.getValues() as unknown[]) {
      if (v instanceof ICAL.Time) {
        out.push({ ms: wallToMs(v, frameOf(prop, v), venueZone), endMs: null });
      } else if (v instanceof ICAL.Period) {
        const start = v.start;
        const frame = frameOf(prop, start);
        const ms = wallToMs(start, frame, venueZone);
        const end = v.end
          ? wallToMs(v.end, frame, venueZone)
          : v.duration
            ? ms + v.duration.toSeconds() * 1000
            : null;
        out.push({ ms, endMs: end });
      }
    }
  }
  return out;
};

const text = (comp: Component, name: string): string => {
  const v = comp.getFirstPropertyValue(name);
  return typeof v === 'string' ? v.trim() : '';
};

const person = (prop: Property): IcsPerson => {
  const v = prop.getFirstValue();
  const mail = typeof v === 'string' ? /^mailto:(.+)$/i.exec(v.trim()) : null;
  const cn = prop.getParameter('cn');
  const name = typeof cn === 'string' && cn.trim() !== '' ? cn.trim() : null;
  return { email: mail ? (mail[1] as string).trim() : null, name };
};

const attendeesOf = (comp: Component): IcsPerson[] => {
  const out: IcsPerson[] = [];
  const seen = new Set<string>();
  for (const prop of comp.getAllProperties('attendee')) {
    // The room itself (and projectors, cars ...) is invited as an attendee in Google and
    // Outlook room calendars; it is not a guest. Nor is someone who declined.
    const cutype = String(prop.getParameter('cutype') ?? '').toUpperCase();
    if (cutype === 'ROOM' || cutype === 'RESOURCE') continue;
    if (String(prop.getParameter('partstat') ?? '').toUpperCase() === 'DECLINED') continue;
    const p = person(prop);
    const id = (p.email ?? p.name ?? '').toLowerCase();
    if (id === '' || seen.has(id)) continue;
    seen.add(id);
    out.push(p);
  }
  return out;
};

/** Details are the per-occurrence properties an override may replace. */
type Details = Pick<
  IcsOccurrence,
  'summary' | 'location' | 'organizer' | 'attendees' | 'free' | 'private'
> & { status: string | null };

const detailsOf = (comp: Component): Details => {
  const org = comp.getFirstProperty('organizer');
  const busy = text(comp, 'x-microsoft-cdo-busystatus').toUpperCase();
  const cls = text(comp, 'class').toUpperCase();
  const status = text(comp, 'status').toUpperCase();
  return {
    summary: text(comp, 'summary'),
    location: text(comp, 'location'),
    organizer: org ? person(org) : null,
    attendees: attendeesOf(comp),
    free: text(comp, 'transp').toUpperCase() === 'TRANSPARENT' || busy === 'FREE',
    private: cls === 'PRIVATE' || cls === 'CONFIDENTIAL',
    status: status === '' ? null : status,
  };
};

/** basicUtc returns an instant as RFC 5545 basic UTC text (20261201T170000Z). */
const basicUtc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

/** lengthOf returns how an event's end follows from a start: exact ms, and whole days in wall time. */
type Length = { days: number; ms: number };

const lengthOf = (comp: Component, start: { wall: Time; ms: number }, venue: string): Length => {
  const end = timeOf(comp.getFirstProperty('dtend'), venue);
  if (start.wall.isDate) {
    if (end && end.wall.isDate) {
      const days = Math.round(
        (Date.UTC(end.wall.year, end.wall.month - 1, end.wall.day) -
          Date.UTC(start.wall.year, start.wall.month - 1, start.wall.day)) /
          DAY_MS,
      );
      return { days: Math.max(1, days), ms: 0 };
    }
    const dur = comp.getFirstPropertyValue('duration');
    if (dur instanceof ICAL.Duration) return durationLength(dur, true);
    return { days: 1, ms: 0 };
  }
  if (end) return { days: 0, ms: end.ms - start.ms };
  const dur = comp.getFirstPropertyValue('duration');
  if (dur instanceof ICAL.Duration) return durationLength(dur, false);
  return { days: 0, ms: 0 };
};

const durationLength = (d: Duration, allDay: boolean): Length => {
  const sign = d.isNegative ? -1 : 1;
  const days = sign * (d.weeks * 7 + d.days);
  const ms = sign * ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return allDay ? { days: Math.max(1, days + Math.ceil(ms / DAY_MS)), ms: 0 } : { days, ms };
};

/** endOf returns the end of an occurrence starting at `wall`/`ms`, lengths applied in the venue or event frame. */
const endOf = (wall: Time, ms: number, len: Length, frame: Frame, venue: string): number => {
  if (len.days === 0) return ms + len.ms;
  const w = wall.clone();
  w.adjust(len.days, 0, 0, 0);
  return wallToMs(w, frame, venue) + len.ms;
};

/**
 * readIcs parses an iCalendar text and returns its VEVENT count and the occurrences that
 * overlap the window: recurring events expanded, EXDATEs dropped, RDATEs added,
 * RECURRENCE-ID overrides applied (moved, changed, cancelled or un-cancelled), cancelled
 * occurrences kept (as cancelled) so the caller can revoke. Throws PORTICO_FEED_INVALID,
 * saying what is wrong, when the text is not iCalendar.
 */
export function readIcs(source: string, window: IcsWindow): IcsReadResult {
  const { from, until, timeZone: venue } = window;
  let root: Component;
  try {
    root = new ICAL.Component(ICAL.parse(source) as unknown[]);
  } catch (err) {
    throw new PorticoError(
      ERROR_CODES.FEED_INVALID,
      `the feed is not valid iCalendar (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (root.name !== 'vcalendar')
    throw new PorticoError(ERROR_CODES.FEED_INVALID, 'the feed is not an iCalendar (no VCALENDAR)');
  const vevents = root.getAllSubcomponents('vevent');
  const masters = new Map<string, Component>();
  const overrides = new Map<string, Array<{ comp: Component; originalMs: number }>>();
  for (const comp of vevents) {
    const uid = text(comp, 'uid');
    if (uid === '' || !comp.hasProperty('dtstart')) continue;
    const rid = timeOf(comp.getFirstProperty('recurrence-id'), venue);
    if (rid) {
      const list = overrides.get(uid) ?? [];
      list.push({ comp, originalMs: rid.ms });
      overrides.set(uid, list);
    } else masters.set(uid, comp);
  }

  const out: IcsOccurrence[] = [];
  const push = (
    key: string,
    uid: string,
    startAt: number,
    endAt: number,
    allDay: boolean,
    d: Details,
    cancelled: boolean,
  ) => {
    if (endAt <= from || startAt >= until || endAt <= startAt) return;
    const { status: _status, ...rest } = d;
    out.push({ key, uid, startAt, endAt, allDay, ...rest, cancelled });
  };

  for (const [uid, master] of masters) {
    const start = timeOf(master.getFirstProperty('dtstart'), venue);
    if (!start) continue;
    const details = detailsOf(master);
    const len = lengthOf(master, start, venue);
    const masterCancelled = details.status === 'CANCELLED';
    const rrule = master.getFirstPropertyValue('rrule');
    const rdates = instantsOf(master, 'rdate', venue);
    if (!(rrule instanceof ICAL.Recur) && rdates.length === 0) {
      const end = endOf(start.wall, start.ms, len, start.frame, venue);
      push(uid, uid, start.ms, end, start.wall.isDate, details, masterCancelled);
      continue;
    }
    // The recurrence set: DTSTART, the rule's instances and the RDATEs, by original instant.
    const instances = new Map<number, { wall: Time | null; endMs: number | null }>();
    instances.set(start.ms, { wall: start.wall, endMs: null });
    // Only instances that can overlap the window are kept; an override of one outside it
    // that moves it in is emitted below all the same, as an override of an unkept instance.
    const reach = (len.days + 1) * DAY_MS + Math.max(0, len.ms);
    if (rrule instanceof ICAL.Recur) {
      const rule = rrule.clone();
      if (rule.until && !rule.until.isDate && !start.wall.isDate) {
        // UNTIL is UTC by RFC 5545 while the rule is stepped in the event's wall time.
        const untilMs = wallToMs(
          rule.until,
          frameOf(master.getFirstProperty('rrule') as Property, rule.until),
          venue,
        );
        rule.until = msToWall(untilMs, start.frame, venue);
      } else if (rule.until && start.wall.isDate) rule.until = floating(rule.until, true);
      const it = rule.iterator(floating(start.wall));
      // A daily series begun years ago is stepped through to the window: bound the steps,
      // not the instances kept.
      for (let n = 0, kept = 0; n < MAX_STEPS_PER_EVENT && kept < MAX_OCCURRENCES_PER_EVENT; n++) {
        const t = it.next();
        if (!t) break;
        const ms = wallToMs(t, start.frame, venue);
        if (ms >= until) break;
        if (ms + reach <= from || instances.has(ms)) continue;
        instances.set(ms, { wall: t.clone(), endMs: null });
        kept++;
      }
    }
    for (const r of rdates)
      if (!instances.has(r.ms)) instances.set(r.ms, { wall: null, endMs: r.endMs });
    for (const x of instantsOf(master, 'exdate', venue)) instances.delete(x.ms);

    const emitOverride = (o: Component, key: string, originalMs: number) => {
      const d = detailsOf(o);
      const os = timeOf(o.getFirstProperty('dtstart'), venue);
      const startMs = os ? os.ms : originalMs;
      let endMs: number;
      if (o.hasProperty('dtend') || o.hasProperty('duration')) {
        const l = os ? lengthOf(o, os, venue) : len;
        endMs = os ? endOf(os.wall, os.ms, l, os.frame, venue) : startMs + l.ms;
      } else {
        const wall = os ? os.wall : msToWall(startMs, start.frame, venue);
        endMs = endOf(wall, startMs, len, os ? os.frame : start.frame, venue);
      }
      const status = d.status ?? details.status;
      push(
        key,
        uid,
        startMs,
        endMs,
        os ? os.wall.isDate : start.wall.isDate,
        d,
        status === 'CANCELLED',
      );
    };
    const moved = new Map<number, Component>();
    for (const o of overrides.get(uid) ?? []) moved.set(o.originalMs, o.comp);
    const keyOf = (ms: number) =>
      `${uid}@${start.wall.isDate ? new Date(ms + zoneOffsetMs(ms, venue)).toISOString().slice(0, 10).replace(/-/g, '') : basicUtc(ms)}`;
    for (const [ms, inst] of instances) {
      const o = moved.get(ms);
      moved.delete(ms);
      if (o) {
        emitOverride(o, keyOf(ms), ms);
        continue;
      }
      const wall = inst.wall ?? msToWall(ms, start.frame, venue);
      const end = inst.endMs ?? endOf(wall, ms, len, start.frame, venue);
      push(keyOf(ms), uid, ms, end, start.wall.isDate, details, masterCancelled);
    }
    // Overrides of instances the set does not hold (an EXDATE'd or out-of-rule instance
    // moved elsewhere) are bookings all the same: the override is the newer word.
    for (const [ms, o] of moved) emitOverride(o, keyOf(ms), ms);
  }
  return { events: vevents.length, occurrences: out };
}
