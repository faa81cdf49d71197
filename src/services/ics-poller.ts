// Pulls the booking feed (an iCalendar URL in Settings > Bookings) on a schedule: fetch
// outside any transaction, parse, expand the occurrences from a day ago to the horizon, and
// apply them in one transaction. Events that left the feed or were cancelled revoke their
// tokens. The last outcome is kept in settings for the dashboard.

import type { Clock } from '../clock.js';
import type { Store } from '../storage/store.js';
import type { BookingFields } from '../storage/booking-repo.js';
import type { BookingService } from './booking-service.js';
import { parseEmailAddress, type BookingSettingsService } from './booking-settings.js';
import { expandOccurrences, parseIcs, type IcsOccurrence } from './ics-parser.js';

/** ICS_MAX_BYTES bounds the feed we read. */
export const ICS_MAX_BYTES = 5_000_000;
const FETCH_TIMEOUT_MS = 30_000;
const LOOKBACK_MS = 86_400_000;

/** IcsPollResult is what the last poll did (kept under `bookings.icsLastPoll`). */
export type IcsPollResult =
  | {
      ok: true;
      at: number;
      events: number;
      created: number;
      updated: number;
      cancelled: number;
      unchanged: number;
    }
  | { ok: false; at: number; error: string };

/** occurrenceToFields returns the booking an occurrence stands for (texts trimmed to fit). */
export function occurrenceToFields(o: IcsOccurrence): BookingFields {
  const first = o.attendees.find((a) => a.email !== null) ?? o.organizer;
  const email = first?.email ? (parseEmailAddress(first.email) ?? null) : null;
  return {
    resource: (o.location || o.summary).slice(0, 200),
    startAt: o.startAt,
    endAt: o.endAt,
    guestName: (first?.name ?? o.summary).slice(0, 200),
    guestEmail: email,
    attendees: Math.min(500, Math.max(1, o.attendees.length)),
  };
}

/** IcsPollerDeps are what the poller needs; `fetch` is swappable for tests. */
export type IcsPollerDeps = {
  store: Store;
  clock: Clock;
  bookings: BookingService;
  settings: BookingSettingsService;
  timeZone: () => string;
  fetch?: typeof fetch;
  onError?: (err: unknown) => void;
};

/** createIcsPoller returns the feed poller; nothing runs until start or pollOnce. */
export function createIcsPoller(deps: IcsPollerDeps) {
  const { store, clock, settings } = deps;
  const doFetch = deps.fetch ?? fetch;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<IcsPollResult | null> | undefined;
  let stopped = true;
  let onError = deps.onError;

  const read = async (url: string): Promise<string> => {
    const res = await doFetch(url, {
      redirect: 'follow',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'text/calendar, */*;q=0.5', 'user-agent': 'Portico-ICS/1' },
    });
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`HTTP ${res.status}`);
    }
    const text = await res.text();
    if (text.length > ICS_MAX_BYTES) throw new Error(`feed larger than ${ICS_MAX_BYTES} bytes`);
    if (!/BEGIN:VCALENDAR/i.test(text)) throw new Error('not an iCalendar feed');
    return text;
  };

  const poll = async (): Promise<IcsPollResult | null> => {
    const policy = settings.bookings();
    if (policy.icsUrl === null || !policy.enabled) return null;
    const at = clock.now();
    let result: IcsPollResult;
    try {
      const text = await read(policy.icsUrl);
      const now = clock.now();
      const horizonEnd = now + policy.icsHorizonDays * 86_400_000;
      const events = parseIcs(text);
      // A calendar that suddenly holds no events at all is far more often a broken export
      // than a venue with every booking cancelled: keep the bookings and say so.
      if (events.length === 0 && store.bookings.listConfirmed('ics', now).length > 0) {
        throw new Error('the feed has no events at all; upcoming feed bookings were kept');
      }
      const occurrences = expandOccurrences(events, {
        from: now - LOOKBACK_MS,
        until: horizonEnd,
        timeZone: deps.timeZone(),
      });
      const counts = deps.bookings.applyFeed(
        'ics',
        occurrences.map((o) => ({
          externalId: o.key.slice(0, 200),
          fields: occurrenceToFields(o),
          cancelled: o.cancelled,
        })),
        horizonEnd,
        'ics',
      );
      result = { ok: true, at, events: occurrences.length, ...counts };
    } catch (err) {
      onError?.(err);
      result = { ok: false, at, error: String((err as Error).message ?? err).slice(0, 300) };
    }
    store.settings.set('bookings.icsLastPoll', result);
    return result;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void pollOnce().finally(schedule);
    }, settings.bookings().icsPollMinutes * 60_000);
    timer.unref();
  };

  /** pollOnce polls now (or joins a poll in progress); null when no feed is set. */
  const pollOnce = (): Promise<IcsPollResult | null> => {
    running ??= poll().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    pollOnce,
    /** lastResult returns the outcome of the last poll, or null before the first. */
    lastResult(): IcsPollResult | null {
      return (store.settings.get('bookings.icsLastPoll') as IcsPollResult | undefined) ?? null;
    },
    /** start polls now and then every `icsPollMinutes`; `onError` hears failed polls. */
    start(opts: { onError?: (err: unknown) => void } = {}): void {
      if (!stopped) return;
      onError = opts.onError ?? onError;
      stopped = false;
      void pollOnce().finally(schedule);
    },
    /** stop ends the schedule and waits for a poll in progress. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

/** IcsPoller is the feed poller's interface. */
export type IcsPoller = ReturnType<typeof createIcsPoller>;
