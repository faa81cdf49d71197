// Reads the calendar feeds on their schedules: fetch outside any transaction (guarded
// against private addresses, bounded in time and size, conditional on the last ETag /
// Last-Modified), parse, expand the occurrences from a day ago to the feed's horizon, and
// apply them in one transaction under the feed's token policy. Events that left the feed or
// were cancelled revoke their tokens. Each feed's outcome is kept on its row for the page.
//
// A feed is claimed in the database before it is polled (its next_poll_at moved forward in
// a conditional UPDATE), so with several Portico nodes on one database one node polls it;
// and the scheduling passes themselves run on one node at a time, the holder of the
// 'ics-poller' lease, renewed before each feed.

import type { Clock } from '../clock.js';
import { ERROR_CODES, PorticoError } from '../errors.js';
import type { BookingFields, BookingGuest } from '../storage/booking-repo.js';
import type { FeedRecord } from '../storage/feed-repo.js';
import type { Store } from '../storage/store.js';
import type { BookingService } from './booking-service.js';
import { parseEmailAddress } from './booking-settings.js';
import { readIcs, type IcsOccurrence } from './ics-parser.js';
import { alwaysHeld, type Lease } from './lease-service.js';
import { createOutboundHttp, OutboundError, type OutboundHttp } from './outbound-http.js';

const feedError = (message: string) => new PorticoError(ERROR_CODES.FEED_INVALID, message);

/** ICS_MAX_BYTES bounds the feed we read. */
export const ICS_MAX_BYTES = 5_000_000;
/** ICS_TIMEOUT_MS bounds one fetch, redirects included. */
export const ICS_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const LOOKBACK_MS = 86_400_000;
/** The scheduler looks for due feeds at least this often (a feed added elsewhere is found). */
const IDLE_CHECK_MS = 60_000;

/** FeedPollResult is what one poll of one feed did. */
export type FeedPollResult =
  | {
      ok: true;
      feedId: number;
      at: number;
      notModified: boolean;
      events: number;
      occurrences: number;
      skipped: number;
      created: number;
      updated: number;
      cancelled: number;
      unchanged: number;
    }
  | { ok: false; feedId: number; at: number; error: string };

/** occurrenceToFields returns the booking an occurrence stands for (texts trimmed to fit). */
export function occurrenceToFields(o: IcsOccurrence, resource = ''): BookingFields {
  // The attendees are the guests; an event that names nobody else is the organiser's.
  const people = o.attendees.length > 0 ? o.attendees : o.organizer ? [o.organizer] : [];
  const guests: BookingGuest[] = people.slice(0, 500).map((p) => ({
    name: (p.name ?? p.email ?? '').slice(0, 200),
    email: p.email ? (parseEmailAddress(p.email) ?? null) : null,
  }));
  const first = guests.find((g) => g.email !== null) ?? guests[0];
  return {
    resource: (resource || o.location || o.summary).slice(0, 200),
    startAt: o.startAt,
    endAt: o.endAt,
    guestName: (first?.name || o.summary).slice(0, 200),
    guestEmail: first?.email ?? null,
    attendees: Math.min(500, Math.max(1, guests.length)),
    guests,
  };
}

/** IcsPollerDeps are what the poller needs; `http` is the guarded client (tests pass seams). */
export type IcsPollerDeps = {
  store: Store;
  clock: Clock;
  bookings: BookingService;
  /** Whether booking tokens are on (Settings > Bookings); off, no feed is read. */
  enabled: () => Promise<boolean>;
  timeZone: () => string;
  http?: OutboundHttp;
  onError?: (err: unknown, feed: { id: number; name: string }) => void;
  /** The lease the node must hold to poll due feeds (default: held, one process alone). */
  lease?: Lease;
};

/** ICS_LEASE_MS is how long the poller's lease lasts without renewal (its passes are a minute apart at most). */
export const ICS_LEASE_MS = 3 * IDLE_CHECK_MS;

