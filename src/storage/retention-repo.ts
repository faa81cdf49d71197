// What the retention job reads and deletes. Every delete takes a bounded chunk (the job runs
// many short transactions, so RADIUS never waits long for the write lock), and the sessions
// it deletes are summed into usage_days first, in the same transaction.

import type { Db } from './database.js';

/** UsageRow is one session's usage as the per-day totals sum it. */
export type UsageRow = {
  id: number;
  startedAt: number;
  seconds: number;
  inputOctets: number;
  outputOctets: number;
};

/** UsageDay is one day's summed usage. */
export type UsageDay = {
  day: string;
  sessions: number;
  seconds: number;
  inputOctets: number;
  outputOctets: number;
};

type Row = Record<string, unknown>;
/** usageFromRow returns the UsageRow of a session row read with USAGE_COLUMNS. */
export const usageFromRow = (r: Row): UsageRow => ({
  id: r.id as number,
  startedAt: r.started_at as number,
  seconds: r.session_seconds as number,
  inputOctets: r.input_octets as number,
  outputOctets: r.output_octets as number,
});
/** usageDayFromRow returns the UsageDay of a `usage_days` row. */
export const usageDayFromRow = (r: Row): UsageDay => ({
  day: r.day as string,
  sessions: r.sessions as number,
  seconds: r.session_seconds as number,
  inputOctets: r.input_octets as number,
  outputOctets: r.output_octets as number,
});

/** USAGE_COLUMNS are the session columns usageFromRow reads. */
export const USAGE_COLUMNS = 'id, started_at, session_seconds, input_octets, output_octets';

/** USAGE_DAY_ADD adds a day's summed usage to the stored totals (named parameters: UsageDay). */
export const USAGE_DAY_ADD = `INSERT INTO usage_days (day, sessions, session_seconds, input_octets,
    output_octets) VALUES (@day, @sessions, @seconds, @inputOctets, @outputOctets)
    ON CONFLICT (day) DO UPDATE SET sessions = usage_days.sessions + excluded.sessions,
      session_seconds = usage_days.session_seconds + excluded.session_seconds,
      input_octets = usage_days.input_octets + excluded.input_octets,
      output_octets = usage_days.output_octets + excluded.output_octets`;

/**
 * ENDED_TOKENS selects up to @limit tokens that ended (revoked, deleted, past valid-until or
 * their first-use lifetime) before @cutoff, with nothing open and no booking pointing at them.
 */
export const ENDED_TOKENS = `SELECT t.id FROM tokens t
       WHERE (t.revoked_at < @cutoff OR t.deleted_at < @cutoff OR t.valid_until < @cutoff
              OR (t.first_used_at IS NOT NULL AND t.expires_after_first_use_minutes IS NOT NULL
                  AND t.first_used_at + t.expires_after_first_use_minutes * 60000 < @cutoff))
         AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.token_id = t.id AND s.status <> 'closed')
         AND NOT EXISTS (SELECT 1 FROM booking_tokens b WHERE b.token_id = t.id)
       LIMIT @limit`;

/** TOKEN_MARKS_DELETE deletes the event marks of token @id (given as text) and of its sessions. */
export const TOKEN_MARKS_DELETE =
  "DELETE FROM event_marks WHERE subject = 'token:' || @id OR subject LIKE 'token:' || @id || '/%'";

/** STARTED_PAGE reads the next page (@after, @limit) of sessions that went online, by id. */
export const STARTED_PAGE = `SELECT ${USAGE_COLUMNS} FROM sessions
    WHERE started_at IS NOT NULL AND id > @after ORDER BY id LIMIT @limit`;

