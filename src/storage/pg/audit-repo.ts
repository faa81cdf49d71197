// The audit log on PostgreSQL: who did what, newest first.

import { rowToAuditEntry, type AuditEntry, type AuditFilter } from '../audit-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgAuditRepo returns the audit log repository over PostgreSQL. */
export function createPgAuditRepo(conn: PgConn): Repos['audit'] {
  return {
    async record(e: Omit<AuditEntry, 'id'>) {
      await conn.run(
        'INSERT INTO audit_log (at, actor, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          e.at,
          e.actor,
          e.action,
          e.targetType,
          e.targetId,
          e.details ? JSON.stringify(e.details) : null,
        ],
      );
    },
    async list(limit: number, offset = 0) {
      const rows = await conn.query('SELECT * FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2', [
        limit,
        offset,
      ]);
      return rows.map(rowToAuditEntry);
    },
    async search(filter: AuditFilter, limit: number, offset = 0) {
      // One statement for every combination of filters: a null parameter means "any".
      const rows = await conn.query(
        `SELECT * FROM audit_log
         WHERE ($1::text IS NULL OR actor = $1)
           AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS p (prefix)
                WHERE left(audit_log.action, length(p.prefix)) = p.prefix))
           AND ($3::bigint IS NULL OR at >= $3) AND ($4::bigint IS NULL OR at < $4)
         ORDER BY id DESC LIMIT $5 OFFSET $6`,
        [
          filter.actor ?? null,
          filter.actionPrefixes ? [...filter.actionPrefixes] : null,
          filter.since ?? null,
          filter.until ?? null,
          limit,
          offset,
        ],
      );
      return rows.map(rowToAuditEntry);
    },
    async actors() {
      const rows = await conn.query<{ actor: string }>(
        'SELECT actor FROM (SELECT DISTINCT actor FROM audit_log) a ORDER BY actor COLLATE "C" LIMIT 500',
      );
      return rows.map((r) => r.actor);
    },
  };
}
