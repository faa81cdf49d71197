// The throwaway PostgreSQL 15 server of the `postgres` test project. The server itself is
// started by postgres-server.mjs (shared with the benchmarks); tests run it with durability
// turned off, since the data is gone after the run anyway.

export {
  PG_BIN,
  PG_ROLE,
  removeStaleServers,
  startPostgres,
  type PgServer,
} from './postgres-server.mjs';

/** PG_TEMPLATE is the migrated database every PostgreSQL test store is cloned from. */
export const PG_TEMPLATE = 'portico_template';
