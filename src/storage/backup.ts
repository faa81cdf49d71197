// Backups, restores and checks of the SQLite file while Portico may be serving from it.
// A backup is `VACUUM INTO` a temporary file beside the target: one read transaction, so the
// copy is the database as of one instant, and in WAL mode it never blocks the writers (RADIUS
// accounting goes on while it runs). The temporary file is synced and renamed into place, so a
// crash never leaves a half-written backup under the name the operator asked for.

import Database from 'better-sqlite3';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ERROR_CODES, PorticoError } from '../errors.js';
import { LATEST_VERSION } from './migrations.js';
import { acquireServerLock, readServerLock } from './server-lock.js';

/** BackupResult says where a backup went, how big it is and which schema it holds. */
export type BackupResult = { file: string; bytes: number; schemaVersion: number; ms: number };

/** CheckResult lists what integrity_check and foreign_key_check found (empty lists: healthy). */
export type CheckResult = {
  schemaVersion: number;
  latestVersion: number;
  integrity: string[];
  foreignKeys: Array<{ table: string; rowid: number | null; parent: string }>;
  ok: boolean;
};

/** RestoreResult says which file is now live and where the one it replaced was kept. */
export type RestoreResult = { restored: string; previous: string | null; schemaVersion: number };

function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    syncFile(dir);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  }
}

function stamp(ms: number): string {
  // Milliseconds too, so two copies taken in one second keep both names.
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

function openExisting(file: string, readonly: boolean): Database.Database {
  if (!existsSync(file)) throw new PorticoError(ERROR_CODES.NOT_FOUND, `no database at ${file}`);
  const db = new Database(file, { readonly, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * vacuumInto writes a consistent copy of the open database `db` to `target` (which must not
 * exist yet) through a synced temporary file, and returns its size in bytes.
 */
export function vacuumInto(db: Database.Database, target: string): number {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
    syncFile(tmp);
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDir(dirname(target));
  return statSync(target).size;
}

/**
 * backupDatabase copies the database `source` to `target` while other processes keep writing
 * to it; it throws PORTICO_BAD_INPUT when `target` exists or is the database itself.
 */
export function backupDatabase(source: string, target: string): BackupResult {
  const started = performance.now();
  if (resolve(source) === resolve(target))
    throw new PorticoError(ERROR_CODES.BAD_INPUT, 'the backup file must not be the database');
  if (existsSync(target))
    throw new PorticoError(
      ERROR_CODES.BAD_INPUT,
      `${target} exists; give a new file name (backups never overwrite)`,
    );
  const db = openExisting(source, true);
  try {
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const bytes = vacuumInto(db, target);
    return { file: target, bytes, schemaVersion, ms: Math.round(performance.now() - started) };
  } finally {
    db.close();
  }
}

/** checkDatabase runs SQLite's integrity_check and foreign_key_check on `file`. */
export function checkDatabase(file: string): CheckResult {
  const db = openExisting(file, true);
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((r) => r.integrity_check)
      .filter((m) => m !== 'ok');
    const foreignKeys = (
      db.pragma('foreign_key_check') as Array<{
        table: string;
        rowid: number | null;
        parent: string;
      }>
    ).map((r) => ({ table: r.table, rowid: r.rowid, parent: r.parent }));
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    return {
      schemaVersion,
      latestVersion: LATEST_VERSION,
      integrity,
      foreignKeys,
      ok: integrity.length === 0 && foreignKeys.length === 0,
    };
  } finally {
    db.close();
  }
}

/**
 * restoreDatabase makes the backup `from` the live database at `file`, keeping the file it
 * replaces as `FILE.before-restore-STAMP`; it throws PORTICO_CONFLICT while a server runs on
 * `file`, and PORTICO_BAD_INPUT when the backup fails its check or is newer than this build.
 */
export function restoreDatabase(file: string, from: string, now = Date.now()): RestoreResult {
  const lock = readServerLock(file);
  if (lock)
    throw new PorticoError(
      ERROR_CODES.CONFLICT,
      `a Portico server (pid ${lock.pid}) is running on ${file}; stop it first (systemctl stop portico)`,
    );
  // Held while files move, so a server started meanwhile refuses instead of opening a
  // database that is half swapped.
  mkdirSync(dirname(file), { recursive: true });
  const claim = acquireServerLock(file);
  try {
    const check = checkDatabase(from);
    if (!check.ok)
      throw new PorticoError(
        ERROR_CODES.BAD_INPUT,
        `${from} fails its check (${[...check.integrity, ...check.foreignKeys.map((f) => `${f.table} row ${f.rowid} → ${f.parent}`)].slice(0, 3).join('; ')}); not restored`,
      );
    if (check.schemaVersion === 0)
      throw new PorticoError(ERROR_CODES.BAD_INPUT, `${from} is not a Portico database`);
    if (check.schemaVersion > LATEST_VERSION)
      throw new PorticoError(
        ERROR_CODES.BAD_INPUT,
        `${from} has schema version ${check.schemaVersion}, newer than this Portico (${LATEST_VERSION}); upgrade Portico first`,
      );

    // Copy first, beside the live file, so the swap below is two renames on one file system.
    const incoming = `${file}.restoring`;
    rmSync(incoming, { force: true });
    const src = openExisting(from, true);
    try {
      vacuumInto(src, incoming);
    } finally {
      src.close();
    }

    let previous: string | null = null;
    if (existsSync(file)) {
      // Fold the WAL into the old file so the kept copy is complete on its own.
      const old = openExisting(file, false);
      try {
        old.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        old.close();
      }
      previous = `${file}.before-restore-${stamp(now)}`;
      renameSync(file, previous);
    }
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    renameSync(incoming, file);
    syncDir(dirname(file));
    return { restored: file, previous, schemaVersion: check.schemaVersion };
  } finally {
    claim.release();
  }
}

/**
 * rotateBackups deletes all but the newest `keep` files in `dir` whose names start with
 * `prefix`, and returns the names it deleted.
 */
export function rotateBackups(dir: string, prefix: string, keep: number): string[] {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && !f.endsWith('.tmp'))
    .sort();
  const doomed = files.slice(0, Math.max(0, files.length - keep));
  for (const f of doomed) rmSync(join(dir, f), { force: true });
  return doomed;
}

/** backupStamp returns the UTC time `ms` as a file-name-safe stamp, e.g. 20261204T013000.000Z. */
export const backupStamp = stamp;
