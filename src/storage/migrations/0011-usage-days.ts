// Schema version 11: per-day usage totals that outlive the sessions they were summed from.

/**
 * MIGRATION_0011 creates usage_days, where the retention job adds each closed session's
 * time and bytes before it deletes the session, so per-day usage stays right afterwards.
 */
export const MIGRATION_0011 = {
  version: 11,
  name: 'usage-days',
  sql: /* sql */ `
-- day: the local calendar day (YYYY-MM-DD, in the time zone of the run) the session started.
-- Only sessions the retention job deleted are summed here; the rest are still in sessions.
CREATE TABLE usage_days (
  day             TEXT PRIMARY KEY,
  sessions        INTEGER NOT NULL DEFAULT 0,
  session_seconds INTEGER NOT NULL DEFAULT 0,
  input_octets    INTEGER NOT NULL DEFAULT 0,
  output_octets   INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
-- The retention job finds old delivered e-mails and webhook deliveries by when they finished.
CREATE INDEX email_outbox_sent ON email_outbox (sent_at) WHERE status = 'sent';
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at) WHERE status = 'delivered';
`,
  postgres: /* sql */ `
CREATE TABLE usage_days (
  day             TEXT PRIMARY KEY,
  sessions        BIGINT NOT NULL DEFAULT 0,
  session_seconds BIGINT NOT NULL DEFAULT 0,
  input_octets    BIGINT NOT NULL DEFAULT 0,
  output_octets   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX email_outbox_sent ON email_outbox (sent_at) WHERE status = 'sent';
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at) WHERE status = 'delivered';
`,
};
