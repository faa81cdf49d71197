// Staff sign-in sessions on PostgreSQL, so that a staff member stays signed in whichever
// node answers. Only a SHA-256 hash of the random session id is stored.

import type { Repos } from '../store.js';
import { rowToWebSession, type WebSessionRecord } from '../web-session-repo.js';
import type { PgConn } from './connection.js';

/** createPgWebSessionRepo returns the sign-in session repository over PostgreSQL. */
export function createPgWebSessionRepo(conn: PgConn): Repos['webSessions'] {
  return {
    async insert(s: Omit<WebSessionRecord, 'username' | 'role' | 'language' | 'userDisabledAt'>) {
      await conn.run(
        `INSERT INTO web_sessions (id_hash, user_id, csrf_secret, created_at, last_seen_at,
          expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [s.idHash, s.userId, s.csrfSecret, s.createdAt, s.lastSeenAt, s.expiresAt],
      );
    },
    async find(idHash: string) {
      const r = await conn.one(
        `SELECT w.*, u.username, u.role, u.language, u.disabled_at FROM web_sessions w
         JOIN staff_users u ON u.id = w.user_id WHERE w.id_hash = $1`,
        [idHash],
      );
      return r ? rowToWebSession(r) : undefined;
    },
    async touch(idHash: string, at: number) {
      await conn.run('UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2', [at, idHash]);
    },
    async remove(idHash: string) {
      return (await conn.run('DELETE FROM web_sessions WHERE id_hash = $1', [idHash])) === 1;
    },
    async removeForUser(userId: number, keep?: string) {
      return keep === undefined
        ? conn.run('DELETE FROM web_sessions WHERE user_id = $1', [userId])
        : conn.run('DELETE FROM web_sessions WHERE user_id = $1 AND id_hash <> $2', [userId, keep]);
    },
    async countForUser(userId: number) {
      const r = await conn.one<{ n: number }>(
        'SELECT COUNT(*) AS n FROM web_sessions WHERE user_id = $1',
        [userId],
      );
      return r!.n;
    },
    async purge(now: number, idleBefore: number) {
      return conn.run('DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2', [
        now,
        idleBefore,
      ]);
    },
  };
}
