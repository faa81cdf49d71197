// Staff accounts. Only password hashes are stored; hashing happens in services/.

import type { Db } from './database.js';

/** STAFF_ROLES: admin may do everything, staff may manage tokens and sessions. */
export const STAFF_ROLES = ['admin', 'staff'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** STAFF_LANGUAGES are the languages the dashboard speaks (schema 15). */
export const STAFF_LANGUAGES = ['en', 'de'] as const;
export type StaffLanguage = (typeof STAFF_LANGUAGES)[number];

/** StaffUser is a staff account as storage returns it. */
export type StaffUser = {
  id: number;
  username: string;
  passwordHash: string;
  role: StaffRole;
  createdAt: number;
  disabledAt: number | null;
  language: StaffLanguage;
};

type Row = Record<string, unknown>;
/** rowToStaffUser returns the StaffUser for a staff_users row. */
export const rowToStaffUser = (r: Row): StaffUser => ({
  id: r.id as number,
  username: r.username as string,
  passwordHash: r.password_hash as string,
  role: r.role as StaffRole,
  createdAt: r.created_at as number,
  disabledAt: r.disabled_at as number | null,
  language: (r.language as StaffLanguage | undefined) ?? 'en',
});

/** createStaffRepo returns the staff account repository over `db`. */
export function createStaffRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO staff_users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)',
  );
  const byName = db.prepare('SELECT * FROM staff_users WHERE username = ?');
  const byId = db.prepare('SELECT * FROM staff_users WHERE id = ?');
  const all = db.prepare('SELECT * FROM staff_users ORDER BY username');
  const count = db.prepare('SELECT COUNT(*) FROM staff_users').pluck();
  const setHash = db.prepare('UPDATE staff_users SET password_hash = ? WHERE id = ?');
  const setDisabled = db.prepare('UPDATE staff_users SET disabled_at = ? WHERE id = ?');
  const setRole = db.prepare('UPDATE staff_users SET role = ? WHERE id = ?');
  const setLanguage = db.prepare('UPDATE staff_users SET language = ? WHERE id = ?');
  return {
    /** insert adds an account and returns its id; a taken username throws a UNIQUE error. */
    insert(username: string, passwordHash: string, role: StaffRole, now: number): number {
      return Number(insert.run(username, passwordHash, role, now).lastInsertRowid);
    },
    /** findByUsername returns the account (case-insensitive) or undefined. */
    findByUsername(username: string): StaffUser | undefined {
      const r = byName.get(username) as Row | undefined;
      return r ? rowToStaffUser(r) : undefined;
    },
    /** findById returns the account or undefined. */
    findById(id: number): StaffUser | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? rowToStaffUser(r) : undefined;
    },
    /** list returns every account by username. */
    list(): StaffUser[] {
      return (all.all() as Row[]).map(rowToStaffUser);
    },
    /** count returns how many accounts exist. */
    count(): number {
      return count.get() as number;
    },
    /** setPasswordHash replaces an account's password hash. */
    setPasswordHash(id: number, hash: string): void {
      setHash.run(hash, id);
    },
    /** setDisabled disables (timestamp) or re-enables (null) an account. */
    setDisabled(id: number, at: number | null): void {
      setDisabled.run(at, id);
    },
    /** setRole changes an account's role. */
    setRole(id: number, role: StaffRole): void {
      setRole.run(role, id);
    },
    /** setLanguage sets the language the dashboard speaks to an account. */
    setLanguage(id: number, language: StaffLanguage): void {
      setLanguage.run(language, id);
    },
  };
}

/** StaffRepo is the staff account repository's interface. */
export type StaffRepo = ReturnType<typeof createStaffRepo>;
