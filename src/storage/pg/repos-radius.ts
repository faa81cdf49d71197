// Sessions, device bindings, cut-off jobs, routers and event marks.

import type { Repos } from '../store.js';
import { createPgBindingRepo } from './binding-repo.js';
import { createPgCoaJobRepo } from './coa-job-repo.js';
import type { PgConn } from './connection.js';
import { createPgEventMarkRepo } from './event-mark-repo.js';
import { createPgNasRepo } from './nas-repo.js';
import { createPgSessionRepo } from './session-repo.js';

/** createPgRadiusRepos returns the PostgreSQL repositories of the RADIUS side. */
export function createPgRadiusRepos(
  conn: PgConn,
): Pick<Repos, 'sessions' | 'bindings' | 'coaJobs' | 'nas' | 'eventMarks'> {
  return {
    sessions: createPgSessionRepo(conn),
    bindings: createPgBindingRepo(conn),
    coaJobs: createPgCoaJobRepo(conn),
    nas: createPgNasRepo(conn),
    eventMarks: createPgEventMarkRepo(conn),
  };
}
