// Failure counters and lockouts for guessing defence, keyed by what was guessed from
// (`ip:192.0.2.7` and `mac:aa-bb-..` for guests, `staff:alice` and `staff-ip:192.0.2.7` for
// staff sign-in).

import type { Db } from './database.js';

/** LockoutRecord is one key's failure count and lockout. */
export type LockoutRecord = {
  key: string;
  failures: number;
  firstFailedAt: number;
  lastFailedAt: number;
  lockedUntil: number | null;
};

type Row = Record<string, unknown>;
/** rowToLockout returns the LockoutRecord for a lockouts row. */
export const rowToLockout = (r: Row): LockoutRecord => ({
  key: r.key as string,
  failures: r.failures as number,
  firstFailedAt: r.first_failed_at as number,
  lastFailedAt: r.last_failed_at as number,
  lockedUntil: r.locked_until as number | null,
});

/** createLockoutRepo returns the lockout repository over `db`. */
export function createLockoutRepo(db: Db) {
  const get = db.prepare('SELECT * FROM lockouts WHERE key = ?');
  const put =
    db.prepare(`INSERT INTO lockouts (key, failures, first_failed_at, last_failed_at, locked_until)
    VALUES (@key, @failures, @firstFailedAt, @lastFailedAt, @lockedUntil)
    ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_failed_at = excluded.first_failed_at,
    last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until`);
  const del = db.prepare('DELETE FROM lockouts WHERE key = ?');
  const recent = db.prepare(
    'SELECT * FROM lockouts WHERE locked_until > ? OR last_failed_at > ? ORDER BY last_failed_at DESC LIMIT ?',
  );
  const purge = db.prepare(
    'DELETE FROM lockouts WHERE last_failed_at < ? AND (locked_until IS NULL OR locked_until < ?)',
  );
  const count = db.prepare('SELECT count(*) FROM lockouts').pluck();
  const trim = db.prepare(`DELETE FROM lockouts WHERE key IN (SELECT key FROM lockouts
    WHERE locked_until IS NULL OR locked_until < ? ORDER BY last_failed_at LIMIT ?)`);
  return {
    /** count returns how many keys have a record. */
    count(): number {
      return count.get() as number;
    },
    /** trimOldest deletes up to `n` records without a running lockout, least recent first. */
    trimOldest(n: number, now: number): number {
      return trim.run(now, n).changes;
    },
    /**
     * lockForUpdate holds `keys` (whether their rows exist or not) until the transaction
     * ends, so that failure counts read and written back by transactions side by side are
     * not lost. A no-op on SQLite, whose write transaction already excludes every other writer.
     */
    lockForUpdate(keys: readonly string[]): void {
      void keys;
    },
    /** get returns a key's record or undefined. */
    get(key: string): LockoutRecord | undefined {
      const r = get.get(key) as Row | undefined;
      return r ? rowToLockout(r) : undefined;
    },
    /** put stores a key's record. */
    put(rec: LockoutRecord): void {
      put.run(rec);
    },
    /** remove deletes a key's record; false when there was none. */
    remove(key: string): boolean {
      return del.run(key).changes === 1;
    },
    /** listRecent returns keys locked at `now` or with a failure after `since`, newest first. */
    listRecent(now: number, since: number, limit = 200): LockoutRecord[] {
      return (recent.all(now, since, limit) as Row[]).map(rowToLockout);
    },
    /** purgeOlderThan deletes records with no failure since `before` and no running lockout. */
    purgeOlderThan(before: number, now: number): number {
      return purge.run(before, now).changes;
    },
  };
}

/** LockoutRepo is the lockout repository's interface. */
export type LockoutRepo = ReturnType<typeof createLockoutRepo>;
