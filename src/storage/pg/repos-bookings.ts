// Bookings, calendar feeds, the e-mail outbox, webhooks, reports, metrics and retention.

import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { notPorted } from './not-ported.js';

/** createPgBookingRepos returns the PostgreSQL repositories of bookings, outboxes and reports. */
export function createPgBookingRepos(
  conn: PgConn,
): Pick<Repos, 'bookings' | 'feeds' | 'emails' | 'webhooks' | 'reports' | 'metrics' | 'retention'> {
  void conn;
  return notPorted(['bookings', 'feeds', 'emails', 'webhooks', 'reports', 'metrics', 'retention']);
}
