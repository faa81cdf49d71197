// Schema version 1: tokens and their usage, sessions, routers, staff, settings, audit log.

/** MIGRATION_0001 creates the foundation schema. */
export const MIGRATION_0001 = {
  version: 1,
  name: 'initial',
  sql: /* sql */ `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE staff_users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
  created_at    INTEGER NOT NULL,
  disabled_at   INTEGER
) STRICT;

CREATE TABLE batches (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  source     TEXT NOT NULL,
  created_by TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX batches_name ON batches (name);

CREATE TABLE tokens (
  id                              INTEGER PRIMARY KEY,
  code                            TEXT NOT NULL UNIQUE,
  minutes                         INTEGER CHECK (minutes IS NULL OR minutes > 0),
  valid_from                      INTEGER,
  valid_until                     INTEGER,
  expires_after_first_use_minutes INTEGER CHECK (expires_after_first_use_minutes IS NULL OR expires_after_first_use_minutes > 0),
  max_devices                     INTEGER NOT NULL DEFAULT 1 CHECK (max_devices >= 1),
  when_full                       TEXT NOT NULL DEFAULT 'refuse' CHECK (when_full IN ('refuse', 'replace-oldest')),
  data_quota_bytes                INTEGER CHECK (data_quota_bytes IS NULL OR data_quota_bytes > 0),
  rate_down_kbps                  INTEGER CHECK (rate_down_kbps IS NULL OR rate_down_kbps > 0),
  rate_up_kbps                    INTEGER CHECK (rate_up_kbps IS NULL OR rate_up_kbps > 0),
  description                     TEXT NOT NULL DEFAULT '',
  batch_id                        INTEGER REFERENCES batches (id),
  source                          TEXT NOT NULL,
  created_by                      TEXT,
  created_at                      INTEGER NOT NULL,
  used_ms                         INTEGER NOT NULL DEFAULT 0,
  used_bytes                      INTEGER NOT NULL DEFAULT 0,
  first_used_at                   INTEGER,
  last_used_at                    INTEGER,
  revoked_at                      INTEGER,
  deleted_at                      INTEGER,
  CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until)
) STRICT;
CREATE INDEX tokens_batch ON tokens (batch_id) WHERE deleted_at IS NULL;
CREATE INDEX tokens_created ON tokens (created_at) WHERE deleted_at IS NULL;

-- The union of a token's sessions' online intervals, kept as disjoint spans: the metered
-- minutes are the sum of their lengths.
CREATE TABLE token_coverage (
  token_id INTEGER NOT NULL REFERENCES tokens (id),
  start_at INTEGER NOT NULL,
  end_at   INTEGER NOT NULL,
  PRIMARY KEY (token_id, start_at)
) STRICT, WITHOUT ROWID;

CREATE TABLE nas_clients (
  id                            INTEGER PRIMARY KEY,
  name                          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  address                       TEXT NOT NULL UNIQUE,
  secret                        TEXT NOT NULL,
  vendor                        TEXT NOT NULL DEFAULT 'generic',
  coa_port                      INTEGER NOT NULL DEFAULT 3799 CHECK (coa_port BETWEEN 1 AND 65535),
  require_message_authenticator INTEGER NOT NULL DEFAULT 1 CHECK (require_message_authenticator IN (0, 1)),
  limit_proxy_state             INTEGER NOT NULL DEFAULT 1 CHECK (limit_proxy_state IN (0, 1)),
  coa_event_timestamp           INTEGER NOT NULL DEFAULT 1 CHECK (coa_event_timestamp IN (0, 1)),
  coa_message_authenticator     INTEGER NOT NULL DEFAULT 1 CHECK (coa_message_authenticator IN (0, 1)),
  uam_secret                    TEXT,
  created_at                    INTEGER NOT NULL,
  last_seen_at                  INTEGER
) STRICT;

-- One row per device session under a token. 'reserved' holds a device slot from the
-- Access-Accept until the accounting Start arrives or the reservation lapses.
CREATE TABLE sessions (
  id                     INTEGER PRIMARY KEY,
  token_id               INTEGER NOT NULL REFERENCES tokens (id),
  nas_id                 INTEGER REFERENCES nas_clients (id) ON DELETE SET NULL,
  status                 TEXT NOT NULL CHECK (status IN ('reserved', 'live', 'closed')),
  class                  TEXT NOT NULL UNIQUE,
  acct_session_id        TEXT,
  device_mac             TEXT,
  framed_ip              TEXT,
  called_station         TEXT,
  nas_port_id            TEXT,
  reserved_at            INTEGER NOT NULL,
  reservation_expires_at INTEGER,
  started_at             INTEGER,
  last_seen_at           INTEGER,
  updated_at             INTEGER,
  stopped_at             INTEGER,
  session_seconds        INTEGER NOT NULL DEFAULT 0,
  input_octets           INTEGER NOT NULL DEFAULT 0,
  output_octets          INTEGER NOT NULL DEFAULT 0,
  interim_interval       INTEGER,
  terminate_cause        TEXT,
  closed_by              TEXT
) STRICT;
CREATE INDEX sessions_token ON sessions (token_id, status);
CREATE INDEX sessions_acct ON sessions (nas_id, acct_session_id);
CREATE INDEX sessions_open ON sessions (status, updated_at) WHERE status <> 'closed';
CREATE INDEX sessions_stopped ON sessions (stopped_at) WHERE status = 'closed';

-- Cut-off work: Disconnect-Request and CoA-Request to send, and what the NAS answered.
CREATE TABLE coa_jobs (
  id              INTEGER PRIMARY KEY,
  session_id      INTEGER NOT NULL REFERENCES sessions (id),
  kind            TEXT NOT NULL CHECK (kind IN ('disconnect', 'coa')),
  reason          TEXT NOT NULL,
  requested_by    TEXT,
  session_timeout INTEGER,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'ack', 'nak', 'timeout')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  error_cause     INTEGER,
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER
) STRICT;
CREATE INDEX coa_jobs_state ON coa_jobs (state, created_at);
CREATE INDEX coa_jobs_session ON coa_jobs (session_id);

-- A device MAC authorised for a token through the splash page (RADIUS MAC authentication).
CREATE TABLE device_bindings (
  id          INTEGER PRIMARY KEY,
  token_id    INTEGER NOT NULL REFERENCES tokens (id),
  device_mac  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  released_at INTEGER
) STRICT;
CREATE UNIQUE INDEX device_bindings_live ON device_bindings (device_mac) WHERE released_at IS NULL;
CREATE INDEX device_bindings_token ON device_bindings (token_id);

CREATE TABLE web_sessions (
  id_hash      TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  csrf_secret  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
  created_by   TEXT,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;

-- Guessing defence: failures per key (ip:..., mac:..., staff:...) and the lockout they cause.
CREATE TABLE lockouts (
  key             TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  first_failed_at INTEGER NOT NULL,
  last_failed_at  INTEGER NOT NULL,
  locked_until    INTEGER
) STRICT;

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target_type TEXT,
  target_id   TEXT,
  details     TEXT
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
`,
  postgres: /* sql */ `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- SQLite compares username with COLLATE NOCASE; here the unique index is on lower(username),
-- and a lookup by name compares lower(username) = lower($1).
CREATE TABLE staff_users (
  id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  username      TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
  created_at    BIGINT NOT NULL,
  disabled_at   BIGINT
);
CREATE UNIQUE INDEX staff_users_username_key ON staff_users (lower(username));

CREATE TABLE batches (
  id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name       TEXT NOT NULL,
  source     TEXT NOT NULL,
  created_by TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX batches_name ON batches (name);

CREATE TABLE tokens (
  id                              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  code                            TEXT NOT NULL UNIQUE,
  minutes                         BIGINT CHECK (minutes IS NULL OR minutes > 0),
  valid_from                      BIGINT,
  valid_until                     BIGINT,
  expires_after_first_use_minutes BIGINT CHECK (expires_after_first_use_minutes IS NULL OR expires_after_first_use_minutes > 0),
  max_devices                     BIGINT NOT NULL DEFAULT 1 CHECK (max_devices >= 1),
  when_full                       TEXT NOT NULL DEFAULT 'refuse' CHECK (when_full IN ('refuse', 'replace-oldest')),
  data_quota_bytes                BIGINT CHECK (data_quota_bytes IS NULL OR data_quota_bytes > 0),
  rate_down_kbps                  BIGINT CHECK (rate_down_kbps IS NULL OR rate_down_kbps > 0),
  rate_up_kbps                    BIGINT CHECK (rate_up_kbps IS NULL OR rate_up_kbps > 0),
  description                     TEXT NOT NULL DEFAULT '',
  batch_id                        BIGINT REFERENCES batches (id),
  source                          TEXT NOT NULL,
  created_by                      TEXT,
  created_at                      BIGINT NOT NULL,
  used_ms                         BIGINT NOT NULL DEFAULT 0,
  used_bytes                      BIGINT NOT NULL DEFAULT 0,
  first_used_at                   BIGINT,
  last_used_at                    BIGINT,
  revoked_at                      BIGINT,
  deleted_at                      BIGINT,
  CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until)
);
CREATE INDEX tokens_batch ON tokens (batch_id) WHERE deleted_at IS NULL;
CREATE INDEX tokens_created ON tokens (created_at) WHERE deleted_at IS NULL;

CREATE TABLE token_coverage (
  token_id BIGINT NOT NULL REFERENCES tokens (id),
  start_at BIGINT NOT NULL,
  end_at   BIGINT NOT NULL,
  PRIMARY KEY (token_id, start_at)
);

-- name: unique regardless of case, as SQLite's COLLATE NOCASE (compare lower(name)).
CREATE TABLE nas_clients (
  id                            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name                          TEXT NOT NULL,
  address                       TEXT NOT NULL UNIQUE,
  secret                        TEXT NOT NULL,
  vendor                        TEXT NOT NULL DEFAULT 'generic',
  coa_port                      BIGINT NOT NULL DEFAULT 3799 CHECK (coa_port BETWEEN 1 AND 65535),
  require_message_authenticator BIGINT NOT NULL DEFAULT 1 CHECK (require_message_authenticator IN (0, 1)),
  limit_proxy_state             BIGINT NOT NULL DEFAULT 1 CHECK (limit_proxy_state IN (0, 1)),
  coa_event_timestamp           BIGINT NOT NULL DEFAULT 1 CHECK (coa_event_timestamp IN (0, 1)),
  coa_message_authenticator     BIGINT NOT NULL DEFAULT 1 CHECK (coa_message_authenticator IN (0, 1)),
  uam_secret                    TEXT,
  created_at                    BIGINT NOT NULL,
  last_seen_at                  BIGINT
);
CREATE UNIQUE INDEX nas_clients_name_key ON nas_clients (lower(name));

CREATE TABLE sessions (
  id                     BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  token_id               BIGINT NOT NULL REFERENCES tokens (id),
  nas_id                 BIGINT REFERENCES nas_clients (id) ON DELETE SET NULL,
  status                 TEXT NOT NULL CHECK (status IN ('reserved', 'live', 'closed')),
  class                  TEXT NOT NULL UNIQUE,
  acct_session_id        TEXT,
  device_mac             TEXT,
  framed_ip              TEXT,
  called_station         TEXT,
  nas_port_id            TEXT,
  reserved_at            BIGINT NOT NULL,
  reservation_expires_at BIGINT,
  started_at             BIGINT,
  last_seen_at           BIGINT,
  updated_at             BIGINT,
  stopped_at             BIGINT,
  session_seconds        BIGINT NOT NULL DEFAULT 0,
  input_octets           BIGINT NOT NULL DEFAULT 0,
  output_octets          BIGINT NOT NULL DEFAULT 0,
  interim_interval       BIGINT,
  terminate_cause        TEXT,
  closed_by              TEXT
);
CREATE INDEX sessions_token ON sessions (token_id, status);
CREATE INDEX sessions_acct ON sessions (nas_id, acct_session_id);
CREATE INDEX sessions_open ON sessions (status, updated_at) WHERE status <> 'closed';
CREATE INDEX sessions_stopped ON sessions (stopped_at) WHERE status = 'closed';

CREATE TABLE coa_jobs (
  id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  session_id      BIGINT NOT NULL REFERENCES sessions (id),
  kind            TEXT NOT NULL CHECK (kind IN ('disconnect', 'coa')),
  reason          TEXT NOT NULL,
  requested_by    TEXT,
  session_timeout BIGINT,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'ack', 'nak', 'timeout')),
  attempts        BIGINT NOT NULL DEFAULT 0,
  error_cause     BIGINT,
  created_at      BIGINT NOT NULL,
  finished_at     BIGINT
);
CREATE INDEX coa_jobs_state ON coa_jobs (state, created_at);
CREATE INDEX coa_jobs_session ON coa_jobs (session_id);

CREATE TABLE device_bindings (
  id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  token_id    BIGINT NOT NULL REFERENCES tokens (id),
  device_mac  TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  released_at BIGINT
);
CREATE UNIQUE INDEX device_bindings_live ON device_bindings (device_mac) WHERE released_at IS NULL;
CREATE INDEX device_bindings_token ON device_bindings (token_id);

CREATE TABLE web_sessions (
  id_hash      TEXT PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  csrf_secret  TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TABLE api_keys (
  id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
  created_by   TEXT,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at   BIGINT
);

CREATE TABLE lockouts (
  key             TEXT PRIMARY KEY,
  failures        BIGINT NOT NULL,
  first_failed_at BIGINT NOT NULL,
  last_failed_at  BIGINT NOT NULL,
  locked_until    BIGINT
);

CREATE TABLE audit_log (
  id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  at          BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target_type TEXT,
  target_id   TEXT,
  details     TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
`,
};
