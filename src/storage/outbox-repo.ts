// Outboxes: work written in the transaction that caused it and carried out later by a worker,
// outside any transaction. A worker claims a due row with a lease; if it dies mid-way the
// lease runs out and the row is due again (at-least-once). The e-mail outbox lives here; the
// webhook outbox uses the same lease queue.

import type { Db } from './database.js';

/** LeaseQueue is the claim / finish / retry cycle shared by the e-mail and webhook outboxes. */
export type LeaseQueue = {
  /** dueIds returns up to `limit` ids that are due at `now`, oldest due first. */
  dueIds(now: number, limit: number): number[];
  /** claim takes a due row for `leaseMs`, counts the attempt, and returns false when it is not due. */
  claim(id: number, now: number, leaseMs: number): boolean;
  /** finish marks a claimed row done. */
  finish(id: number, now: number): void;
  /** retry puts a claimed row back for `nextAt`, or marks it failed when `nextAt` is null. */
  retry(id: number, now: number, error: string, nextAt: number | null): void;
  /** nextDueAt returns when the earliest waiting row becomes due, or null when none waits. */
  nextDueAt(): number | null;
};

/**
 * createLeaseQueue returns the lease queue over an outbox `table` whose finished rows get
 * status `done` and the finishing time in `doneAt`.
 */
export function createLeaseQueue(
  db: Db,
  table: 'email_outbox' | 'webhook_deliveries',
  done: { status: 'sent' | 'delivered'; column: 'sent_at' | 'delivered_at' },
): LeaseQueue {
  const due = db
    .prepare(
      `SELECT id FROM ${table} WHERE (status IN ('queued', 'retrying') AND next_attempt_at <= @now)
       OR (status = 'sending' AND lease_until <= @now) ORDER BY next_attempt_at, id LIMIT @limit`,
    )
    .pluck();
  const claim = db.prepare(
    `UPDATE ${table} SET status = 'sending', attempts = attempts + 1, lease_until = @leaseUntil
     WHERE id = @id AND ((status IN ('queued', 'retrying') AND next_attempt_at <= @now)
       OR (status = 'sending' AND lease_until <= @now))`,
  );
  const finish = db.prepare(
    `UPDATE ${table} SET status = '${done.status}', ${done.column} = ?, lease_until = NULL,
     last_error = NULL WHERE id = ? AND status = 'sending'`,
  );
  const retry = db.prepare(
    `UPDATE ${table} SET status = CASE WHEN @nextAt IS NULL THEN 'failed' ELSE 'retrying' END,
     next_attempt_at = COALESCE(@nextAt, next_attempt_at), lease_until = NULL, last_error = @error
     WHERE id = @id AND status = 'sending'`,
  );
  const next = db
    .prepare(
      `SELECT MIN(CASE WHEN status = 'sending' THEN lease_until ELSE next_attempt_at END)
       FROM ${table} WHERE status IN ('queued', 'retrying', 'sending')`,
    )
    .pluck();
  return {
    dueIds: (now, limit) => due.all({ now, limit }) as number[],
    claim: (id, now, leaseMs) => claim.run({ id, now, leaseUntil: now + leaseMs }).changes === 1,
    finish: (id, now) => {
      finish.run(now, id);
    },
    retry: (id, _now, error, nextAt) => {
      retry.run({ id, error: error.slice(0, 1000), nextAt });
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

const toEmail = (r: Row): EmailRecord => ({
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

/** createEmailOutboxRepo returns the e-mail outbox repository over `db`. */
export function createEmailOutboxRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO email_outbox (message_id, kind, booking_id, to_address,
    subject, html, text, next_attempt_at, created_at, updated_at)
    VALUES (@messageId, @kind, @bookingId, @to, @subject, @html, @text, @now, @now, @now)`);
  const byId = db.prepare('SELECT * FROM email_outbox WHERE id = ?');
  const byBooking = db.prepare('SELECT * FROM email_outbox WHERE booking_id = ? ORDER BY id');
  const page = db.prepare(
    'SELECT * FROM email_outbox WHERE (:status IS NULL OR status = :status) ORDER BY id DESC LIMIT :limit OFFSET :offset',
  );
  const counts = db.prepare('SELECT status, COUNT(*) AS n FROM email_outbox GROUP BY status');
  const touch = db.prepare('UPDATE email_outbox SET updated_at = ? WHERE id = ?');
  const requeue = db.prepare(
    "UPDATE email_outbox SET status = 'retrying', next_attempt_at = ?, attempts = 0, updated_at = ? WHERE id = ? AND status = 'failed'",
  );
  const queue = createLeaseQueue(db, 'email_outbox', { status: 'sent', column: 'sent_at' });
  return {
    ...queue,
    /** finish marks a claimed message sent. */
    finish(id: number, now: number): void {
      queue.finish(id, now);
      touch.run(now, id);
    },
    /** retry puts a claimed message back for `nextAt`, or marks it failed when `nextAt` is null. */
    retry(id: number, now: number, error: string, nextAt: number | null): void {
      queue.retry(id, now, error, nextAt);
      touch.run(now, id);
    },
    /** enqueue adds a message due now and returns its id. */
    enqueue(m: NewEmail, now: number): number {
      return Number(insert.run({ ...m, now }).lastInsertRowid);
    },
    /** findById returns a message, or undefined. */
    findById(id: number): EmailRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? toEmail(r) : undefined;
    },
    /** listForBooking returns a booking's messages in the order they were queued. */
    listForBooking(bookingId: number): EmailRecord[] {
      return (byBooking.all(bookingId) as Row[]).map(toEmail);
    },
    /** list returns messages newest first, optionally of one status. */
    list(opts: { status?: EmailStatus; limit: number; offset?: number }): EmailRecord[] {
      return (
        page.all({
          status: opts.status ?? null,
          limit: opts.limit,
          offset: opts.offset ?? 0,
        }) as Row[]
      ).map(toEmail);
    },
    /** countByStatus returns how many messages are in each status. */
    countByStatus(): Record<EmailStatus, number> {
      const out: Record<EmailStatus, number> = {
        queued: 0,
        sending: 0,
        sent: 0,
        retrying: 0,
        failed: 0,
      };
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
