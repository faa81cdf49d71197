// TEMPORARY stand-in for pgbase's harness (replaced on rebase): a store on the backend named
// by PORTICO_TEST_BACKEND; postgres clones PORTICO_TEST_PG_TEMPLATE on PORTICO_TEST_PG_URL.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/storage/database.js';
import { createPgPool } from '../../src/storage/pg/connection.js';
import { createPgStore } from '../../src/storage/pg/store.js';
import { createStore, type Store } from '../../src/storage/store.js';

/** TestStore is a store on a fresh database with raw SQL access for set-up and checks. */
export type TestStore = {
  store: Store;
  backend: 'sqlite' | 'postgres';
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
  /** url of the PostgreSQL database (postgres only). */
  url?: string;
};

/** openTestStore returns a store over a fresh migrated database. */
export async function openTestStore(): Promise<TestStore> {
  if (process.env.PORTICO_TEST_BACKEND !== 'postgres') {
    const db = openDatabase(':memory:');
    const store = createStore(db);
    return {
      store,
      backend: 'sqlite',
      sql: async <R>(text: string, params: unknown[] = []) => {
        const st = db.prepare(text);
        return (st.reader ? st.all(...params) : (st.run(...params), [])) as R[];
      },
      close: async () => {
        db.close();
      },
    };
  }
  const base = process.env.PORTICO_TEST_PG_URL!;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.PORTICO_TEST_PG_TEMPLATE}`);
  await admin.end();
  const url = base.replace(/\/[^/]*$/, `/${name}`);
  const pool = createPgPool(url);
  const store = createPgStore(pool);
  return {
    store,
    backend: 'postgres',
    url,
    sql: async <R>(text: string, params: unknown[] = []) => {
      let i = 0;
      const r = await pool.query(
        text.replace(/\?/g, () => `$${++i}`),
        params,
      );
      return r.rows as R[];
    },
    close: async () => {
      await store.close();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
