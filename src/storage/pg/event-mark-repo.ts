// Event marks on PostgreSQL: the same answers as src/storage/event-mark-repo.ts. Both the
// once-only claim and the throttle are one statement, so two nodes raising the same event at
// once get one true between them (the second waits on the first's row, then conflicts).

import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgEventMarkRepo returns the event-mark repository over `conn`. */
export function createPgEventMarkRepo(conn: PgConn): Repos['eventMarks'] {
  return {
    async claim(event, subject, at) {
      const n = await conn.run(
        `INSERT INTO event_marks (event, subject, at) VALUES ($1, $2, $3)
        ON CONFLICT (event, subject) DO NOTHING`,
        [event, subject, at],
      );
      return n === 1;
    },
    async throttle(event, subject, at, intervalMs) {
      const n = await conn.run(
        `INSERT INTO event_marks (event, subject, at) VALUES ($1, $2, $3)
        ON CONFLICT (event, subject) DO UPDATE SET at = excluded.at
        WHERE event_marks.at <= excluded.at - $4`,
        [event, subject, at, intervalMs],
      );
      return n === 1;
    },
    async has(event, subject) {
      const r = await conn.one('SELECT 1 FROM event_marks WHERE event = $1 AND subject = $2', [
        event,
        subject,
      ]);
      return r !== undefined;
    },
    async clear(event, subject) {
      await conn.run('DELETE FROM event_marks WHERE event = $1 AND subject = $2', [event, subject]);
    },
    prune: (event, before) =>
      conn.run('DELETE FROM event_marks WHERE event = $1 AND at < $2', [event, before]),
  };
}
