// Every PostgreSQL repository, grouped as they were ported. The groups together give the
// same Repos as the SQLite store; the type checker holds each method to the same signature.

import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { createPgAccountRepos } from './repos-accounts.js';
import { createPgRadiusRepos } from './repos-radius.js';
import { createPgBookingRepos } from './repos-bookings.js';
import { createPgLeaseRepo } from './lease-repo.js';

/** createPgRepos returns every repository over `conn`. */
export function createPgRepos(conn: PgConn): Repos {
  return {
    ...createPgAccountRepos(conn),
    ...createPgRadiusRepos(conn),
    ...createPgBookingRepos(conn),
    leases: createPgLeaseRepo(conn),
  };
}
