// Runs one scenario on the backend under test and on SQLite, so a contract test states that
// PostgreSQL gives the SQLite answer for the same inputs (on the sqlite project both runs
// are SQLite, and the test's own expectations carry it).

import { expect } from 'vitest';
import { openDatabase } from '../../../src/storage/database.js';
import { createStore, type Store } from '../../../src/storage/store.js';
import type { NewToken } from '../../../src/storage/token-repo.js';
import { openTestStore } from '../../support/test-store.js';

/** Scenario is what a contract test does to a store; `sql` runs set-up SQL (`?` placeholders). */
export type Scenario<T> = (
  store: Store,
  sql: (text: string, params?: unknown[]) => Promise<unknown[]>,
) => Promise<T>;

/** openSqliteStore returns a store over a fresh migrated in-memory SQLite database. */
export function openSqliteStore() {
  const db = openDatabase(':memory:');
  const store = createStore(db);
  const sql = (text: string, params: unknown[] = []): Promise<unknown[]> => {
    const st = db.prepare(text);
    if (st.reader) return Promise.resolve(st.all(...params));
    st.run(...params);
    return Promise.resolve([]);
  };
  return { store, sql, close: () => db.close() };
}

/**
 * onBothBackends runs `scenario` on a fresh store of the backend under test and on a fresh
 * SQLite store, expects both outcomes to be equal and returns the one under test.
 */
export async function onBothBackends<T>(scenario: Scenario<T>): Promise<T> {
  const t = await openTestStore();
  const s = openSqliteStore();
  try {
    const got = await scenario(t.store, t.sql);
    const sqlite = await scenario(s.store, s.sql);
    expect(got).toEqual(sqlite);
    return got;
  } finally {
    s.close();
    await t.close();
  }
}

/** withTestStore runs `fn` on a fresh store of the backend under test and closes it. */
export async function withTestStore<T>(
  fn: (t: Awaited<ReturnType<typeof openTestStore>>) => Promise<T>,
): Promise<T> {
  const t = await openTestStore();
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

/** T0 is the contract tests' fixed time: 2026-12-04 08:00 UTC. */
export const T0 = Date.UTC(2026, 11, 4, 8, 0);

/** newToken returns a 60-minute one-device token `code` created at T0, with `over` changed. */
export const newToken = (code: string, over: Partial<NewToken> = {}): NewToken => ({
  code,
  minutes: 60,
  validFrom: null,
  validUntil: null,
  expiresAfterFirstUseMinutes: null,
  maxDevices: 1,
  whenFull: 'refuse',
  dataQuotaBytes: null,
  rateDownKbps: null,
  rateUpKbps: null,
  description: '',
  batchId: null,
  source: 'manual',
  createdBy: 'alice',
  createdAt: T0,
  ...over,
});
