// The lease repository on PostgreSQL: the same acquire-or-renew statement as on SQLite. Two
// nodes racing for one lease serialise on the row's lock inside INSERT … ON CONFLICT, and the
// one that comes second sees the winner's row, so at most one of them gets it back.

import type { Repos } from '../store.js';
import { LEASE_ACQUIRE_SQL, toLease } from '../lease-repo.js';
import type { PgConn } from './connection.js';

/** numbered returns `sql` with its `?` placeholders as PostgreSQL's `$1`, `$2`, …. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const ACQUIRE = numbered(LEASE_ACQUIRE_SQL);

/** createPgLeaseRepo returns the lease repository over `conn`. */
export function createPgLeaseRepo(conn: PgConn): Repos['leases'] {
  return {
    async acquire(name, holder, now, expiresAt) {
      return (await conn.one(ACQUIRE, [name, holder, expiresAt, now])) !== undefined;
    },
    async release(name, holder) {
      return (
        (await conn.run('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder])) === 1
      );
    },
    async find(name) {
      const r = await conn.one('SELECT name, holder, expires_at FROM leases WHERE name = $1', [
        name,
      ]);
      return r && toLease(r);
    },
  };
}
