// Schema version 2: bookings and visitors with their tokens, the e-mail outbox, outgoing
// webhooks with their delivery outbox and log, and the replay memory of incoming webhooks.

/** MIGRATION_0002 creates the booking, e-mail and webhook tables. */
export const MIGRATION_0002 = {
  version: 2,
  name: 'bookings',
  sql: /* sql */ `
-- A booking (or a visitor registered at the desk) as the booking system last described it.
-- origin + external_id is how a resend finds the row again; ICS occurrences use
-- 'UID@occurrence-start' as their external id.
CREATE TABLE bookings (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('booking', 'visitor')),
  origin       TEXT NOT NULL CHECK (origin IN ('api', 'ics', 'desk')),
  external_id  TEXT NOT NULL,
  resource     TEXT NOT NULL DEFAULT '',
  start_at     INTEGER NOT NULL,
  end_at       INTEGER NOT NULL,
  guest_name   TEXT NOT NULL DEFAULT '',
  guest_email  TEXT,
  attendees    INTEGER NOT NULL DEFAULT 1 CHECK (attendees >= 1),
  status       TEXT NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
  created_by   TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  cancelled_at INTEGER,
  UNIQUE (origin, external_id),
  CHECK (start_at < end_at)
) STRICT;
CREATE INDEX bookings_start ON bookings (start_at);
CREATE INDEX bookings_origin_status ON bookings (origin, status, end_at);

-- The tokens a booking created: one per booking, or one per attendee.
CREATE TABLE booking_tokens (
  booking_id INTEGER NOT NULL REFERENCES bookings (id),
  token_id   INTEGER NOT NULL REFERENCES tokens (id),
  PRIMARY KEY (booking_id, token_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX booking_tokens_token ON booking_tokens (token_id);

-- E-mail to send. Rendered when queued; the worker claims a row (status 'sending' with a
-- lease), sends outside any transaction and marks it sent only after the server accepted it.
-- message_id is the RFC 5322 Message-ID, so a rare duplicate after a crash is recognisable.
CREATE TABLE email_outbox (
  id              INTEGER PRIMARY KEY,
  message_id      TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  booking_id      INTEGER REFERENCES bookings (id),
  to_address      TEXT NOT NULL,
  subject         TEXT NOT NULL,
  html            TEXT NOT NULL,
  text            TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  sent_at         INTEGER
) STRICT;
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
CREATE INDEX email_outbox_booking ON email_outbox (booking_id);

-- URLs staff registered for events; events is a JSON array of event types.
CREATE TABLE webhooks (
  id          INTEGER PRIMARY KEY,
  url         TEXT NOT NULL,
  events      TEXT NOT NULL,
  secret      TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_by  TEXT,
  created_at  INTEGER NOT NULL,
  disabled_at INTEGER
) STRICT;

-- One event to deliver to one webhook, written in the transaction that caused the event.
CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY,
  webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id         TEXT NOT NULL,
  event_type       TEXT NOT NULL,
  payload          TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'delivered', 'retrying', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  lease_until      INTEGER,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER,
  UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
  id          INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  status_code INTEGER,
  error       TEXT,
  duration_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- Signatures of incoming webhooks seen recently, so a replay inside the time window is refused.
CREATE TABLE webhook_replays (
  signature TEXT PRIMARY KEY,
  seen_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX webhook_replays_seen ON webhook_replays (seen_at);
`,
};
