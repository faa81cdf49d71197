// Schema version 10: several calendar feeds, each with its own resource, token policy, poll
// interval and status; the guests a booking names; outgoing webhooks that may reach private
// addresses. The single feed of Settings > Bookings becomes the first feed.

/** MIGRATION_0010 creates feeds, moves the old feed setting into it and adds the guest list. */
export const MIGRATION_0010 = {
  version: 10,
  name: 'feeds',
  sql: /* sql */ `
-- An iCalendar feed Portico reads on a schedule. policy holds the token-policy fields that
-- differ from Settings > Bookings (JSON, {} for the default). next_poll_at is the claim: a
-- node polls a feed only after moving it forward in a conditional UPDATE, so one node does.
-- etag and last_modified make the next fetch conditional. The last_* columns are what the
-- bookings page shows: last fetch, events seen, bookings changed, last error in plain words.
CREATE TABLE feeds (
  id                    INTEGER PRIMARY KEY,
  name                  TEXT NOT NULL,
  url                   TEXT NOT NULL,
  resource              TEXT NOT NULL DEFAULT '',
  policy                TEXT NOT NULL DEFAULT '{}',
  poll_minutes          INTEGER NOT NULL DEFAULT 15 CHECK (poll_minutes BETWEEN 1 AND 1440),
  horizon_days          INTEGER NOT NULL DEFAULT 60 CHECK (horizon_days BETWEEN 1 AND 730),
  skip_free             INTEGER NOT NULL DEFAULT 0 CHECK (skip_free IN (0, 1)),
  skip_private          INTEGER NOT NULL DEFAULT 0 CHECK (skip_private IN (0, 1)),
  allow_private_network INTEGER NOT NULL DEFAULT 0 CHECK (allow_private_network IN (0, 1)),
  enabled               INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  next_poll_at          INTEGER NOT NULL DEFAULT 0,
  etag                  TEXT,
  last_modified         TEXT,
  last_fetch_at         INTEGER,
  last_outcome          TEXT CHECK (last_outcome IN ('imported', 'not-modified', 'failed')),
  events_seen           INTEGER,
  bookings_changed      INTEGER,
  last_error            TEXT,
  created_by            TEXT,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
) STRICT;

INSERT INTO feeds (name, url, poll_minutes, horizon_days, created_by, created_at, updated_at)
SELECT 'Booking feed', json_extract(u.value, '$'),
  COALESCE((SELECT json_extract(value, '$') FROM settings WHERE key = 'bookings.icsPollMinutes'), 15),
  COALESCE((SELECT json_extract(value, '$') FROM settings WHERE key = 'bookings.icsHorizonDays'), 60),
  'migration', CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM settings u WHERE u.key = 'bookings.icsUrl' AND json_extract(u.value, '$') IS NOT NULL;

-- Feed bookings are known as 'FEED-ID/UID@start', so two room calendars holding the same
-- meeting (one UID, two rooms) make two bookings. The old feed's become feed 1's.
UPDATE bookings SET external_id = (SELECT min(id) FROM feeds) || '/' || external_id
WHERE origin = 'ics' AND EXISTS (SELECT 1 FROM feeds);

DELETE FROM settings WHERE key IN ('bookings.icsUrl', 'bookings.icsPollMinutes',
  'bookings.icsHorizonDays', 'bookings.icsLastPoll');

-- The people a booking names (JSON [{"name": ..., "email": ...}]); with one token per
-- attendee each gets their own code. [] for bookings that name only guest_name/guest_email.
ALTER TABLE bookings ADD COLUMN guests TEXT NOT NULL DEFAULT '[]';

-- 1 when staff allowed this webhook to reach loopback, link-local or private addresses.
ALTER TABLE webhooks ADD COLUMN allow_private_network INTEGER NOT NULL DEFAULT 0
  CHECK (allow_private_network IN (0, 1));
`,
};
