// What the RADIUS repositories' contract tests share: the store under test next to a SQLite
// reference store, and rows they both start from. A scenario runs on both and its outputs
// must be equal, so the PostgreSQL repositories answer exactly as the SQLite ones do; on the
// sqlite project both stores are SQLite and the tests' own expectations do the checking.

import { openDatabase } from '../../../src/storage/database.js';
import { migrate } from '../../../src/storage/migrations.js';
import { createStore, type Store } from '../../../src/storage/store.js';
import type { NewNas } from '../../../src/storage/nas-repo.js';
import type { NewSession } from '../../../src/storage/session-repo.js';
import { openTestStore, type TestStore } from '../../support/test-store.js';

/** T0 is the fixed instant the scenarios count from. */
export const T0 = Date.UTC(2026, 11, 4, 8, 0);

/** Sql runs raw SQL with `?` placeholders on one store's database. */
export type Sql = (text: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/** Pair is the store under test and the SQLite reference, each with its raw SQL. */
export type Pair = { test: TestStore; ref: { store: Store; sql: Sql }; close(): Promise<void> };

/** openPair opens the store under test (TEST_BACKEND) and a SQLite reference store. */
export async function openPair(): Promise<Pair> {
  const test = await openTestStore();
  const db = openDatabase(':memory:');
  migrate(db);
  const sql: Sql = async (text, params = []) => {
    const st = db.prepare(text);
    if (st.reader) return st.all(...params) as Array<Record<string, unknown>>;
    st.run(...params);
    return [];
  };
  return {
    test,
    ref: { store: createStore(db), sql },
    async close() {
      await test.close();
      db.close();
    },
  };
}

/** Scenario is a sequence of repository calls whose outputs are compared across backends. */
export type Scenario<T> = (store: Store, sql: Sql) => Promise<T>;

/** both runs `scenario` on the store under test and on the reference; returns the test's output after checking they are equal. */
export async function both<T>(
  p: Pair,
  scenario: Scenario<T>,
  expectEqual: (a: T, b: T) => void,
): Promise<T> {
  const got = await scenario(p.test.store, p.test.sql as Sql);
  const want = await scenario(p.ref.store, p.ref.sql);
  expectEqual(got, want);
  return got;
}

/** NAS is a router the scenarios add first (id 1), and NAS2 a second one (id 2). */
export const NAS: NewNas = {
  name: 'Lobby',
  address: '192.0.2.1',
  secret: 'secret-1',
  vendor: 'mikrotik',
  coaPort: 3799,
  requireMessageAuthenticator: true,
  limitProxyState: false,
  coaEventTimestamp: true,
  coaMessageAuthenticator: false,
  uamSecret: null,
  fasKey: null,
  loginHosts: ['portal.example', 'login.example'],
  controllerUrl: null,
  controllerSite: null,
  controllerCredentials: null,
  createdAt: T0,
};
export const NAS2: NewNas = { ...NAS, name: 'bar', address: '192.0.2.2', vendor: 'generic' };

/**
 * seed adds the routers and tokens 1–3 (token 1: 60 minutes, 2 devices; token 2: 1 device,
 * 1,000 bytes of quota; token 3: no limits) and returns the router ids.
 */
export async function seed(store: Store, sql: Sql): Promise<{ nas1: number; nas2: number }> {
  const nas1 = await store.nas.insert(NAS);
  const nas2 = await store.nas.insert(NAS2);
  const token = `INSERT INTO tokens (id, code, minutes, max_devices, data_quota_bytes,
    source, created_at, first_used_at, expires_after_first_use_minutes, description)
    VALUES (?, ?, ?, ?, ?, 'test', ?, ?, ?, ?)`;
  await sql(token, [1, 'AAAA1111', 60, 2, null, T0, T0, 120, 'first']);
  await sql(token, [2, 'BBBB2222', null, 1, 1000, T0, null, null, 'second']);
  await sql(token, [3, 'CCCC3333', null, 1, null, T0, null, null, '']);
  return { nas1, nas2 };
}

/** session returns a NewSession of Class `cls` on token 1 and router 1 with `over` applied. */
export function session(cls: string, over: Partial<NewSession> = {}): NewSession {
  return {
    tokenId: 1,
    nasId: 1,
    status: 'live',
    class: cls,
    acctSessionId: 'A1',
    deviceMac: 'AA-BB-CC-00-00-01',
    framedIp: null,
    calledStation: null,
    nasPortId: null,
    login: 'code',
    userName: 'AAAA1111',
    nasIpAddress: '192.0.2.1',
    nasIdentifier: 'lobby',
    callingStationId: 'AA-BB-CC-00-00-01',
    reservedAt: T0,
    reservationExpiresAt: null,
    startedAt: T0,
    lastSeenAt: T0,
    updatedAt: T0,
    interimInterval: 300,
    ...over,
  };
}
