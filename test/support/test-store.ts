// The store a test works on, on the backend TEST_BACKEND names: `sqlite` (default) an
// in-memory SQLite database, `postgres` a fresh database on the run's PostgreSQL test server
// (test/support/pg-global-setup.ts), cloned from the migrated template and dropped on close.

import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Db } from '../../src/storage/database.js';
import { createStore, type Store } from '../../src/storage/store.js';
import { createPgPool } from '../../src/storage/pg/connection.js';
import { createPgStore } from '../../src/storage/pg/store.js';
import { PG_TEMPLATE } from './postgres.js';

/** TestBackend names a storage backend under test. */
export type TestBackend = 'sqlite' | 'postgres';

/** testBackend returns the backend this run tests (TEST_BACKEND, default sqlite). */
export function testBackend(): TestBackend {
  const b = process.env.TEST_BACKEND ?? 'sqlite';
  if (b !== 'sqlite' && b !== 'postgres') {
    throw new Error(`TEST_BACKEND must be sqlite or postgres, not ${b}`);
  }
  return b;
}

/** TestStore is a store on a database of its own, with raw SQL for setting up and checking. */
export type TestStore = {
  readonly store: Store;
  readonly backend: TestBackend;
  /**
   * sql runs `text` with `?` placeholders (numbered $1… on PostgreSQL) inside the store's
   * open transaction, or on its own outside one, and returns the rows (none for a write).
   */
  sql<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** url is the database's connection URL (PostgreSQL only), for a second node or pool. */
  readonly url?: string;
  /** db is the SQLite handle (SQLite only). */
  readonly db?: Db;
  /** close closes the store and removes its database. */
  close(): Promise<void>;
};

/** toPgPlaceholders numbers the `?` placeholders of `text` $1, $2… outside quoted strings. */
export function toPgPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** pgAdminUrl returns the URL of the test server's `postgres` database; only in the postgres project. */
export function pgAdminUrl(): string {
  const url = inject('pgAdminUrl');
  if (!url) {
    throw new Error(
      'no PostgreSQL test server: run this file in the postgres project (vitest --project postgres)',
    );
  }
  return url;
}

let admin: pg.Pool | undefined;
let seq = 0;

/** adminPool returns this worker's connection to the test server's `postgres` database. */
function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: pgAdminUrl(), max: 2, allowExitOnIdle: true });
  return admin;
}

/** databaseUrl returns `adminUrl` with its database replaced by `name`. */
function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * createTestDatabase creates a database cloned from the migrated template (or empty with
 * `{ empty: true }`) and returns its name, its URL and a function that drops it.
 */
export async function createTestDatabase(
  opts: { empty?: boolean } = {},
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${++seq}`;
  const pool = adminPool();
  await pool.query(`CREATE DATABASE ${name}${opts.empty ? '' : ` TEMPLATE ${PG_TEMPLATE}`}`);
  return {
    name,
    url: databaseUrl(pgAdminUrl(), name),
    async drop() {
      await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

// The next test's database is cloned while the current test runs, and a closed store's
// database is dropped in the background: neither costs the tests any waiting.
let next: Promise<TestDatabase> | undefined;
let swept = false;

/** takeDatabase returns a migrated database of its own and starts cloning the next one. */
async function takeDatabase(): Promise<TestDatabase> {
  if (!swept) {
    swept = true;
    void dropDatabasesOfEndedWorkers().catch(() => {});
  }
  const taken = next ?? createTestDatabase();
  next = createTestDatabase();
  next.catch(() => {}); // a failure shows when the next test takes it
  return taken;
}

/**
 * dropDatabasesOfEndedWorkers drops the test databases of worker processes that have ended
 * (the clone a worker had ready, or a database a killed test never dropped).
 */
async function dropDatabasesOfEndedWorkers(): Promise<void> {
  const pool = adminPool();
  const rows = await pool.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'",
  );
  for (const { datname } of rows.rows) {
    const pid = Number(datname.split('_')[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    await pool.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** sqliteSql returns TestStore's `sql` over the SQLite handle `db`. */
export function sqliteSql(db: Db): TestStore['sql'] {
  return async <R>(text: string, params: readonly unknown[] = []) => {
    const stmt = db.prepare(text);
    if (stmt.reader) return stmt.all(...params) as R[];
    stmt.run(...params);
    return [];
  };
}

/** openTestStore returns a migrated store on a database of its own on the backend under test. */
export async function openTestStore(): Promise<TestStore> {
  if (testBackend() === 'sqlite') {
    const db = openDatabase(':memory:');
    const store = createStore(db);
    return {
      store,
      backend: 'sqlite',
      db,
      sql: sqliteSql(db),
      async close() {
        db.close();
      },
    };
  }
  const database = await takeDatabase();
  const store = createPgStore(createPgPool(database.url, { max: 10 }));
  return {
    store,
    backend: 'postgres',
    url: database.url,
    sql: (text, params) => store.conn.query(toPgPlaceholders(text), params),
    async close() {
      await store.close();
      void database.drop().catch(() => {});
    },
  };
}

/**
 * testDatabaseEnv returns the settings that give a Portico process started by a test its
 * database on the backend under test: `PORTICO_DB` = `file` on SQLite (nothing without a
 * file: the process's own default, as the demo's temporary file), `PORTICO_DATABASE_URL`
 * of an empty database of its own on PostgreSQL (migrated when Portico starts), and `drop`
 * to remove that database afterwards.
 */
export async function testDatabaseEnv(
  file?: string,
): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (testBackend() === 'sqlite') {
    return { env: file === undefined ? {} : { PORTICO_DB: file }, drop: async () => {} };
  }
  const db = await createTestDatabase({ empty: true });
  return { env: { PORTICO_DATABASE_URL: db.url }, drop: db.drop };
}
