// Tokens, batches, settings, staff accounts, API keys, web sessions, the audit log and lockouts.

import type { Repos } from '../store.js';
import { createPgApiKeyRepo } from './api-key-repo.js';
import { createPgAuditRepo } from './audit-repo.js';
import { createPgBatchRepo } from './batch-repo.js';
import type { PgConn } from './connection.js';
import { createPgLockoutRepo } from './lockout-repo.js';
import { createPgSettingsRepo } from './settings-repo.js';
import { createPgStaffRepo } from './staff-repo.js';
import { createPgTokenRepo } from './token-repo.js';
import { createPgWebSessionRepo } from './web-session-repo.js';

/** createPgAccountRepos returns the PostgreSQL repositories of tokens and accounts. */
export function createPgAccountRepos(
  conn: PgConn,
): Pick<
  Repos,
  'tokens' | 'batches' | 'settings' | 'staff' | 'apiKeys' | 'webSessions' | 'audit' | 'lockouts'
> {
  return {
    tokens: createPgTokenRepo(conn),
    batches: createPgBatchRepo(conn),
    settings: createPgSettingsRepo(conn),
    staff: createPgStaffRepo(conn),
    apiKeys: createPgApiKeyRepo(conn),
    webSessions: createPgWebSessionRepo(conn),
    audit: createPgAuditRepo(conn),
    lockouts: createPgLockoutRepo(conn),
  };
}
