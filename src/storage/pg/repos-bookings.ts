// Bookings, calendar feeds, the e-mail outbox, webhooks, reports, metrics and retention.

import type { Repos } from '../store.js';
import { createPgBookingRepo } from './booking-repo.js';
import type { PgConn } from './connection.js';
import { createPgFeedRepo } from './feed-repo.js';
import { createPgMetricsRepo } from './metrics-repo.js';
import { createPgEmailOutboxRepo } from './outbox-repo.js';
import { createPgReportRepo } from './report-repo.js';
import { createPgRetentionRepo } from './retention-repo.js';
import { createPgWebhookRepo } from './webhook-repo.js';

/** createPgBookingRepos returns the PostgreSQL repositories of bookings, outboxes and reports. */
export function createPgBookingRepos(
  conn: PgConn,
): Pick<Repos, 'bookings' | 'feeds' | 'emails' | 'webhooks' | 'reports' | 'metrics' | 'retention'> {
  return {
    bookings: createPgBookingRepo(conn),
    feeds: createPgFeedRepo(conn),
    emails: createPgEmailOutboxRepo(conn),
    webhooks: createPgWebhookRepo(conn),
    reports: createPgReportRepo(conn),
    metrics: createPgMetricsRepo(conn),
    retention: createPgRetentionRepo(conn),
  };
}
