// Two Portico nodes' stores on one PostgreSQL database, for the tests of what must hold
// across nodes: a throwaway server, one migrated database, and a pool (a store) per node.

import { createPgPool } from '../../../src/storage/pg/connection.js';
import { migratePg } from '../../../src/storage/pg/migrate.js';
import { createPgStore, type PgStore } from '../../../src/storage/pg/store.js';
import { startPostgres, type PgServer } from '../../support/postgres.js';

/** TwoNodes is a server with one database and a store per node. */
export type TwoNodes = {
  server: PgServer;
  a: PgStore;
  b: PgStore;
  close(): Promise<void>;
};

let counter = 0;

/** openTwoNodes creates a migrated database on `server` and opens two stores on it. */
export async function openTwoNodes(server: PgServer): Promise<Omit<TwoNodes, 'server'>> {
  const name = `nodes_${process.pid}_${++counter}`;
  const admin = createPgPool(server.url(), { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const a = createPgStore(createPgPool(server.url(name), { applicationName: 'node-a' }));
  await migratePg(a.pool);
  const b = createPgStore(createPgPool(server.url(name), { applicationName: 'node-b' }));
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
    },
  };
}

export { startPostgres };
