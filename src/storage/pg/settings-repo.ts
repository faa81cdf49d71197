// Settings staff change at run time on PostgreSQL, stored as JSON text by key, so that every
// node reads the same values.

import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgSettingsRepo returns the settings repository over PostgreSQL. */
export function createPgSettingsRepo(conn: PgConn): Repos['settings'] {
  return {
    async get(key: string) {
      const r = await conn.one<{ value: string }>('SELECT value FROM settings WHERE key = $1', [
        key,
      ]);
      return r === undefined ? undefined : (JSON.parse(r.value) as unknown);
    },
    async all() {
      const out: Record<string, unknown> = {};
      for (const r of await conn.query<{ key: string; value: string }>(
        'SELECT key, value FROM settings',
      ))
        out[r.key] = JSON.parse(r.value);
      return out;
    },
    async set(key: string, value: unknown) {
      await conn.run(
        'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, JSON.stringify(value)],
      );
    },
  };
}
