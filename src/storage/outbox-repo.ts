// Outboxes: work written in the transaction that caused it and carried out later by a worker,
// outside any transaction. A worker claims a due row with a lease; if it dies mid-way the
// lease runs out and the row is due again (at-least-once). The e-mail outbox lives here; the
// webhook outbox uses the same lease queue.

import type { Db } from './database.js';

/** LeaseQueue is the claim / finish / retry cycle shared by the e-mail and webhook outboxes. */
export type LeaseQueue = {
  /** dueIds returns up to `limit` ids that are due at `now`, oldest due first. */
  dueIds(now: number, limit: number): number[];
  /**
   * claim takes a due row for `leaseMs` on behalf of `node`, counts the attempt, and returns
   * false when it is not due (finished, or claimed by a node whose lease has not run out).
   */
  claim(id: number, now: number, leaseMs: number, node?: string | null): boolean;
  /**
   * claimNext takes the row that has been due longest for `leaseMs` on behalf of `node` and
   * returns its id, or null when nothing is due. On PostgreSQL a row another node is claiming
   * at the same instant is skipped rather than waited for (FOR UPDATE SKIP LOCKED).
   */
  claimNext(now: number, leaseMs: number, node: string): number | null;
  /** finish marks a claimed row done (whoever holds the claim now: the work was done). */
  finish(id: number, now: number): void;
  /**
   * retry puts a row `node` holds back for `nextAt`, or marks it failed when `nextAt` is
   * null; it does nothing when the lease ran out and another node has taken the row since.
   */
  retry(id: number, now: number, error: string, nextAt: number | null, node?: string | null): void;
  /** nextDueAt returns when the earliest waiting row becomes due, or null when none waits. */
  nextDueAt(): number | null;
};

/** OutboxTable names an outbox table and how its finished rows are marked. */
export type OutboxTable = {
  table: 'email_outbox' | 'webhook_deliveries';
  done: { status: 'sent' | 'delivered'; column: 'sent_at' | 'delivered_at' };
  /** Whether finish and retry also set updated_at. */
  touch: boolean;
};

/** EMAIL_OUTBOX is the e-mail outbox table. */
export const EMAIL_OUTBOX: OutboxTable = {
  table: 'email_outbox',
  done: { status: 'sent', column: 'sent_at' },
  touch: true,
};

/** WEBHOOK_OUTBOX is the webhook delivery table. */
export const WEBHOOK_OUTBOX: OutboxTable = {
  table: 'webhook_deliveries',
  done: { status: 'delivered', column: 'delivered_at' },
  touch: false,
};

/**
 * leaseQueueSql returns the lease queue's statements over `t` with named parameters, the
 * same on both backends except that PostgreSQL's claimNext locks the row it picks and skips
 * rows other transactions hold (`skipLocked`); on SQLite the write lock already serialises.
 */
export function leaseQueueSql(t: OutboxTable, skipLocked: boolean) {
  const { table, done } = t;
  // Due: waiting and its time has come, or claimed by a node whose lease ran out.
  const due = `((status IN ('queued', 'retrying') AND next_attempt_at <= @now)
       OR (status = 'sending' AND lease_until <= @now))`;
  const take = `SET status = 'sending', attempts = attempts + 1, lease_until = @leaseUntil,
     claimed_by = @node`;
  const touch = t.touch ? ', updated_at = @now' : '';
  return {
    due: `SELECT id FROM ${table} WHERE ${due} ORDER BY next_attempt_at, id LIMIT @limit`,
    claim: `UPDATE ${table} ${take} WHERE id = @id AND ${due}`,
    claimNext: `UPDATE ${table} ${take} WHERE id = (SELECT id FROM ${table} WHERE ${due}
     ORDER BY next_attempt_at, id LIMIT 1${skipLocked ? ' FOR UPDATE SKIP LOCKED' : ''}) RETURNING id`,
    finish: `UPDATE ${table} SET status = '${done.status}', ${done.column} = @now,
     lease_until = NULL, last_error = NULL${touch} WHERE id = @id AND status = 'sending'`,
    retry: `UPDATE ${table} SET status = CASE WHEN CAST(@nextAt AS BIGINT) IS NULL THEN 'failed' ELSE 'retrying' END,
     next_attempt_at = COALESCE(@nextAt, next_attempt_at), lease_until = NULL, claimed_by = NULL,
     last_error = @error${touch}
     WHERE id = @id AND status = 'sending' AND claimed_by IS NOT DISTINCT FROM @node`,
    next: `SELECT MIN(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END) AS at
       FROM ${table} WHERE status IN ('queued', 'retrying', 'sending')`,
  };
}

