// One SQLite file in WAL mode. The Database handle is created here and passed to everything
// that needs it; nothing holds it as a global.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ERROR_CODES, PorticoError } from '../errors.js';
import { backupStamp, rotateBackups, vacuumInto } from './backup.js';
import {
  LATEST_VERSION,
  MIGRATIONS,
  migrate,
  schemaVersion,
  type Migration,
} from './migrations.js';

/** Db is the better-sqlite3 handle type used across storage/. */
export type Db = Database.Database;

/** OpenOptions tunes how the database file is opened. */
export type OpenOptions = {
  /** `normal` (default) is durable across process crashes in WAL mode; `full` also across power loss. */
  synchronous?: 'normal' | 'full';
  /** Skip migrations (tests that migrate step by step). */
  migrate?: boolean;
  /** Turn SQLite's automatic checkpoints off; the server runs startCheckpointer() instead. */
  manualCheckpoint?: boolean;
  /** The migrations to apply (tests pass a failing one); default MIGRATIONS. */
  migrations?: readonly Migration[];
  /** How many pre-migration copies to keep beside the file (default 3; 0 takes none). */
  keepPreMigrationBackups?: number;
};

/** PRE_MIGRATION_MARK is the part of a pre-migration copy's name after the database's name. */
export const PRE_MIGRATION_MARK = '.pre-migration-v';

/**
 * backupBeforeMigration copies the open database `db` at `file` (schema `version`) to
 * `FILE.pre-migration-vNNNN-STAMP` beside it, keeps the newest `keep` such copies, and
 * returns the copy's path.
 */
export function backupBeforeMigration(db: Db, file: string, version: number, keep = 3): string {
  const target = `${file}${PRE_MIGRATION_MARK}${String(version).padStart(4, '0')}-${backupStamp(Date.now())}`;
  vacuumInto(db, target);
  rotateBackups(dirname(file), `${basename(file)}${PRE_MIGRATION_MARK}`, keep);
  return target;
}

function migrateWithBackup(db: Db, file: string, opts: OpenOptions): void {
  const list = opts.migrations ?? MIGRATIONS;
  const latest = opts.migrations ? list.length : LATEST_VERSION;
  const before = schemaVersion(db);
  const keep = opts.keepPreMigrationBackups ?? 3;
  // A fresh file has nothing to lose; a file already current needs no copy.
  const kept =
    file !== ':memory:' && keep > 0 && before > 0 && before < latest
      ? backupBeforeMigration(db, file, before, keep)
      : null;
  try {
    migrate(db, latest, list);
  } catch (err) {
    if (err instanceof PorticoError && before > latest) throw err;
    const now = schemaVersion(db);
    throw new PorticoError(
      ERROR_CODES.MIGRATION,
      `upgrading the database from schema version ${before} failed at version ${now + 1}: ${(err as Error).message}. ` +
        (kept
          ? `The file as it was before the upgrade is kept at ${kept}; to go back, stop Portico and run: portico db restore ${kept}`
          : `The file is at version ${now}; each step that completed was committed.`),
      { cause: err },
    );
  }
}

/**
 * openDatabase returns an open, migrated database at `file` (`:memory:` for tests), creating
 * the folder and the file when missing. Before it migrates a file that holds data, it keeps a
 * copy beside it. It throws PORTICO_MIGRATION when the file is newer than this version of
 * Portico, or when a migration fails (the message names the copy).
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // The server checkpoints from a worker thread, never inside a commit on the RADIUS hot path.
  if (opts.manualCheckpoint) db.pragma('wal_autocheckpoint = 0');
  // When a checkpoint has caught up, the next writer starts the WAL over; this also trims the
  // file back to 64 MiB at that moment.
  db.pragma('journal_size_limit = 67108864');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -32000');
  if (opts.migrate !== false) {
    try {
      migrateWithBackup(db, file, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }
  return db;
}

/**
 * checkpoint runs a WAL checkpoint and returns its result. PASSIVE copies what it can without
 * blocking; when it copied everything and the WAL is large, a TRUNCATE resets it so it never
 * grows without bound.
 */
export function checkpoint(
  db: Db,
  maxWalPages = 16_384,
): { busy: number; log: number; copied: number } {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{
    busy: number;
    log: number;
    checkpointed: number;
  }>;
  const r = row ?? { busy: 0, log: 0, checkpointed: 0 };
  if (r.busy === 0 && r.log > maxWalPages && r.checkpointed === r.log) {
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return { busy: r.busy, log: r.log, copied: r.checkpointed };
}
