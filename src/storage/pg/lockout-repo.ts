// Failure counters and lockouts on PostgreSQL, shared by every node, so that guessing on
// one node counts against the guesser on all of them.

import { rowToLockout, type LockoutRecord } from '../lockout-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { PG_LOCKS } from './locks.js';

/** createPgLockoutRepo returns the lockout repository over PostgreSQL. */
export function createPgLockoutRepo(conn: PgConn): Repos['lockouts'] {
  return {
    async count() {
      return (await conn.one<{ n: number }>('SELECT COUNT(*) AS n FROM lockouts'))!.n;
    },
    async trimOldest(n: number, now: number) {
      return conn.run(
        `DELETE FROM lockouts WHERE key IN (SELECT key FROM lockouts
          WHERE locked_until IS NULL OR locked_until < $1 ORDER BY last_failed_at LIMIT $2)`,
        [now, n],
      );
    },
    async lockForUpdate(keys: readonly string[]) {
      if (keys.length === 0) return;
      // An advisory lock per key, since the row may not exist yet (two first failures would
      // both insert and one count would be lost); in one order, so that two holders never
      // wait for each other.
      await conn.query(
        `SELECT pg_advisory_xact_lock(${PG_LOCKS.lockout[0]}, h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k) AS keys ORDER BY h`,
        [[...keys]],
      );
    },
    async get(key: string) {
      const r = await conn.one('SELECT * FROM lockouts WHERE key = $1', [key]);
      return r ? rowToLockout(r) : undefined;
    },
    async put(rec: LockoutRecord) {
      await conn.run(
        `INSERT INTO lockouts (key, failures, first_failed_at, last_failed_at, locked_until)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
           first_failed_at = excluded.first_failed_at, last_failed_at = excluded.last_failed_at,
           locked_until = excluded.locked_until`,
        [rec.key, rec.failures, rec.firstFailedAt, rec.lastFailedAt, rec.lockedUntil],
      );
    },
    async remove(key: string) {
      return (await conn.run('DELETE FROM lockouts WHERE key = $1', [key])) === 1;
    },
    async listRecent(now: number, since: number, limit = 200) {
      const rows = await conn.query(
        'SELECT * FROM lockouts WHERE locked_until > $1 OR last_failed_at > $2 ORDER BY last_failed_at DESC LIMIT $3',
        [now, since, limit],
      );
      return rows.map(rowToLockout);
    },
    async purgeOlderThan(before: number, now: number) {
      return conn.run(
        'DELETE FROM lockouts WHERE last_failed_at < $1 AND (locked_until IS NULL OR locked_until < $2)',
        [before, now],
      );
    },
  };
}
