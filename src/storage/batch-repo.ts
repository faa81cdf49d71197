// Batches of tokens (an event, a bulk run), listed with how many live tokens each still has.

import type { Db } from './database.js';

/** BatchSummary is a batch with its count of tokens not deleted. */
export type BatchSummary = { id: number; name: string; createdAt: number; tokens: number };

/** rowToBatchSummary returns the BatchSummary for a row of id, name, created_at and tokens. */
export const rowToBatchSummary = (r: Record<string, unknown>): BatchSummary => ({
  id: r.id as number,
  name: r.name as string,
  createdAt: r.created_at as number,
  tokens: r.tokens as number,
});

/** createBatchRepo returns the batch listing repository over `db`. */
export function createBatchRepo(db: Db) {
  const recent = db.prepare(`SELECT b.id, b.name, b.created_at,
    (SELECT COUNT(*) FROM tokens t WHERE t.batch_id = b.id AND t.deleted_at IS NULL) AS tokens
    FROM batches b ORDER BY b.id DESC LIMIT ?`);
  return {
    /** listRecent returns the newest batches that still have tokens, newest first. */
    listRecent(limit: number): BatchSummary[] {
      return (recent.all(limit * 2) as Array<Record<string, unknown>>)
        .map(rowToBatchSummary)
        .filter((b) => b.tokens > 0)
        .slice(0, limit);
    },
  };
}

/** BatchRepo is the batch listing repository's interface. */
export type BatchRepo = ReturnType<typeof createBatchRepo>;
