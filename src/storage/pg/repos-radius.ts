// Sessions, device bindings, cut-off jobs, routers and event marks.

import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { notPorted } from './not-ported.js';

/** createPgRadiusRepos returns the PostgreSQL repositories of the RADIUS side. */
export function createPgRadiusRepos(
  conn: PgConn,
): Pick<Repos, 'sessions' | 'bindings' | 'coaJobs' | 'nas' | 'eventMarks'> {
  void conn;
  return notPorted(['sessions', 'bindings', 'coaJobs', 'nas', 'eventMarks']);
}
