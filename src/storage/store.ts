// The store: every repository over one database, and the transaction they share. Only
// services/ uses it. A PostgreSQL backend would provide the same shape.

import type { Db } from './database.js';
import { createApiKeyRepo } from './api-key-repo.js';
import { createAuditRepo } from './audit-repo.js';
import { createBindingRepo } from './binding-repo.js';
import { createCoaJobRepo } from './coa-job-repo.js';
import { createEventMarkRepo } from './event-mark-repo.js';
import { createBookingRepo } from './booking-repo.js';
import { createBatchRepo } from './batch-repo.js';
import { createFeedRepo } from './feed-repo.js';
import { createLockoutRepo } from './lockout-repo.js';
import { createMetricsRepo } from './metrics-repo.js';
import { createNasRepo } from './nas-repo.js';
import { createReportRepo } from './report-repo.js';
import { createRetentionRepo } from './retention-repo.js';
import { createSessionRepo } from './session-repo.js';
import { createEmailOutboxRepo } from './outbox-repo.js';
import { createSettingsRepo } from './settings-repo.js';
import { createStaffRepo } from './staff-repo.js';
import { createTokenRepo } from './token-repo.js';
import { createWebhookRepo } from './webhook-repo.js';
import { createWebSessionRepo } from './web-session-repo.js';

/** createStore returns every repository over `db` and an immediate-transaction helper. */
export function createStore(db: Db) {
  // One wrapper for every call: better-sqlite3 builds a new one per db.transaction(), which
  // on the RADIUS path (a savepoint per packet) cost more than the savepoint itself.
  const run = db.transaction((fn: () => unknown) => fn());
  return {
    db,
    tokens: createTokenRepo(db),
    nas: createNasRepo(db),
    staff: createStaffRepo(db),
    settings: createSettingsRepo(db),
    audit: createAuditRepo(db),
    lockouts: createLockoutRepo(db),
    sessions: createSessionRepo(db),
    coaJobs: createCoaJobRepo(db),
    bindings: createBindingRepo(db),
    bookings: createBookingRepo(db),
    feeds: createFeedRepo(db),
    emails: createEmailOutboxRepo(db),
    webhooks: createWebhookRepo(db),
    eventMarks: createEventMarkRepo(db),
    apiKeys: createApiKeyRepo(db),
    webSessions: createWebSessionRepo(db),
    batches: createBatchRepo(db),
    reports: createReportRepo(db),
    metrics: createMetricsRepo(db),
    retention: createRetentionRepo(db),
    /**
     * transaction runs `fn` in one IMMEDIATE transaction and returns its result; called inside
     * another it runs in a SAVEPOINT, so its failure rolls back only its own work.
     */
    transaction<T>(fn: () => T): T {
      return run.immediate(fn) as T;
    },
  };
}

/** Store is what services receive. */
export type Store = ReturnType<typeof createStore>;

/** isUniqueViolation returns true for a SQLite UNIQUE constraint error. */
export function isUniqueViolation(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