/** createRetentionRepo returns the retention job's queries over `db`. */
export function createRetentionRepo(db: Db) {
  const oldSessions = db.prepare(`SELECT ${USAGE_COLUMNS} FROM sessions
    WHERE status = 'closed' AND stopped_at < ? ORDER BY stopped_at LIMIT ?`);
  // A session closed without ever starting (a reservation that lapsed) carries no usage;
  // stopped_at is null for it, so its reservation time decides.
  const oldLapsed = db
    .prepare(
      `SELECT id FROM sessions WHERE status = 'closed' AND stopped_at IS NULL AND started_at IS NULL
       AND reserved_at < ? LIMIT ?`,
    )
    .pluck();
  const sessionsOfToken = db.prepare(`SELECT ${USAGE_COLUMNS} FROM sessions WHERE token_id = ?`);
  const addDay = db.prepare(USAGE_DAY_ADD);
  const delJobs = db.prepare('DELETE FROM coa_jobs WHERE session_id = ?');
  const delSession = db.prepare('DELETE FROM sessions WHERE id = ?');
  const delAudit = db.prepare(
    'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)',
  );
  const delEmails = db.prepare(`DELETE FROM email_outbox WHERE id IN
    (SELECT id FROM email_outbox WHERE status = 'sent' AND sent_at < ? LIMIT ?)`);
  const delDeliveries = db.prepare(`DELETE FROM webhook_deliveries WHERE id IN
    (SELECT id FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < ? LIMIT ?)`);
  const oldTokens = db.prepare(ENDED_TOKENS).pluck();
  const delCoverage = db.prepare('DELETE FROM token_coverage WHERE token_id = ?');
  const delBindings = db.prepare('DELETE FROM device_bindings WHERE token_id = ?');
  const delMarks = db.prepare(TOKEN_MARKS_DELETE);
  const delToken = db.prepare('DELETE FROM tokens WHERE id = ?');
  const days = db.prepare(
    'SELECT day, sessions, session_seconds, input_octets, output_octets FROM usage_days ORDER BY day',
  );
  const started = db.prepare(STARTED_PAGE);

  return {
    /** oldClosedSessions returns up to `limit` sessions closed before `cutoff`, oldest first. */
    oldClosedSessions(cutoff: number, limit: number): UsageRow[] {
      return (oldSessions.all(cutoff, limit) as Row[]).map(usageFromRow);
    },
    /** oldLapsedReservations returns up to `limit` ids of reservations that never started. */
    oldLapsedReservations(cutoff: number, limit: number): number[] {
      return oldLapsed.all(cutoff, limit) as number[];
    },
    /** sessionsOfToken returns every session of a token with its usage. */
    sessionsOfToken(tokenId: number): UsageRow[] {
      return (sessionsOfToken.all(tokenId) as Row[]).map(usageFromRow);
    },
    /** addUsageDay adds a day's summed usage to the stored totals. */
    addUsageDay(d: UsageDay): void {
      addDay.run(d);
    },
    /** deleteSession deletes a session and its Disconnect/CoA jobs. */
    deleteSession(id: number): void {
      delJobs.run(id);
      delSession.run(id);
    },
    /** deleteAudit deletes up to `limit` audit rows older than `cutoff`; returns how many. */
    deleteAudit(cutoff: number, limit: number): number {
      return delAudit.run(cutoff, limit).changes;
    },
    /** deleteSentEmails deletes up to `limit` e-mails sent before `cutoff`; returns how many. */
    deleteSentEmails(cutoff: number, limit: number): number {
      return delEmails.run(cutoff, limit).changes;
    },
    /** deleteDeliveredWebhooks deletes up to `limit` deliveries (with their attempts) made before `cutoff`. */
    deleteDeliveredWebhooks(cutoff: number, limit: number): number {
      return delDeliveries.run(cutoff, limit).changes;
    },
    /** endedTokens returns up to `limit` ids of tokens that ended before `cutoff` and hold nothing open. */
    endedTokens(cutoff: number, limit: number): number[] {
      return oldTokens.all({ cutoff, limit }) as number[];
    },
    /** deleteToken deletes a token whose sessions are already gone, and what hangs off it. */
    deleteToken(id: number): void {
      delCoverage.run(id);
      delBindings.run(id);
      delMarks.run({ id: String(id) });
      delToken.run(id);
    },
    /** usageDays returns the stored per-day totals, oldest first. */
    usageDays(): UsageDay[] {
      return (days.all() as Row[]).map(usageDayFromRow);
    },
    /**
     * startedSessions yields every session that went online, with its usage, in id order. It
     * reads pages by id rather than holding one statement open: better-sqlite3 refuses every
     * write on the connection while a statement iterates.
     */
    *startedSessions(pageSize = 1000): Generator<UsageRow> {
      let after = 0;
      for (;;) {
        const rows = started.all({ after, limit: pageSize }) as Row[];
        for (const r of rows) yield usageFromRow(r);
        const last = rows.at(-1);
        if (rows.length < pageSize || last === undefined) return;
        after = last.id as number;
      }
    },
  };
}

/** RetentionRepo is the retention job's queries' interface. */
export type RetentionRepo = ReturnType<typeof createRetentionRepo>;
