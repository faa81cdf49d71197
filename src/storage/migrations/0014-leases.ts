// Schema version 14: leases, so that periodic work shared by several nodes runs on one at a time.

/**
 * MIGRATION_0014 creates leases: one row per kind of background work (calendar feeds,
 * retention, the controller ticker, the cut-off pass), naming the node that runs it and
 * until when (ms). Another node takes it over only once it has expired.
 */
export const MIGRATION_0014 = {
  version: 14,
  name: 'leases',
  sql: /* sql */ `
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`,
  postgres: /* sql */ `
CREATE TABLE leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
`,
};
