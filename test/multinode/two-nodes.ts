// Two stores over one database of the backend under test, as two Portico nodes see it: on
// PostgreSQL two pools on one database, on SQLite two connections to one file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/database.js';
import { createPgPool } from '../../src/storage/pg/connection.js';
import { createPgStore } from '../../src/storage/pg/store.js';
import { createStore, type Store } from '../../src/storage/store.js';
import { openTestStore } from '../support/test-store.js';

/** TwoNodes are the two stores and how to close them. */
export type TwoNodes = {
  stores: [Store, Store];
  backend: 'sqlite' | 'postgres';
  close(): Promise<void>;
};

/** openTwoNodes returns two stores over one fresh, migrated database. */
export async function openTwoNodes(): Promise<TwoNodes> {
  const t = await openTestStore();
  if (t.backend === 'postgres') {
    const other = createPgStore(createPgPool(t.url!, { max: 4 }));
    return {
      stores: [t.store, other],
      backend: 'postgres',
      close: async () => {
        await other.close();
        await t.close();
      },
    };
  }
  await t.close();
  const dir = mkdtempSync(join(tmpdir(), 'portico-nodes-'));
  const a = openDatabase(join(dir, 'portico.db'));
  const b = openDatabase(join(dir, 'portico.db'));
  return {
    stores: [createStore(a), createStore(b)],
    backend: 'sqlite',
    close: async () => {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
