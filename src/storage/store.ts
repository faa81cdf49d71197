// The store: every repository over one database, and the unit of work they share. Only
// services/ uses it. The unit of work is asynchronous so that a networked database fits the
// same shape: `await store.transaction(async (tx) => { ... tx.tokens.findById(id) ... })`.
// Inside a transaction, repository calls go through `tx`; helpers that run "inside the
// caller's transaction" may use the store they were given, which finds the open transaction
// through the async context (AsyncLocalStorage) rather than through an extra parameter.
//
// SQLite has one connection, so units of work are serialised through a queue: a transaction
// holds the connection across its awaits and nothing else (another transaction, or a root
// call made while it runs) touches the handle until it commits or rolls back.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './database.js';
import { createApiKeyRepo } from './api-key-repo.js';
import { createAuditRepo } from './audit-repo.js';
import { createBindingRepo } from './binding-repo.js';
import { createCoaJobRepo } from './coa-job-repo.js';
import { createEventMarkRepo } from './event-mark-repo.js';
import { createBookingRepo } from './booking-repo.js';
import { createBatchRepo } from './batch-repo.js';
import { createFeedRepo } from './feed-repo.js';
import { createLeaseRepo } from './lease-repo.js';
import { createLockoutRepo } from './lockout-repo.js';
import { createMetricsRepo } from './metrics-repo.js';
import { createNasRepo } from './nas-repo.js';
import { createReportRepo } from './report-repo.js';
import { createRetentionRepo } from './retention-repo.js';
import { createSessionRepo } from './session-repo.js';
import { createEmailOutboxRepo } from './outbox-repo.js';
import { createSettingsRepo } from './settings-repo.js';
import { createStaffRepo } from './staff-repo.js';
import { createTokenRepo } from './token-repo.js';
import { createWebhookRepo } from './webhook-repo.js';
import { createWebSessionRepo } from './web-session-repo.js';

/**
 * AsyncRepo is the asynchronous interface of a repository whose SQLite implementation is
 * synchronous: every method returns a Promise, a generator becomes an async generator, and
 * a nested group of methods is made asynchronous in the same way.
 */
export type AsyncRepo<R> = {
  [K in keyof R]: R[K] extends (...a: infer A) => Generator<infer Y>
    ? (...a: A) => AsyncGenerator<Y>
    : R[K] extends (...a: infer A) => infer T
      ? (...a: A) => Promise<T>
      : R[K] extends object
        ? AsyncRepo<R[K]>
        : R[K];
};

/** createSqliteRepos returns the synchronous SQLite repositories over `db`. */
function createSqliteRepos(db: Db) {
  return {
    tokens: createTokenRepo(db),
    nas: createNasRepo(db),
    staff: createStaffRepo(db),
    settings: createSettingsRepo(db),
    audit: createAuditRepo(db),
    lockouts: createLockoutRepo(db),
    sessions: createSessionRepo(db),
    coaJobs: createCoaJobRepo(db),
    bindings: createBindingRepo(db),
    bookings: createBookingRepo(db),
    feeds: createFeedRepo(db),
    emails: createEmailOutboxRepo(db),
    webhooks: createWebhookRepo(db),
    eventMarks: createEventMarkRepo(db),
    apiKeys: createApiKeyRepo(db),
    webSessions: createWebSessionRepo(db),
    batches: createBatchRepo(db),
    reports: createReportRepo(db),
    metrics: createMetricsRepo(db),
    retention: createRetentionRepo(db),
    leases: createLeaseRepo(db),
  };
}

type SqliteRepos = ReturnType<typeof createSqliteRepos>;

/** Repos is every repository, as services see them: asynchronous. */
export type Repos = { readonly [K in keyof SqliteRepos]: AsyncRepo<SqliteRepos[K]> };

/**
 * Store is what services receive: the repositories and the unit of work. Inside a
 * transaction (its `tx`, or the store itself anywhere in the transaction's async context)
 * `transaction` opens a savepoint, so a failure inside rolls back only that inner work.
 */
export type Store = Repos & {
  /** backend names the database engine behind the store. */
  readonly backend: 'sqlite' | 'postgres';
  /**
   * transaction runs `fn` in one transaction (IMMEDIATE on SQLite) and resolves with its
   * result after the commit; when `fn` rejects, everything it did is rolled back and the
   * rejection is passed on. On a `tx` it opens a savepoint instead.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** inTransaction is true inside this store's open transaction (not yet ended by an error). */
  inTransaction(): boolean;
};

const GENERATOR = Object.getPrototypeOf(function* () {
  /* the prototype of generator functions */
}) as object;

