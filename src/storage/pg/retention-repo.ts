// The retention job's queries on PostgreSQL: the same chunks and totals as
// src/storage/retention-repo.ts.

import {
  ENDED_TOKENS,
  STARTED_PAGE,
  TOKEN_MARKS_DELETE,
  USAGE_COLUMNS,
  USAGE_DAY_ADD,
  usageDayFromRow,
  usageFromRow,
  type UsageRow,
} from '../retention-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { named } from './named.js';

/** createPgRetentionRepo returns the retention job's queries over `conn`. */
export function createPgRetentionRepo(conn: PgConn): Repos['retention'] {
  const run = (sql: string, params: Record<string, unknown>) => {
    const q = named(sql, params);
    return conn.run(q.text, q.values);
  };
  const ids = async (sql: string, params: unknown[]) =>
    (await conn.query<{ id: number }>(sql, params)).map((r) => r.id);
  return {
    async oldClosedSessions(cutoff, limit) {
      const rows = await conn.query(
        `SELECT ${USAGE_COLUMNS} FROM sessions WHERE status = 'closed' AND stopped_at < $1
         ORDER BY stopped_at LIMIT $2`,
        [cutoff, limit],
      );
      return rows.map(usageFromRow);
    },
    oldLapsedReservations: (cutoff, limit) =>
      ids(
        `SELECT id FROM sessions WHERE status = 'closed' AND stopped_at IS NULL
         AND started_at IS NULL AND reserved_at < $1 LIMIT $2`,
        [cutoff, limit],
      ),
    async sessionsOfToken(tokenId) {
      const rows = await conn.query(`SELECT ${USAGE_COLUMNS} FROM sessions WHERE token_id = $1`, [
        tokenId,
      ]);
      return rows.map(usageFromRow);
    },
    async addUsageDay(d) {
      await run(USAGE_DAY_ADD, d);
    },
    async deleteSession(id) {
      await conn.run('DELETE FROM coa_jobs WHERE session_id = $1', [id]);
      await conn.run('DELETE FROM sessions WHERE id = $1', [id]);
    },
    deleteAudit: (cutoff, limit) =>
      conn.run(
        'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)',
        [cutoff, limit],
      ),
    deleteSentEmails: (cutoff, limit) =>
      conn.run(
        `DELETE FROM email_outbox WHERE id IN
         (SELECT id FROM email_outbox WHERE status = 'sent' AND sent_at < $1 LIMIT $2)`,
        [cutoff, limit],
      ),
    deleteDeliveredWebhooks: (cutoff, limit) =>
      conn.run(
        `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
         WHERE status = 'delivered' AND delivered_at < $1 LIMIT $2)`,
        [cutoff, limit],
      ),
    async endedTokens(cutoff, limit) {
      const q = named(ENDED_TOKENS, { cutoff, limit });
      return ids(q.text, q.values);
    },
    async deleteToken(id) {
      await conn.run('DELETE FROM token_coverage WHERE token_id = $1', [id]);
      await conn.run('DELETE FROM device_bindings WHERE token_id = $1', [id]);
      await run(TOKEN_MARKS_DELETE.replaceAll('@id', 'CAST(@id AS TEXT)'), { id: String(id) });
      await conn.run('DELETE FROM tokens WHERE id = $1', [id]);
    },
    async usageDays() {
      const rows = await conn.query(
        'SELECT day, sessions, session_seconds, input_octets, output_octets FROM usage_days ORDER BY day COLLATE "C"',
      );
      return rows.map(usageDayFromRow);
    },
    async *startedSessions(pageSize = 1000): AsyncGenerator<UsageRow> {
      // Keyset pages, as on SQLite: no cursor or transaction stays open between pages.
      let after = 0;
      for (;;) {
        const q = named(STARTED_PAGE, { after, limit: pageSize });
        const rows = await conn.query(q.text, q.values);
        for (const r of rows) yield usageFromRow(r);
        const last = rows.at(-1);
        if (rows.length < pageSize || last === undefined) return;
        after = last.id as number;
      }
    },
  };
}