/** createLeaseQueue returns the lease queue over the outbox table `t`. */
export function createLeaseQueue(db: Db, t: OutboxTable): LeaseQueue {
  const sql = leaseQueueSql(t, false);
  const due = db.prepare(sql.due).pluck();
  const claim = db.prepare(sql.claim);
  const claimNext = db.prepare(sql.claimNext).pluck();
  const finish = db.prepare(sql.finish);
  const retry = db.prepare(sql.retry);
  const next = db.prepare(sql.next).pluck();
  return {
    dueIds: (now, limit) => due.all({ now, limit }) as number[],
    claim: (id, now, leaseMs, node = null) =>
      claim.run({ id, now, leaseUntil: now + leaseMs, node }).changes === 1,
    claimNext: (now, leaseMs, node) =>
      (claimNext.get({ now, leaseUntil: now + leaseMs, node }) as number | undefined) ?? null,
    finish: (id, now) => {
      finish.run({ id, now });
    },
    retry: (id, now, error, nextAt, node = null) => {
      retry.run({ id, now, error: error.slice(0, 1000), nextAt, node });
    },
    nextDueAt: () => (next.get() as number | null | undefined) ?? null,
  };
}

/** EmailStatus is a message's state as staff see it. */
export type EmailStatus = 'queued' | 'sending' | 'sent' | 'retrying' | 'failed';

/** NewEmail is a rendered message to queue. */
export type NewEmail = {
  messageId: string;
  kind: string;
  bookingId: number | null;
  to: string;
  subject: string;
  html: string;
  text: string;
};

/** EmailRecord is a queued, sent or failed message. */
export type EmailRecord = NewEmail & {
  id: number;
  status: EmailStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
};

type Row = Record<string, unknown>;

/** emailFromRow returns the EmailRecord of an `email_outbox` row. */
export const emailFromRow = (r: Row): EmailRecord => ({
  id: r.id as number,
  messageId: r.message_id as string,
  kind: r.kind as string,
  bookingId: r.booking_id as number | null,
  to: r.to_address as string,
  subject: r.subject as string,
  html: r.html as string,
  text: r.text as string,
  status: r.status as EmailStatus,
  attempts: r.attempts as number,
  nextAttemptAt: r.next_attempt_at as number,
  lastError: r.last_error as string | null,
  createdAt: r.created_at as number,
  sentAt: r.sent_at as number | null,
});

/** EMAIL_INSERT queues a message due now (named parameters: NewEmail and now). */
export const EMAIL_INSERT = `INSERT INTO email_outbox (message_id, kind, booking_id, to_address,
    subject, html, text, next_attempt_at, created_at, updated_at)
    VALUES (@messageId, @kind, @bookingId, @to, @subject, @html, @text, @now, @now, @now)`;

/** emptyEmailCounts returns a count of zero for every status. */
export const emptyEmailCounts = (): Record<EmailStatus, number> => ({
  queued: 0,
  sending: 0,
  sent: 0,
  retrying: 0,
  failed: 0,
});

/** createEmailOutboxRepo returns the e-mail outbox repository over `db`. */
export function createEmailOutboxRepo(db: Db) {
  const insert = db.prepare(EMAIL_INSERT);
  const byId = db.prepare('SELECT * FROM email_outbox WHERE id = ?');
  const byBooking = db.prepare('SELECT * FROM email_outbox WHERE booking_id = ? ORDER BY id');
  const page = db.prepare(
    'SELECT * FROM email_outbox WHERE (:status IS NULL OR status = :status) ORDER BY id DESC LIMIT :limit OFFSET :offset',
  );
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM email_outbox GROUP BY status');
  const requeue = db.prepare(
    "UPDATE email_outbox SET status = 'retrying', next_attempt_at = ?, attempts = 0, updated_at = ? WHERE id = ? AND status = 'failed'",
  );
  return {
    ...createLeaseQueue(db, EMAIL_OUTBOX),
    /** enqueue adds a message due now and returns its id. */
    enqueue(m: NewEmail, now: number): number {
      return Number(insert.run({ ...m, now }).lastInsertRowid);
    },
    /** findById returns a message, or undefined. */
    findById(id: number): EmailRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? emailFromRow(r) : undefined;
    },
    /** listForBooking returns a booking's messages in the order they were queued. */
    listForBooking(bookingId: number): EmailRecord[] {
      return (byBooking.all(bookingId) as Row[]).map(emailFromRow);
    },
    /** list returns messages newest first, optionally of one status. */
    list(opts: { status?: EmailStatus; limit: number; offset?: number }): EmailRecord[] {
      return (
        page.all({
          status: opts.status ?? null,
          limit: opts.limit,
          offset: opts.offset ?? 0,
        }) as Row[]
      ).map(emailFromRow);
    },
    /** countByStatus returns how many messages are in each status. */
    countByStatus(): Record<EmailStatus, number> {
      const out = emptyEmailCounts();
      for (const r of counts.all() as Row[]) out[r.status as EmailStatus] = r.n as number;
      return out;
    },
    /** requeue gives a failed message a fresh set of attempts; false when it had not failed. */
    requeue(id: number, now: number): boolean {
      return requeue.run(now, now, id).changes === 1;
    },
  };
}

/** EmailOutboxRepo is the e-mail outbox repository's interface. */
export type EmailOutboxRepo = ReturnType<typeof createEmailOutboxRepo>;
