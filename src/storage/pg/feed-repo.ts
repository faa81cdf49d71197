// Calendar feeds on PostgreSQL: the same rows and answers as src/storage/feed-repo.ts.

import { FEED_INSERT, FEED_STATUS, FEED_UPDATE, feedFromRow, feedParams } from '../feed-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { named } from './named.js';

/** createPgFeedRepo returns the feed repository over `conn`. */
export function createPgFeedRepo(conn: PgConn): Repos['feeds'] {
  return {
    async insert(f, createdBy, now) {
      const q = named(`${FEED_INSERT} RETURNING id`, { ...feedParams(f), createdBy, now });
      return (await conn.one<{ id: number }>(q.text, q.values))!.id;
    },
    async update(id, f, now) {
      const q = named(FEED_UPDATE, { ...feedParams(f), id, now });
      return (await conn.run(q.text, q.values)) === 1;
    },
    async findById(id) {
      const r = await conn.one('SELECT * FROM feeds WHERE id = $1', [id]);
      return r ? feedFromRow(r) : undefined;
    },
    async list() {
      return (await conn.query('SELECT * FROM feeds ORDER BY id')).map(feedFromRow);
    },
    async remove(id) {
      return (await conn.run('DELETE FROM feeds WHERE id = $1', [id])) === 1;
    },
    async dueIds(now) {
      const rows = await conn.query<{ id: number }>(
        'SELECT id FROM feeds WHERE enabled = 1 AND next_poll_at <= $1 ORDER BY next_poll_at, id',
        [now],
      );
      return rows.map((r) => r.id);
    },
    async nextDueAt() {
      const r = await conn.one<{ at: number | null }>(
        'SELECT min(next_poll_at) AS at FROM feeds WHERE enabled = 1',
      );
      return r?.at ?? null;
    },
    async claim(id, seen, next) {
      const n = await conn.run(
        'UPDATE feeds SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3',
        [next, id, seen],
      );
      return n === 1;
    },
    async setStatus(id, s) {
      const q = named(FEED_STATUS, { ...s, id });
      await conn.run(q.text, q.values);
    },
  };
}
