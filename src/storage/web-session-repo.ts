// Staff sign-in sessions. Only a SHA-256 hash of the random session id is stored, so a copy
// of the database does not let anyone sign in as staff.

import type { Db } from './database.js';
import type { StaffLanguage, StaffRole } from './staff-repo.js';

/** WebSessionRecord is a stored sign-in session with the account it belongs to. */
export type WebSessionRecord = {
  idHash: string;
  userId: number;
  username: string;
  role: StaffRole;
  language: StaffLanguage;
  userDisabledAt: number | null;
  csrfSecret: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
};

type Row = Record<string, unknown>;

/** rowToWebSession returns the WebSessionRecord for a web_sessions row joined with its account. */
export const rowToWebSession = (r: Row): WebSessionRecord => ({
  idHash: r.id_hash as string,
  userId: r.user_id as number,
  username: r.username as string,
  role: r.role as StaffRole,
  language: (r.language as StaffLanguage | undefined) ?? 'en',
  userDisabledAt: r.disabled_at as number | null,
  csrfSecret: r.csrf_secret as string,
  createdAt: r.created_at as number,
  lastSeenAt: r.last_seen_at as number,
  expiresAt: r.expires_at as number,
});

/** createWebSessionRepo returns the sign-in session repository over `db`. */
export function createWebSessionRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO web_sessions (id_hash, user_id, csrf_secret, created_at,
    last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`);
  const find =
    db.prepare(`SELECT w.*, u.username, u.role, u.language, u.disabled_at FROM web_sessions w
    JOIN staff_users u ON u.id = w.user_id WHERE w.id_hash = ?`);
  const touch = db.prepare('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?');
  const del = db.prepare('DELETE FROM web_sessions WHERE id_hash = ?');
  const delUser = db.prepare('DELETE FROM web_sessions WHERE user_id = ?');
  const delUserExcept = db.prepare('DELETE FROM web_sessions WHERE user_id = ? AND id_hash <> ?');
  const countUser = db.prepare('SELECT COUNT(*) FROM web_sessions WHERE user_id = ?').pluck();
  const purge = db.prepare('DELETE FROM web_sessions WHERE expires_at <= ? OR last_seen_at <= ?');
  return {
    /** insert stores a new session. */
    insert(s: Omit<WebSessionRecord, 'username' | 'role' | 'language' | 'userDisabledAt'>): void {
      insert.run(s.idHash, s.userId, s.csrfSecret, s.createdAt, s.lastSeenAt, s.expiresAt);
    },
    /** find returns the session with this id hash and its account, or undefined. */
    find(idHash: string): WebSessionRecord | undefined {
      const r = find.get(idHash) as Row | undefined;
      return r ? rowToWebSession(r) : undefined;
    },
    /** touch records activity on a session at `at`. */
    touch(idHash: string, at: number): void {
      touch.run(at, idHash);
    },
    /** remove deletes one session; false when there was none. */
    remove(idHash: string): boolean {
      return del.run(idHash).changes === 1;
    },
    /** removeForUser deletes every session of an account (but `keep`) and returns how many. */
    removeForUser(userId: number, keep?: string): number {
      return (keep === undefined ? delUser.run(userId) : delUserExcept.run(userId, keep)).changes;
    },
    /** countForUser returns how many sessions an account has. */
    countForUser(userId: number): number {
      return countUser.get(userId) as number;
    },
    /** purge deletes sessions past their absolute expiry or idle since `idleBefore`. */
    purge(now: number, idleBefore: number): number {
      return purge.run(now, idleBefore).changes;
    },
  };
}

/** WebSessionRepo is the sign-in session repository's interface. */
export type WebSessionRepo = ReturnType<typeof createWebSessionRepo>;