/** createIcsPoller returns the feed poller; nothing runs until start or pollFeed. */
export function createIcsPoller(deps: IcsPollerDeps) {
  const { store, clock } = deps;
  const request = deps.http ?? createOutboundHttp();
  const lease = deps.lease ?? alwaysHeld('ics-poller');
  const running = new Map<number, Promise<FeedPollResult>>();
  // The last body per feed and URL, so a 304 still re-expands the moving window.
  const cache = new Map<number, { url: string; text: string }>();
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let stopped = true;
  let onError = deps.onError;

  const fetchFeed = async (
    feed: FeedRecord,
  ): Promise<{
    text: string;
    notModified: boolean;
    etag: string | null;
    lastModified: string | null;
  }> => {
    const cached = cache.get(feed.id);
    const conditional = cached !== undefined && cached.url === feed.url;
    const headers: Record<string, string> = {
      accept: 'text/calendar, */*;q=0.5',
      'user-agent': 'Portico-ICS/2',
    };
    if (conditional && feed.etag) headers['if-none-match'] = feed.etag;
    if (conditional && feed.lastModified) headers['if-modified-since'] = feed.lastModified;
    const res = await request({
      url: feed.url,
      headers,
      timeoutMs: ICS_TIMEOUT_MS,
      maxBytes: ICS_MAX_BYTES,
      maxRedirects: MAX_REDIRECTS,
      allowPrivateNetwork: feed.allowPrivateNetwork,
    });
    if (res.status === 304 && conditional)
      return {
        text: cached.text,
        notModified: true,
        etag: feed.etag,
        lastModified: feed.lastModified,
      };
    if (res.status < 200 || res.status >= 300)
      throw new OutboundError(
        'status',
        res.status === 401 || res.status === 403
          ? `the server refused access (HTTP ${res.status}); check the feed's secret address`
          : res.status === 404
            ? 'the server has no calendar at this address (HTTP 404)'
            : `the server answered HTTP ${res.status}`,
      );
    const text = res.body.toString('utf8');
    if (!/BEGIN:VCALENDAR/i.test(text.slice(0, 4096)))
      throw feedError('the address does not serve an iCalendar feed (no BEGIN:VCALENDAR)');
    const header = (v: string | string[] | undefined) =>
      typeof v === 'string' && v.length <= 500 ? v : null;
    return {
      text,
      notModified: false,
      etag: header(res.headers.etag),
      lastModified: header(res.headers['last-modified']),
    };
  };

  const poll = async (feedId: number): Promise<FeedPollResult> => {
    const at = clock.now();
    const feed = await store.feeds.findById(feedId);
    if (!feed) return { ok: false, feedId, at, error: 'the feed was deleted' };
    let result: FeedPollResult;
    let validators: { etag: string | null; lastModified: string | null } = {
      etag: feed.etag,
      lastModified: feed.lastModified,
    };
    try {
      const got = await fetchFeed(feed);
      validators = { etag: got.etag, lastModified: got.lastModified };
      const now = clock.now();
      const horizonEnd = now + feed.horizonDays * 86_400_000;
      const read = readIcs(got.text, {
        from: now - LOOKBACK_MS,
        until: horizonEnd,
        timeZone: deps.timeZone(),
      });
      const prefix = `${feed.id}/`;
      // A calendar that suddenly holds no events at all is far more often a broken export
      // than a venue with every booking cancelled: keep the bookings and say so.
      if (
        read.events === 0 &&
        (await store.bookings.listConfirmedWithPrefix('ics', prefix, now)).length > 0
      )
        throw feedError('the feed has no events at all; upcoming bookings from it were kept');
      const kept = read.occurrences.filter(
        (o) => !(feed.skipFree && o.free) && !(feed.skipPrivate && o.private),
      );
      const counts = await deps.bookings.applyFeed(
        { origin: 'ics', prefix, policy: feed.policy },
        kept.map((o) => ({
          externalId: `${prefix}${o.key}`.slice(0, 200),
          fields: occurrenceToFields(o, feed.resource),
          cancelled: o.cancelled,
        })),
        horizonEnd,
        'ics',
      );
      result = {
        ok: true,
        feedId,
        at,
        notModified: got.notModified,
        events: read.events,
        occurrences: kept.length,
        skipped: read.occurrences.length - kept.length,
        ...counts,
      };
      cache.set(feed.id, { url: feed.url, text: got.text });
    } catch (err) {
      onError?.(err, { id: feed.id, name: feed.name });
      result = {
        ok: false,
        feedId,
        at,
        error: String((err as Error).message ?? err).slice(0, 300),
      };
    }
    await store.feeds.setStatus(feedId, {
      ...validators,
      lastFetchAt: at,
      lastOutcome: result.ok ? (result.notModified ? 'not-modified' : 'imported') : 'failed',
      eventsSeen: result.ok ? result.events : feed.eventsSeen,
      bookingsChanged: result.ok
        ? result.created + result.updated + result.cancelled
        : feed.bookingsChanged,
      lastError: result.ok ? null : result.error,
    });
    return result;
  };

  /** pollFeed polls one feed now (or joins its poll in progress), due or not. */
  const pollFeed = (feedId: number): Promise<FeedPollResult> => {
    let p = running.get(feedId);
    if (!p) {
      p = poll(feedId).finally(() => running.delete(feedId));
      running.set(feedId, p);
    }
    return p;
  };

  /**
   * pollDue polls every enabled feed that is due and claimed by this node, while it holds the
   * poller's lease; returns how many.
   */
  const pollDue = async (): Promise<number> => {
    if (!(await deps.enabled())) return 0;
    const now = clock.now();
    let n = 0;
    for (const id of await store.feeds.dueIds(now)) {
      // Renewed before each feed: a long pass keeps it, and one that lost it stops.
      if (!(await lease.hold())) break;
      const f = await store.feeds.findById(id);
      if (!f || !(await store.feeds.claim(id, f.nextPollAt, now + f.pollMinutes * 60_000)))
        continue;
      await pollFeed(id);
      n++;
    }
    return n;
  };

  /** runPass polls the due feeds now, then schedules the next pass. */
  const runPass = () => {
    pass = pollDue()
      .then(
        () => undefined,
        (err: unknown) => onError?.(err, { id: 0, name: '' }),
      )
      .finally(schedule);
  };

  /** schedule waits until the next feed is due (at most a minute), then runs a pass. */
  async function schedule(): Promise<void> {
    if (stopped) return;
    const next = await store.feeds.nextDueAt();
    const wait =
      next === null ? IDLE_CHECK_MS : Math.min(IDLE_CHECK_MS, Math.max(1000, next - clock.now()));
    timer = setTimeout(runPass, wait);
    timer.unref();
  }

  return {
    pollFeed,
    pollDue,
    /** wake looks for due feeds soon (a feed was added or changed). */
    wake(): void {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(runPass, 0);
      timer.unref();
    },
    /** start polls the due feeds now and then each on its interval; `onError` hears failed polls. */
    start(opts: { onError?: IcsPollerDeps['onError'] } = {}): void {
      if (!stopped) return;
      onError = opts.onError ?? onError;
      stopped = false;
      runPass();
    },
    /** stop ends the schedule and waits for polls in progress. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await pass?.catch(() => undefined);
      await Promise.allSettled([...running.values()]);
      await lease.release().catch(() => undefined);
    },
  };
}

/** IcsPoller is the feed poller's interface. */
export type IcsPoller = ReturnType<typeof createIcsPoller>;
