// Settings staff change at run time, stored as JSON values by key.

import type { Db } from './database.js';

/** createSettingsRepo returns the settings repository over `db`. */
export function createSettingsRepo(db: Db) {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const all = db.prepare('SELECT key, value FROM settings');
  const put = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    /** get returns the parsed value of `key`, or undefined when unset. */
    get(key: string): unknown {
      const v = get.get(key) as string | undefined;
      return v === undefined ? undefined : JSON.parse(v);
    },
    /** all returns every stored setting as an object. */
    all(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const r of all.all() as Array<{ key: string; value: string }>)
        out[r.key] = JSON.parse(r.value);
      return out;
    },
    /** set stores `value` (JSON-serialisable) under `key`. */
    set(key: string, value: unknown): void {
      put.run(key, JSON.stringify(value));
    },
  };
}

/** SettingsRepo is the settings repository's interface. */
export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
