// Runs one scenario on the backend under test and on a SQLite reference store, and expects
// the same answers: the PostgreSQL repositories must behave as the SQLite ones do (ordering,
// NULLs, counts), not merely return something plausible. Under the sqlite project both sides
// are SQLite, and the scenario's own assertions are what can fail.

import { expect } from 'vitest';
import { openDatabase } from '../../../src/storage/database.js';
import { createStore, type Store } from '../../../src/storage/store.js';
import { openTestStore } from '../../support/test-store.js';

/** Side is what a scenario is given: a store and raw SQL with `?` placeholders. */
export type Side = {
  store: Store;
  backend: 'sqlite' | 'postgres';
  sql(text: string, params?: unknown[]): Promise<unknown>;
};

/** openSqliteReference returns a migrated in-memory SQLite store. */
async function openSqliteReference(): Promise<Side & { close(): Promise<void> }> {
  const db = openDatabase(':memory:');
  return {
    store: createStore(db),
    backend: 'sqlite',
    sql: async (text, params = []) => {
      const st = db.prepare(text);
      return st.reader ? st.all(...params) : st.run(...params);
    },
    close: async () => {
      db.close();
    },
  };
}

/**
 * onBoth runs `scenario` on a SQLite reference store and on the store under test, expects
 * the two results to be equal, and returns the result (for the scenario's own assertions).
 */
export async function onBoth<T>(scenario: (side: Side) => Promise<T>): Promise<T> {
  const ref = await openSqliteReference();
  let expected: T;
  try {
    expected = await scenario(ref);
  } finally {
    await ref.close();
  }
  const t = await openTestStore();
  try {
    const actual = await scenario(t);
    expect(actual).toEqual(expected);
    return actual;
  } finally {
    await t.close();
  }
}

/** T0 is the fixed instant the scenarios start at (2026-12-01 08:00 UTC). */
export const T0 = Date.UTC(2026, 11, 1, 8, 0);

/** seedTokens inserts tokens with ids 1…n (code `CODE000n`, source `batch` when in a batch). */
export async function seedTokens(
  side: Side,
  rows: Array<Partial<Record<string, unknown>>>,
): Promise<void> {
  let id = 0;
  for (const r of rows) {
    id++;
    await insertRow(side, 'tokens', {
      id,
      code: `CODE${String(id).padStart(4, '0')}`,
      source: 'admin',
      created_at: T0,
      ...r,
    });
  }
}

/** insertRow inserts one row into `table` with the given columns. */
export async function insertRow(
  side: Side,
  table: string,
  cols: Record<string, unknown>,
): Promise<void> {
  const names = Object.keys(cols);
  await side.sql(
    `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    Object.values(cols),
  );
}

/** insertEmailRow inserts outbox message `id` in `status` (other columns as given). */
export async function insertEmailRow(
  side: Side,
  id: number,
  status: string,
  at: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await insertRow(side, 'email_outbox', {
    id,
    message_id: `<${id}@t>`,
    kind: 'booking',
    to_address: 'a@b.c',
    subject: 's',
    html: 'h',
    text: 't',
    status,
    next_attempt_at: at,
    created_at: at,
    updated_at: at,
    ...extra,
  });
}

/** insertDeliveryRows inserts webhook 1 and its deliveries 1…n in the given statuses. */
export async function insertDeliveryRows(
  side: Side,
  at: number,
  rows: ReadonlyArray<readonly [status: string, deliveredAt: number | null]>,
): Promise<void> {
  await insertRow(side, 'webhooks', { id: 1, url: 'u', events: '[]', secret: 's', created_at: at });
  for (const [i, [status, deliveredAt]] of rows.entries())
    await insertRow(side, 'webhook_deliveries', {
      id: i + 1,
      webhook_id: 1,
      event_id: `e${i + 1}`,
      event_type: 'x',
      payload: '{}',
      status,
      next_attempt_at: at,
      created_at: at,
      delivered_at: deliveredAt,
    });
}

/** sortBy returns a copy of `rows` sorted by the JSON of `key(row)`, for unordered answers. */
export function sortBy<R>(rows: readonly R[], key: (r: R) => unknown = (r) => r): R[] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(key(a));
    const y = JSON.stringify(key(b));
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
