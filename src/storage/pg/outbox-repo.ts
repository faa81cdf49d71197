// The e-mail outbox and the lease queue on PostgreSQL: the same statements as
// src/storage/outbox-repo.ts, with the claim of the next due row skipping rows that another
// node's transaction holds, so that several nodes drain one outbox without waiting on each
// other and without two of them taking the same row.

import {
  EMAIL_INSERT,
  EMAIL_OUTBOX,
  emailFromRow,
  emptyEmailCounts,
  leaseQueueSql,
  type EmailStatus,
  type LeaseQueue,
  type OutboxTable,
} from '../outbox-repo.js';
import type { AsyncRepo, Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { named } from './named.js';

/** createPgLeaseQueue returns the lease queue over the outbox table `t`. */
export function createPgLeaseQueue(conn: PgConn, t: OutboxTable): AsyncRepo<LeaseQueue> {
  const sql = leaseQueueSql(t, true);
  const ids = async (text: string, params: Record<string, unknown>) => {
    const q = named(text, params);
    return (await conn.query<{ id: number }>(q.text, q.values)).map((r) => r.id);
  };
  const run = (text: string, params: Record<string, unknown>) => {
    const q = named(text, params);
    return conn.run(q.text, q.values);
  };
  return {
    dueIds: (now, limit) => ids(sql.due, { now, limit }),
    async claim(id, now, leaseMs, node = null) {
      return (await run(sql.claim, { id, now, leaseUntil: now + leaseMs, node })) === 1;
    },
    async claimNext(now, leaseMs, node) {
      const [id] = await ids(sql.claimNext, { now, leaseUntil: now + leaseMs, node });
      return id ?? null;
    },
    async finish(id, now) {
      await run(sql.finish, { id, now });
    },
    async retry(id, now, error, nextAt, node = null) {
      await run(sql.retry, { id, now, error: error.slice(0, 1000), nextAt, node });
    },
    async nextDueAt() {
      const r = await conn.one<{ at: number | null }>(sql.next);
      return r?.at ?? null;
    },
  };
}

/** createPgEmailOutboxRepo returns the e-mail outbox repository over `conn`. */
export function createPgEmailOutboxRepo(conn: PgConn): Repos['emails'] {
  return {
    ...createPgLeaseQueue(conn, EMAIL_OUTBOX),
    async enqueue(m, now) {
      const q = named(`${EMAIL_INSERT} RETURNING id`, { ...m, now });
      return (await conn.one<{ id: number }>(q.text, q.values))!.id;
    },
    async findById(id) {
      const r = await conn.one('SELECT * FROM email_outbox WHERE id = $1', [id]);
      return r ? emailFromRow(r) : undefined;
    },
    async listForBooking(bookingId) {
      const rows = await conn.query(
        'SELECT * FROM email_outbox WHERE booking_id = $1 ORDER BY id',
        [bookingId],
      );
      return rows.map(emailFromRow);
    },
    async list(opts) {
      const rows = await conn.query(
        `SELECT * FROM email_outbox WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC
         LIMIT $2 OFFSET $3`,
        [opts.status ?? null, opts.limit, opts.offset ?? 0],
      );
      return rows.map(emailFromRow);
    },
    async countByStatus() {
      const out = emptyEmailCounts();
      const rows = await conn.query<{ status: EmailStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM email_outbox GROUP BY status',
      );
      for (const r of rows) out[r.status] = r.n;
      return out;
    },
    async requeue(id, now) {
      const n = await conn.run(
        "UPDATE email_outbox SET status = 'retrying', next_attempt_at = $1, attempts = 0, updated_at = $1 WHERE id = $2 AND status = 'failed'",
        [now, id],
      );
      return n === 1;
    },
  };
}
