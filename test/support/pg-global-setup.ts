// vitest globalSetup of the `postgres` project: one throwaway PostgreSQL server for the whole
// run, holding a migrated template database that openTestStore() clones for each store.

import type { TestProject } from 'vitest/node';
import { createPgPool } from '../../src/storage/pg/connection.js';
import { migratePg } from '../../src/storage/pg/migrate.js';
import { PG_TEMPLATE, startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** pgAdminUrl is the URL of the test server's `postgres` database (CREATE/DROP DATABASE). */
    pgAdminUrl: string;
  }
}

/** setup starts the server, migrates the template and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  try {
    const admin = createPgPool(server.url(), { max: 1 });
    try {
      await admin.query(`CREATE DATABASE ${PG_TEMPLATE}`);
    } finally {
      await admin.end();
    }
    const pool = createPgPool(server.url(PG_TEMPLATE), { max: 1 });
    try {
      await migratePg(pool);
    } finally {
      await pool.end();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  project.provide('pgAdminUrl', server.url());
  return () => server.stop();
}
