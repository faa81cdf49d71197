// Staff accounts on PostgreSQL. Usernames compare as SQLite's NOCASE column does: ASCII
// letters without case, everything else bytewise.

import { rowToStaffUser, type StaffLanguage, type StaffRole } from '../staff-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';

/** createPgStaffRepo returns the staff account repository over PostgreSQL. */
export function createPgStaffRepo(conn: PgConn): Repos['staff'] {
  return {
    async insert(username: string, passwordHash: string, role: StaffRole, now: number) {
      const r = await conn.one<{ id: number }>(
        'INSERT INTO staff_users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [username, passwordHash, role, now],
      );
      return r!.id;
    },
    async findByUsername(username: string) {
      const r = await conn.one(
        'SELECT * FROM staff_users WHERE lower(username COLLATE "C") = lower($1::text COLLATE "C")',
        [username],
      );
      return r ? rowToStaffUser(r) : undefined;
    },
    async findById(id: number) {
      const r = await conn.one('SELECT * FROM staff_users WHERE id = $1', [id]);
      return r ? rowToStaffUser(r) : undefined;
    },
    async list() {
      const rows = await conn.query(
        'SELECT * FROM staff_users ORDER BY lower(username COLLATE "C"), username COLLATE "C"',
      );
      return rows.map(rowToStaffUser);
    },
    async count() {
      return (await conn.one<{ n: number }>('SELECT COUNT(*) AS n FROM staff_users'))!.n;
    },
    async setPasswordHash(id: number, hash: string) {
      await conn.run('UPDATE staff_users SET password_hash = $1 WHERE id = $2', [hash, id]);
    },
    async setDisabled(id: number, at: number | null) {
      await conn.run('UPDATE staff_users SET disabled_at = $1 WHERE id = $2', [at, id]);
    },
    async setRole(id: number, role: StaffRole) {
      await conn.run('UPDATE staff_users SET role = $1 WHERE id = $2', [role, id]);
    },
    async setLanguage(id: number, language: StaffLanguage) {
      await conn.run('UPDATE staff_users SET language = $1 WHERE id = $2', [language, id]);
    },
  };
}
