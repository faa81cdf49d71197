// Device bindings on PostgreSQL: the same rows and answers as src/storage/binding-repo.ts.

import type { Repos } from '../store.js';
import { toBinding } from '../binding-repo.js';
import type { PgConn } from './connection.js';

/** createPgBindingRepo returns the device-binding repository over `conn`. */
export function createPgBindingRepo(conn: PgConn): Repos['bindings'] {
  return {
    async findLive(mac) {
      const r = await conn.one(
        'SELECT * FROM device_bindings WHERE device_mac = $1 AND released_at IS NULL',
        [mac],
      );
      return r ? toBinding(r) : undefined;
    },
    async bind(tokenId, mac, nasId, now) {
      // Two statements, as on SQLite: a data-modifying CTE's release would not be visible to
      // the insert's check of the one-live-binding-per-MAC index in the same statement.
      await conn.run(
        'UPDATE device_bindings SET released_at = $1 WHERE device_mac = $2 AND released_at IS NULL',
        [now, mac],
      );
      const r = await conn.one<{ id: number }>(
        `INSERT INTO device_bindings (token_id, device_mac, nas_id, created_at)
        VALUES ($1, $2, $3, $4) RETURNING id`,
        [tokenId, mac, nasId, now],
      );
      return (r as { id: number }).id;
    },
    async release(tokenId, mac, now) {
      const n = await conn.run(
        `UPDATE device_bindings SET released_at = $1
        WHERE token_id = $2 AND device_mac = $3 AND released_at IS NULL`,
        [now, tokenId, mac],
      );
      return n > 0;
    },
    async liveOfToken(tokenId) {
      const rows = await conn.query(
        'SELECT * FROM device_bindings WHERE token_id = $1 AND released_at IS NULL ORDER BY id',
        [tokenId],
      );
      return rows.map(toBinding);
    },
  };
}
