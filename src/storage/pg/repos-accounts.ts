// Tokens, batches, settings, staff accounts, API keys, web sessions, the audit log and lockouts.

import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { notPorted } from './not-ported.js';

/** createPgAccountRepos returns the PostgreSQL repositories of tokens and accounts. */
export function createPgAccountRepos(
  conn: PgConn,
): Pick<
  Repos,
  'tokens' | 'batches' | 'settings' | 'staff' | 'apiKeys' | 'webSessions' | 'audit' | 'lockouts'
> {
  void conn;
  return notPorted([
    'tokens',
    'batches',
    'settings',
    'staff',
    'apiKeys',
    'webSessions',
    'audit',
    'lockouts',
  ]);
}
