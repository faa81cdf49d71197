// Marks of outgoing-webhook events that are raised once, or at most once a minute, kept in
// the database so every node sharing it sees them. Prepared statements, created once per
// database; every call runs inside the caller's transaction, so a mark rolls back with the
// event it guards.

import type { Db } from './database.js';

/** createEventMarkRepo returns the event-mark repository over `db`. */
export function createEventMarkRepo(db: Db) {
  const claim = db.prepare(
    'INSERT OR IGNORE INTO event_marks (event, subject, at) VALUES (?, ?, ?)',
  );
  // The upsert changes a row only when the previous mark is old enough (or there is none).
  const throttle = db.prepare(`INSERT INTO event_marks (event, subject, at) VALUES (?, ?, ?)
    ON CONFLICT (event, subject) DO UPDATE SET at = excluded.at WHERE at <= excluded.at - ?`);
  const has = db.prepare('SELECT 1 FROM event_marks WHERE event = ? AND subject = ?').pluck();
  const clear = db.prepare('DELETE FROM event_marks WHERE event = ? AND subject = ?');
  const prune = db.prepare('DELETE FROM event_marks WHERE event = ? AND at < ?');

  return {
    /** claim records `event` for `subject` and returns true, or false when it was already. */
    claim(event: string, subject: string, at: number): boolean {
      return claim.run(event, subject, at).changes === 1;
    },
    /**
     * throttle records `event` for `subject` at `at` and returns true, unless it was recorded
     * less than `intervalMs` before: then it changes nothing and returns false.
     */
    throttle(event: string, subject: string, at: number, intervalMs: number): boolean {
      return throttle.run(event, subject, at, intervalMs).changes === 1;
    },
    /** has returns true when `event` is recorded for `subject`. */
    has(event: string, subject: string): boolean {
      return has.get(event, subject) === 1;
    },
    /** clear forgets `event` for `subject`, so it may be raised again. */
    clear(event: string, subject: string): void {
      clear.run(event, subject);
    },
    /** prune forgets marks of `event` recorded before `before` and returns how many. */
    prune(event: string, before: number): number {
      return prune.run(event, before).changes;
    },
  };
}

/** EventMarkRepo is the event-mark repository's interface. */
export type EventMarkRepo = ReturnType<typeof createEventMarkRepo>;
