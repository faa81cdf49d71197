// Schema version 8: the cut-off worker schedules per router, and backs off a router that does
// not answer as a whole, in the database so that any node claiming the work sees the same.

/** MIGRATION_0008 gives each CoA job its router and records each router's CoA health. */
export const MIGRATION_0008 = {
  version: 8,
  name: 'coa-routers',
  sql: /* sql */ `
-- The router a job goes to, copied from its session when queued, so the worker can claim a
-- bounded number per router without reading the sessions.
ALTER TABLE coa_jobs ADD COLUMN nas_id INTEGER REFERENCES nas_clients (id) ON DELETE SET NULL;
UPDATE coa_jobs SET nas_id = (SELECT nas_id FROM sessions WHERE sessions.id = coa_jobs.session_id);
CREATE INDEX coa_jobs_router_queue ON coa_jobs (state, nas_id, id);

-- A router's Dynamic Authorization Server as the worker last found it. 'rounds' counts the
-- back-offs since the router last answered; while now < backoff_until none of its jobs is
-- sent, and after it only one at a time until the router answers again.
CREATE TABLE nas_coa_health (
  nas_id          INTEGER PRIMARY KEY REFERENCES nas_clients (id) ON DELETE CASCADE,
  rounds          INTEGER NOT NULL DEFAULT 0,
  backoff_until   INTEGER,
  last_answer_at  INTEGER,
  last_timeout_at INTEGER
) STRICT;
`,
  postgres: /* sql */ `
ALTER TABLE coa_jobs ADD COLUMN nas_id BIGINT REFERENCES nas_clients (id) ON DELETE SET NULL;
UPDATE coa_jobs SET nas_id = (SELECT nas_id FROM sessions WHERE sessions.id = coa_jobs.session_id);
CREATE INDEX coa_jobs_router_queue ON coa_jobs (state, nas_id, id);

CREATE TABLE nas_coa_health (
  nas_id          BIGINT PRIMARY KEY REFERENCES nas_clients (id) ON DELETE CASCADE,
  rounds          BIGINT NOT NULL DEFAULT 0,
  backoff_until   BIGINT,
  last_answer_at  BIGINT,
  last_timeout_at BIGINT
);
`,
};
