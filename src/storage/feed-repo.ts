// The calendar feeds staff set up, with the outcome of each one's last poll.

import type { Db } from './database.js';

/** FEED_OUTCOMES say how a feed's last poll ended. */
export const FEED_OUTCOMES = ['imported', 'not-modified', 'failed'] as const;
export type FeedOutcome = (typeof FEED_OUTCOMES)[number];

/** FeedFields are what staff set on a feed. */
export type FeedFields = {
  name: string;
  url: string;
  resource: string;
  /** Token-policy fields that differ from the default (Settings > Bookings). */
  policy: Record<string, unknown>;
  pollMinutes: number;
  horizonDays: number;
  skipFree: boolean;
  skipPrivate: boolean;
  allowPrivateNetwork: boolean;
  enabled: boolean;
};

/** FeedStatus is what the last poll left: for the page and the next conditional fetch. */
export type FeedStatus = {
  etag: string | null;
  lastModified: string | null;
  lastFetchAt: number | null;
  lastOutcome: FeedOutcome | null;
  eventsSeen: number | null;
  bookingsChanged: number | null;
  lastError: string | null;
};

/** FeedRecord is a feed row. */
export type FeedRecord = FeedFields &
  FeedStatus & {
    id: number;
    nextPollAt: number;
    createdBy: string | null;
    createdAt: number;
    updatedAt: number;
  };

type Row = Record<string, unknown>;

/** feedFromRow returns the FeedRecord of a `feeds` row. */
export const feedFromRow = (r: Row): FeedRecord => ({
  id: r.id as number,
  name: r.name as string,
  url: r.url as string,
  resource: r.resource as string,
  policy: JSON.parse(r.policy as string) as Record<string, unknown>,
  pollMinutes: r.poll_minutes as number,
  horizonDays: r.horizon_days as number,
  skipFree: r.skip_free === 1,
  skipPrivate: r.skip_private === 1,
  allowPrivateNetwork: r.allow_private_network === 1,
  enabled: r.enabled === 1,
  nextPollAt: r.next_poll_at as number,
  etag: r.etag as string | null,
  lastModified: r.last_modified as string | null,
  lastFetchAt: r.last_fetch_at as number | null,
  lastOutcome: r.last_outcome as FeedOutcome | null,
  eventsSeen: r.events_seen as number | null,
  bookingsChanged: r.bookings_changed as number | null,
  lastError: r.last_error as string | null,
  createdBy: r.created_by as string | null,
  createdAt: r.created_at as number,
  updatedAt: r.updated_at as number,
});

/** feedParams returns a feed's settings as the named parameters of FEED_INSERT and FEED_UPDATE. */
export const feedParams = (f: FeedFields) => ({
  name: f.name,
  url: f.url,
  resource: f.resource,
  policy: JSON.stringify(f.policy),
  pollMinutes: f.pollMinutes,
  horizonDays: f.horizonDays,
  skipFree: f.skipFree ? 1 : 0,
  skipPrivate: f.skipPrivate ? 1 : 0,
  allowPrivateNetwork: f.allowPrivateNetwork ? 1 : 0,
  enabled: f.enabled ? 1 : 0,
});

/** FEED_INSERT adds a feed due at once (named parameters: feedParams, createdBy, now). */
export const FEED_INSERT = `INSERT INTO feeds (name, url, resource, policy, poll_minutes,
    horizon_days, skip_free, skip_private, allow_private_network, enabled, next_poll_at,
    created_by, created_at, updated_at) VALUES (@name, @url, @resource, @policy, @pollMinutes,
    @horizonDays, @skipFree, @skipPrivate, @allowPrivateNetwork, @enabled, 0, @createdBy, @now, @now)`;

/**
 * FEED_UPDATE replaces a feed's settings and makes it due now. A changed URL is another
 * calendar: what the old one's server said (ETag, Last-Modified) is forgotten.
 */
export const FEED_UPDATE = `UPDATE feeds SET name = @name, url = @url, resource = @resource,
    policy = @policy, poll_minutes = @pollMinutes, horizon_days = @horizonDays,
    skip_free = @skipFree, skip_private = @skipPrivate,
    allow_private_network = @allowPrivateNetwork, enabled = @enabled, next_poll_at = 0,
    etag = CASE WHEN url = @url THEN etag END,
    last_modified = CASE WHEN url = @url THEN last_modified END,
    updated_at = @now WHERE id = @id`;

/** FEED_STATUS records what a poll found (named parameters: FeedStatus and id). */
export const FEED_STATUS = `UPDATE feeds SET etag = @etag, last_modified = @lastModified,
    last_fetch_at = @lastFetchAt, last_outcome = @lastOutcome, events_seen = @eventsSeen,
    bookings_changed = @bookingsChanged, last_error = @lastError WHERE id = @id`;

/** createFeedRepo returns the feed repository over `db`. */
export function createFeedRepo(db: Db) {
  const insert = db.prepare(FEED_INSERT);
  const update = db.prepare(FEED_UPDATE);
  const byId = db.prepare('SELECT * FROM feeds WHERE id = ?');
  const all = db.prepare('SELECT * FROM feeds ORDER BY id');
  const remove = db.prepare('DELETE FROM feeds WHERE id = ?');
  const due = db
    .prepare(
      'SELECT id FROM feeds WHERE enabled = 1 AND next_poll_at <= ? ORDER BY next_poll_at, id',
    )
    .pluck();
  const nextDue = db.prepare('SELECT min(next_poll_at) FROM feeds WHERE enabled = 1').pluck();
  const claim = db.prepare(
    'UPDATE feeds SET next_poll_at = @next WHERE id = @id AND next_poll_at = @seen',
  );
  const status = db.prepare(FEED_STATUS);

  return {
    /** insert adds a feed, due for polling at once, and returns its id. */
    insert(f: FeedFields, createdBy: string | null, now: number): number {
      return Number(insert.run({ ...feedParams(f), createdBy, now }).lastInsertRowid);
    },
    /** update replaces a feed's settings and makes it due now; false when there is no such feed. */
    update(id: number, f: FeedFields, now: number): boolean {
      return update.run({ ...feedParams(f), id, now }).changes === 1;
    },
    /** findById returns a feed, or undefined. */
    findById(id: number): FeedRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? feedFromRow(r) : undefined;
    },
    /** list returns every feed in the order they were added. */
    list(): FeedRecord[] {
      return (all.all() as Row[]).map(feedFromRow);
    },
    /** remove deletes a feed; false when there was none. */
    remove(id: number): boolean {
      return remove.run(id).changes === 1;
    },
    /** dueIds returns the enabled feeds whose next poll is at or before `now`. */
    dueIds(now: number): number[] {
      return due.all(now) as number[];
    },
    /** nextDueAt returns when the next enabled feed is due, or null without one. */
    nextDueAt(): number | null {
      return (nextDue.get() as number | null) ?? null;
    },
    /** claim moves a feed's next poll from `seen` to `next`; false when another node got there first. */
    claim(id: number, seen: number, next: number): boolean {
      return claim.run({ id, seen, next }).changes === 1;
    },
    /** setStatus records what a poll found. */
    setStatus(id: number, s: FeedStatus): void {
      status.run({ ...s, id });
    },
  };
}

/** FeedRepo is the feed repository's interface. */
export type FeedRepo = ReturnType<typeof createFeedRepo>;
