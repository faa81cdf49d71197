// Opens the database the configuration names: the SQLite file (PORTICO_DB, the default) or
// PostgreSQL (PORTICO_DATABASE_URL), migrated, as one store. The server, the CLI and the db
// commands all open it here, so they agree on which database is meant.

import type { Config } from '../config.js';
import { startCheckpointer } from './checkpointer.js';
import { checkpoint, openDatabase, type Db } from './database.js';
import { createPgPool } from './pg/connection.js';
import { migratePg } from './pg/migrate.js';
import { createPgStore } from './pg/store.js';
import { acquireServerLock } from './server-lock.js';
import { createStore, type Store } from './store.js';

/** StoreConfig is the part of the configuration that names the database. */
export type StoreConfig = Pick<Config, 'dbFile' | 'databaseUrl' | 'databasePool' | 'nodeId'>;

/** OpenedStore is an open, migrated store and what it takes to close it. */
export type OpenedStore = {
  store: Store;
  backend: Store['backend'];
  /** The SQLite handle (SQLite only; null on PostgreSQL). */
  db: Db | null;
  /** The migrations this opening applied, when the backend reports them (PostgreSQL). */
  applied: number[] | null;
  /** close ends the store: on SQLite a last checkpoint, the file and the pid lock; on PostgreSQL the pool. */
  close(): Promise<void>;
};

/** OpenStoreOptions say whether the server opens the store (SQLite: pid lock, checkpointer). */
export type OpenStoreOptions = {
  server?: {
    onCheckpointError?: (message: string) => void;
    onCheckpoint?: (ms: number, failed: boolean) => void;
  };
};

/** isPostgres returns true when the configuration names a PostgreSQL database. */
export function isPostgres(config: Pick<Config, 'databaseUrl'>): boolean {
  return config.databaseUrl !== undefined;
}

/**
 * openStore opens and migrates the configured database and returns it as a store. On SQLite
 * a server also takes the pid lock (which `db restore` honours) and checkpoints from a worker
 * thread; on PostgreSQL several nodes share the database, so there is neither.
 */
export async function openStore(
  config: StoreConfig,
  opts: OpenStoreOptions = {},
): Promise<OpenedStore> {
  if (config.databaseUrl !== undefined) {
    const pool = createPgPool(config.databaseUrl, {
      max: config.databasePool,
      applicationName: `portico ${config.nodeId}`.slice(0, 63),
    });
    let applied: number[];
    try {
      applied = await migratePg(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    const store = createPgStore(pool);
    return { store, backend: 'postgres', db: null, applied, close: () => store.close() };
  }
  const file = config.dbFile;
  const server = opts.server;
  // The pid file tells `portico db restore` (and a second server) that this file is in use.
  const lock = server && file !== ':memory:' ? acquireServerLock(file) : null;
  let db: Db;
  try {
    db = openDatabase(file, server ? { manualCheckpoint: true } : {});
  } catch (err) {
    lock?.release();
    throw err;
  }
  // Checkpoints run in a worker thread so their fsyncs never stall RADIUS on this thread.
  const checkpointer =
    server && file !== ':memory:'
      ? startCheckpointer(file, {
          ...(server.onCheckpointError ? { onError: server.onCheckpointError } : {}),
          ...(server.onCheckpoint ? { onCheckpoint: server.onCheckpoint } : {}),
        })
      : null;
  const store = createStore(db);
  const handle = db;
  return {
    store,
    backend: 'sqlite',
    db,
    applied: null,
    async close() {
      try {
        await checkpointer?.stop();
        if (server) checkpoint(handle);
      } finally {
        handle.close();
        lock?.release();
      }
    },
  };
}
