// One SQLite file in WAL mode. The Database handle is created here and passed to everything
// that needs it; nothing holds it as a global.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.js';

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
};

/**
 * openDatabase returns an open, migrated database at `file` (`:memory:` for tests), creating
 * the folder and the file when missing; it throws PORTICO_MIGRATION when the file is newer
 * than this version of Portico.
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
  if (opts.migrate !== false) migrate(db);
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