/**
 * wrapRepo returns `repo` with every method returning a Promise; `gate` runs each call (and
 * each step of a generator), so the root store can hold calls back while a transaction runs.
 */
function wrapRepo<R extends object>(repo: R, gate: <T>(fn: () => T) => Promise<T>): AsyncRepo<R> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repo)) {
    if (typeof value === 'object' && value !== null) {
      out[name] = wrapRepo(value as object, gate);
    } else if (typeof value !== 'function') {
      out[name] = value;
    } else if (Object.getPrototypeOf(value) === GENERATOR) {
      const fn = value as (...a: unknown[]) => Generator<unknown>;
      out[name] = async function* (...args: unknown[]) {
        const it = fn.apply(repo, args);
        for (;;) {
          const step = await gate(() => it.next());
          if (step.done) return;
          yield step.value;
        }
      };
    } else {
      const fn = value as (...a: unknown[]) => unknown;
      out[name] = (...args: unknown[]) => gate(() => fn.apply(repo, args));
    }
  }
  return out as AsyncRepo<R>;
}

/** direct runs `fn` now and returns its outcome as a promise (a throw becomes a rejection). */
function direct<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/** TxContext marks the async context of one open transaction of one store. */
type TxContext = { owner: object; open: boolean };

// The open transaction follows its async context, so code that runs inside the caller's
// transaction (access.admit, accounting.record, events) reaches it through the root store
// too, and a nested `transaction` there becomes a savepoint.
const context = new AsyncLocalStorage<TxContext>();

/**
 * createStore returns the SQLite store over `db`: every repository, and units of work that
 * never interleave on the connection.
 */
export function createStore(db: Db): Store & { readonly db: Db } {
  const sync = createSqliteRepos(db);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT portico_sp');
  const release = db.prepare('RELEASE portico_sp');
  const rollbackTo = db.prepare('ROLLBACK TO portico_sp');
  const owner = {};

  // The connection is held by one unit of work at a time; the rest wait here in order.
  let held = false;
  const waiting: Array<() => void> = [];
  const releaseConnection = () => {
    const next = waiting.shift();
    if (next) next();
    else held = false;
  };
  const mine = (): boolean => {
    const c = context.getStore();
    return c !== undefined && c.owner === owner && c.open;
  };

  /** gate runs a call now inside this store's open transaction or when the connection is free, else after the running one. */
  const gate = <T>(fn: () => T): Promise<T> => {
    if (!held || mine()) return direct(fn);
    return new Promise<void>((resolve) => waiting.push(resolve)).then(() => {
      try {
        return fn();
      } finally {
        releaseConnection();
      }
    });
  };

  // Savepoints nest strictly: an inner one must end before the outer work goes on.
  let depth = 0;
  const nested = async <T>(fn: (tx: Store) => Promise<T>): Promise<T> => {
    const level = ++depth;
    savepoint.run();
    try {
      const result = await fn(store);
      if (depth !== level) throw new Error('savepoints ended out of order');
      release.run();
      return result;
    } catch (err) {
      // An error that ended the whole transaction (disk full, I/O) leaves nothing to undo.
      if (db.inTransaction) {
        rollbackTo.run();
        release.run();
      }
      throw err;
    } finally {
      depth = level - 1;
    }
  };

  const store: Store & { readonly db: Db } = {
    backend: 'sqlite',
    db,
    ...(Object.fromEntries(
      Object.entries(sync).map(([k, r]) => [k, wrapRepo(r, gate)]),
    ) as unknown as Repos),
    async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      if (mine()) return nested(fn);
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
      else held = true;
      const ctx: TxContext = { owner, open: true };
      try {
        begin.run();
        depth = 0;
        try {
          const result = await context.run(ctx, fn, store);
          commit.run();
          return result;
        } catch (err) {
          if (db.inTransaction) rollback.run();
          throw err;
        }
      } finally {
        ctx.open = false;
        releaseConnection();
      }
    },
    inTransaction: () => mine() && db.inTransaction,
  };
  return store;
}

/** isUniqueViolation returns true for a UNIQUE or PRIMARY KEY constraint error of either backend. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: string }).code;
  // SQLite's extended codes, or PostgreSQL's SQLSTATE unique_violation (which a duplicate
  // primary key raises too).
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  );
}

/**
 * isTransactionConflict returns true for PostgreSQL's serialization failure (40001) and
 * deadlock (40P01): the database undid the transaction, and running it again may succeed.
 */
export function isTransactionConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: string }).code;
  return code === '40001' || code === '40P01';
}
