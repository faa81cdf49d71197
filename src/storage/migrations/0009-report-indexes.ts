// Schema version 9: indexes that let a report read only the period it shows.

/** MIGRATION_0009 indexes charged coverage and started sessions by when they end. */
export const MIGRATION_0009 = {
  version: 9,
  name: 'report-indexes',
  sql: /* sql */ `
-- A report of the last days reads the spans and sessions that end after its first instant,
-- not a year of history.
CREATE INDEX token_coverage_end ON token_coverage (end_at);
CREATE INDEX sessions_seen ON sessions (last_seen_at) WHERE started_at IS NOT NULL;
`,
  postgres: /* sql */ `
CREATE INDEX token_coverage_end ON token_coverage (end_at);
CREATE INDEX sessions_seen ON sessions (last_seen_at) WHERE started_at IS NOT NULL;
`,
};
