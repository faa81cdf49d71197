// Schema version 5: what outgoing-webhook events remember so that each is raised only once.

/** MIGRATION_0005 creates event_marks, the once-only and rate-limit memory of webhook events. */
export const MIGRATION_0005 = {
  version: 5,
  name: 'event-marks',
  sql: /* sql */ `
-- An event that must be raised once (or at most once a minute) is remembered here, in the
-- transaction that raises it, so every Portico node sharing the file sees it:
--   token.low_balance, token.depleted, token.expired  subject 'token:ID' (cleared when staff
--                                                      give the token more of that limit)
--   session.stopped   subject 'session:ID', for a session the stale sweeper closed that
--                     accounting then reopened (its stop was already announced)
--   device.refused    subject 'token:ID/DEVICE', at = when it was last raised
CREATE TABLE event_marks (
  event   TEXT NOT NULL,
  subject TEXT NOT NULL,
  at      INTEGER NOT NULL,
  PRIMARY KEY (event, subject)
) STRICT, WITHOUT ROWID;
`,
  postgres: /* sql */ `
CREATE TABLE event_marks (
  event   TEXT NOT NULL,
  subject TEXT NOT NULL,
  at      BIGINT NOT NULL,
  PRIMARY KEY (event, subject)
);
`,
};
