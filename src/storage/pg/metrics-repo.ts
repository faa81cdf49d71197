// The scrape-time counts on PostgreSQL: the same queries as src/storage/metrics-repo.ts. The
// SQLite file sizes become the database's size as the server reports it; PostgreSQL's WAL is
// the server's, shared by every database on it, so it is not reported per database.

import { METRICS_SQL, byStatus } from '../metrics-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgMetricsRepo returns the scrape-time counts over `conn`. */
export function createPgMetricsRepo(conn: PgConn): Repos['metrics'] {
  return {
    openSessions: async () => byStatus(await conn.query(METRICS_SQL.openSessions)),
    async coaQueue() {
      const rows = await conn.query<{ router: string; n: number }>(METRICS_SQL.coaQueue);
      return Object.fromEntries(rows.map((r) => [r.router, r.n]));
    },
    async routerNames() {
      // SQLite orders the NOCASE column by its ASCII lower case, byte by byte.
      const rows = await conn.query<{ name: string }>(
        'SELECT name FROM nas_clients ORDER BY lower(name) COLLATE "C", name COLLATE "C"',
      );
      return rows.map((r) => r.name);
    },
    emailOutbox: async () => byStatus(await conn.query(METRICS_SQL.emailOutbox)),
    webhookOutbox: async () => byStatus(await conn.query(METRICS_SQL.webhookOutbox)),
    async activeLockouts(now) {
      const r = await conn.one<{ n: number }>(
        'SELECT COUNT(*) AS n FROM lockouts WHERE locked_until IS NOT NULL AND locked_until > $1',
        [now],
      );
      return r!.n;
    },
    async fileSizes() {
      const r = await conn.one<{ db: number }>('SELECT pg_database_size(current_database()) AS db');
      return { db: r!.db, wal: null };
    },
  };
}
