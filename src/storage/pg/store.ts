// The PostgreSQL store: the same repositories and unit of work as the SQLite store, over a
// pool. Unlike SQLite's single connection, transactions run side by side, each on its own
// pooled client, and PostgreSQL's row locks (SELECT … FOR UPDATE) decide who waits; that is
// what keeps two nodes from both admitting the last device of a token.

import type pg from 'pg';
import type { Store } from '../store.js';
import { createPgConn, pgContext, type PgConn, type PgTxContext } from './connection.js';
import { createPgRepos } from './repos.js';

/** PgStore is a store over PostgreSQL, with the pool it owns. */
export type PgStore = Store & {
  readonly pool: pg.Pool;
  /** conn runs SQL of its own inside this store's open transaction, or autocommit outside one. */
  readonly conn: PgConn;
  /** close ends every pooled connection once the running queries are done. */
  close(): Promise<void>;
};

/** createPgStore returns the PostgreSQL store over `pool` (already migrated). */
export function createPgStore(pool: pg.Pool): PgStore {
  const owner = {};
  const conn = createPgConn(pool, owner);
  const repos = createPgRepos(conn);

  const current = (): PgTxContext | undefined => {
    const c = pgContext.getStore();
    return c !== undefined && c.owner === owner && c.open ? c : undefined;
  };

  // Savepoints nest strictly, as on SQLite: an inner one ends before the outer work goes on.
  const nested = async <T>(ctx: PgTxContext, fn: (tx: Store) => Promise<T>): Promise<T> => {
    const level = ++ctx.depth;
    const name = `portico_sp${level}`;
    await ctx.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn(store);
      if (ctx.depth !== level) throw new Error('savepoints ended out of order');
      await ctx.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      // A broken connection leaves nothing to undo; the outer transaction fails with it.
      try {
        await ctx.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await ctx.client.query(`RELEASE SAVEPOINT ${name}`);
      } catch {
        /* the original error is the one to report */
      }
      throw err;
    } finally {
      ctx.depth = level - 1;
    }
  };

  const store: PgStore = {
    backend: 'postgres',
    pool,
    conn,
    ...repos,
    async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      const open = current();
      if (open) return nested(open, fn);
      const client = await pool.connect();
      const ctx: PgTxContext = { owner, client, open: true, depth: 0 };
      let broken = false;
      try {
        await client.query('BEGIN');
        try {
          const result = await pgContext.run(ctx, fn, store);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
          throw err;
        }
      } finally {
        ctx.open = false;
        // A client whose connection failed is destroyed rather than handed to the next caller.
        client.release(broken);
      }
    },
    inTransaction: () => current() !== undefined,
    async close() {
      await pool.end();
    },
  };
  return store;
}
