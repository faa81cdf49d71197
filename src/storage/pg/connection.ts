// The PostgreSQL connection: a pool of clients, and the one query function the PostgreSQL
// repositories use. A query runs on the client of the transaction open in the caller's async
// context, or on any free pooled client (autocommit) when none is open, so repository code
// never passes a client around, just as the SQLite repositories never pass a handle.

import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

/** PgConn is what a PostgreSQL repository is given: queries with `$1`… parameters. */
export type PgConn = {
  /** query returns every row of `text` run with `params`. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** one returns the first row, or undefined when there is none. */
  one<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<R | undefined>;
  /** run returns how many rows the statement changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
  /** tx returns the open transaction of this store's async context, or undefined. */
  tx(): PgTxContext | undefined;
};

/** PgTxContext is the async context of one open PostgreSQL transaction. */
export type PgTxContext = {
  owner: object;
  client: pg.PoolClient;
  open: boolean;
  depth: number;
  /**
   * Tokens whose row lock this transaction took outside any savepoint, so holds to its end
   * (a lock taken inside a savepoint is released when the savepoint is rolled back).
   */
  heldTokens?: Set<number>;
};

/** pgContext carries the open transaction across awaits. */
export const pgContext = new AsyncLocalStorage<PgTxContext>();

// BIGINT (every *_at, *_ms and id column) and NUMERIC (SUM over BIGINT) arrive as JavaScript
// numbers, as SQLite gives them: milliseconds since 1970 and byte counts stay far below 2^53.
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (v: string): number => Number(v);
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return toNumber;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** PoolOptions tune the pool. */
export type PoolOptions = {
  /** The most connections this node opens (default 10). */
  max?: number;
  /** The application_name the server shows in pg_stat_activity. */
  applicationName?: string;
};

/** createPgPool returns a pool for `url` (postgres://user:password@host:port/database). */
export function createPgPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'portico',
    types: TYPES,
    // A server that does not answer is reported instead of hanging a request for ever.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its connection (server restart) is dropped from the pool; the
  // next query opens a new one. Without a listener this error would end the process.
  pool.on('error', () => {});
  return pool;
}

/** MAX_PREPARED is the most statement texts a pool names (and each connection prepares). */
export const MAX_PREPARED = 1000;

/**
 * createPgConn returns the query functions over `pool` for the store whose context is `owner`.
 * Statements with parameters are named, so each pooled connection parses and plans a text
 * once and then only binds and executes it (half the round trip's server work on the
 * RADIUS path); the names are bounded so that texts built from parts cannot grow the
 * connections' memory without end, and past the bound statements run unnamed as before.
 */
export function createPgConn(pool: pg.Pool, owner: object): PgConn {
  const tx = (): PgTxContext | undefined => {
    const c = pgContext.getStore();
    return c !== undefined && c.owner === owner && c.open ? c : undefined;
  };
  const target = (): pg.Pool | pg.PoolClient => tx()?.client ?? pool;
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `portico_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  const exec = (text: string, params?: readonly unknown[]): Promise<pg.QueryResult> => {
    // Without parameters a text may hold several statements (simple protocol only).
    if (params === undefined || params.length === 0) return target().query(text);
    const name = nameOf(text);
    const values = params as unknown[];
    return name === undefined
      ? target().query(text, values)
      : target().query({ name, text, values });
  };
  const query = async <R>(text: string, params?: readonly unknown[]): Promise<R[]> =>
    (await exec(text, params)).rows as R[];
  return {
    query,
    tx,
    async one<R>(text: string, params?: readonly unknown[]) {
      return (await query<R>(text, params))[0];
    },
    async run(text: string, params?: readonly unknown[]) {
      return (await exec(text, params)).rowCount ?? 0;
    },
  };
}
