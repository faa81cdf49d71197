// The counts a Prometheus scrape reads. Each query touches only what an index narrows down
// (open sessions, unfinished jobs, unsent mail), never the history that grows for months, so
// a scrape costs the same in the first week and in the second year. Tokens by state are the
// exception (the state is derived per row); the caller caches that count.

import { statSync } from 'node:fs';
import type { Db } from './database.js';

/** METRICS_SQL are the scrape-time queries both backends run as they are. */
export const METRICS_SQL = {
  openSessions:
    "SELECT status, COUNT(*) AS n FROM sessions WHERE status IN ('reserved', 'live') GROUP BY status",
  coaQueue: `SELECT coalesce(n.name, '(removed)') AS router, COUNT(*) AS n
    FROM coa_jobs j JOIN sessions s ON s.id = j.session_id LEFT JOIN nas_clients n ON n.id = s.nas_id
    WHERE j.state IN ('pending', 'sending') GROUP BY router`,
  emailOutbox:
    "SELECT status, COUNT(*) AS n FROM email_outbox WHERE status IN ('queued', 'sending', 'retrying', 'failed') GROUP BY status",
  webhookOutbox:
    "SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('queued', 'sending', 'retrying', 'failed') GROUP BY status",
};

/** byStatus returns `status, n` rows as a record. */
export const byStatus = (rows: unknown[]): Record<string, number> =>
  Object.fromEntries((rows as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]));

/** createMetricsRepo returns the scrape-time counts over `db`. */
export function createMetricsRepo(db: Db) {
  const openSessions = db.prepare(METRICS_SQL.openSessions);
  const coaQueue = db.prepare(METRICS_SQL.coaQueue);
  const routers = db.prepare('SELECT name FROM nas_clients ORDER BY name').pluck();
  const emails = db.prepare(METRICS_SQL.emailOutbox);
  const deliveries = db.prepare(METRICS_SQL.webhookOutbox);
  const lockouts = db
    .prepare('SELECT COUNT(*) FROM lockouts WHERE locked_until IS NOT NULL AND locked_until > ?')
    .pluck();

  return {
    /** openSessions returns how many sessions are reserved and live. */
    openSessions(): Record<string, number> {
      return byStatus(openSessions.all());
    },
    /** coaQueue returns the unfinished Disconnect/CoA jobs per router name. */
    coaQueue(): Record<string, number> {
      return Object.fromEntries(
        (coaQueue.all() as Array<{ router: string; n: number }>).map((r) => [r.router, r.n]),
      );
    },
    /** routerNames returns every router's name. */
    routerNames(): string[] {
      return routers.all() as string[];
    },
    /** emailOutbox returns the e-mails waiting, being sent, retrying and failed, per status. */
    emailOutbox(): Record<string, number> {
      return byStatus(emails.all());
    },
    /** webhookOutbox returns the webhook deliveries not yet delivered, per status. */
    webhookOutbox(): Record<string, number> {
      return byStatus(deliveries.all());
    },
    /** activeLockouts returns how many keys are locked out at `now`. */
    activeLockouts(now: number): number {
      return lockouts.get(now) as number;
    },
    /**
     * fileSizes returns the sizes in bytes of the database file and its WAL (0 when absent);
     * `wal` is null where the database keeps no WAL of its own (PostgreSQL).
     */
    fileSizes(): { db: number; wal: number | null } {
      const file = db.name;
      const size = (f: string) => {
        try {
          return statSync(f).size;
        } catch {
          return 0;
        }
      };
      return file === ':memory:' ? { db: 0, wal: 0 } : { db: size(file), wal: size(`${file}-wal`) };
    },
  };
}

/** MetricsRepo is the scrape-time counts' interface. */
export type MetricsRepo = ReturnType<typeof createMetricsRepo>;
