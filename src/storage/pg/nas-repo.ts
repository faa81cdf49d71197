// Routers on PostgreSQL: the same rows and answers as src/storage/nas-repo.ts. SQLite's name
// column is COLLATE NOCASE (ASCII letters folded, then compared byte by byte); the same
// comparison here is lower() under the "C" collation, which folds only ASCII letters.

import type { Repos } from '../store.js';
import { NAS_COLUMNS, nasToDb, toNas, type NewNas } from '../nas-repo.js';
import type { PgConn } from './connection.js';

const NOCASE_NAME = 'lower(name COLLATE "C")';

/** createPgNasRepo returns the router repository over `conn`. */
export function createPgNasRepo(conn: PgConn): Repos['nas'] {
  const one = async (text: string, params: readonly unknown[]) => {
    const r = await conn.one(text, params);
    return r ? toNas(r) : undefined;
  };
  return {
    async list() {
      const rows = await conn.query(`SELECT * FROM nas_clients ORDER BY ${NOCASE_NAME}, name`);
      return rows.map(toNas);
    },
    findById: (id) => one('SELECT * FROM nas_clients WHERE id = $1', [id]),
    findByAddress: (address) => one('SELECT * FROM nas_clients WHERE address = $1', [address]),
    findByName: (name) =>
      one(`SELECT * FROM nas_clients WHERE ${NOCASE_NAME} = lower($1 COLLATE "C")`, [name]),
    async insert(n) {
      const keys = [...Object.keys(NAS_COLUMNS), 'createdAt'] as Array<keyof NewNas>;
      const cols = keys.map((k) =>
        k === 'createdAt' ? 'created_at' : NAS_COLUMNS[k as keyof typeof NAS_COLUMNS],
      );
      const r = await conn.one<{ id: number }>(
        `INSERT INTO nas_clients (${cols.join(', ')})
        VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        keys.map((k) => nasToDb(n[k])),
      );
      return (r as { id: number }).id;
    },
    async update(id, u) {
      const keys = Object.keys(u) as Array<keyof typeof NAS_COLUMNS>;
      if (keys.length === 0) return true;
      const sets = keys.map((k, i) => `${NAS_COLUMNS[k]} = $${i + 1}`).join(', ');
      const n = await conn.run(`UPDATE nas_clients SET ${sets} WHERE id = $${keys.length + 1}`, [
        ...keys.map((k) => nasToDb(u[k])),
        id,
      ]);
      return n === 1;
    },
    async remove(id) {
      return (await conn.run('DELETE FROM nas_clients WHERE id = $1', [id])) === 1;
    },
    async markSeen(id, at) {
      // On every node's RADIUS batches: a row another node's open batch is marking is left to
      // it (SKIP LOCKED) rather than waited for, so batches of two nodes never queue here.
      await conn.run(
        `UPDATE nas_clients SET last_seen_at = $2 WHERE id = (SELECT id FROM nas_clients
        WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $2) FOR UPDATE SKIP LOCKED)`,
        [id, at],
      );
    },
  };
}
