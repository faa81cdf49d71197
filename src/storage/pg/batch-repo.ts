// Batches of tokens on PostgreSQL, listed with how many live tokens each still has.

import { rowToBatchSummary } from '../batch-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgBatchRepo returns the batch listing repository over PostgreSQL. */
export function createPgBatchRepo(conn: PgConn): Repos['batches'] {
  return {
    async listRecent(limit: number) {
      const rows = await conn.query(
        `SELECT b.id, b.name, b.created_at,
          (SELECT COUNT(*) FROM tokens t WHERE t.batch_id = b.id AND t.deleted_at IS NULL) AS tokens
         FROM batches b ORDER BY b.id DESC LIMIT $1`,
        [limit * 2],
      );
      return rows
        .map(rowToBatchSummary)
        .filter((b) => b.tokens > 0)
        .slice(0, limit);
    },
  };
}
