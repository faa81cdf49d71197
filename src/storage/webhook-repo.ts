// Outgoing webhooks staff registered, the deliveries waiting for them, the log of every
// attempt, and the recent signatures of incoming webhooks (replay memory).

import type { Db } from './database.js';
import { createLeaseQueue, WEBHOOK_OUTBOX } from './outbox-repo.js';

/** WebhookRecord is a registered receiver. */
export type WebhookRecord = {
  id: number;
  url: string;
  events: string[];
  secret: string;
  description: string;
  /** Staff allowed this URL to reach loopback, link-local or private addresses. */
  allowPrivateNetwork: boolean;
  createdBy: string | null;
  createdAt: number;
  disabledAt: number | null;
};

/** DeliveryStatus is a delivery's state as staff see it. */
export type DeliveryStatus = 'queued' | 'sending' | 'delivered' | 'retrying' | 'failed';

/** DeliveryRecord is one event on its way to one receiver. */
export type DeliveryRecord = {
  id: number;
  webhookId: number;
  url: string;
  secret: string;
  allowPrivateNetwork: boolean;
  eventId: string;
  eventType: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
};

/** AttemptRecord is one line of the delivery log. */
export type AttemptRecord = {
  deliveryId: number;
  attempt: number;
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
};

type Row = Record<string, unknown>;

/** webhookFromRow returns the WebhookRecord of a `webhooks` row. */
export const webhookFromRow = (r: Row): WebhookRecord => ({
  id: r.id as number,
  url: r.url as string,
  events: JSON.parse(r.events as string) as string[],
  secret: r.secret as string,
  description: r.description as string,
  allowPrivateNetwork: r.allow_private_network === 1,
  createdBy: r.created_by as string | null,
  createdAt: r.created_at as number,
  disabledAt: r.disabled_at as number | null,
});

/** deliveryFromRow returns the DeliveryRecord of a DELIVERY_SELECT row. */
export const deliveryFromRow = (r: Row): DeliveryRecord => ({
  id: r.id as number,
  webhookId: r.webhook_id as number,
  url: r.url as string,
  secret: r.secret as string,
  allowPrivateNetwork: r.allow_private_network === 1,
  eventId: r.event_id as string,
  eventType: r.event_type as string,
  payload: r.payload as string,
  status: r.status as DeliveryStatus,
  attempts: r.attempts as number,
  nextAttemptAt: r.next_attempt_at as number,
  lastStatusCode: r.last_status_code as number | null,
  lastError: r.last_error as string | null,
  createdAt: r.created_at as number,
  deliveredAt: r.delivered_at as number | null,
});

/** attemptFromRow returns the AttemptRecord of a `webhook_attempts` row. */
export const attemptFromRow = (r: Row): AttemptRecord => ({
  deliveryId: r.delivery_id as number,
  attempt: r.attempt as number,
  at: r.at as number,
  statusCode: r.status_code as number | null,
  error: r.error as string | null,
  durationMs: r.duration_ms as number,
});

/** emptyDeliveryCounts returns a count of zero for every delivery status. */
export const emptyDeliveryCounts = (): Record<DeliveryStatus, number> => ({
  queued: 0,
  sending: 0,
  delivered: 0,
  retrying: 0,
  failed: 0,
});

/** DELIVERY_SELECT reads deliveries (`d`) with their receiver's URL, secret and network rule. */
export const DELIVERY_SELECT =
  'SELECT d.*, w.url, w.secret, w.allow_private_network FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id';

/** NewWebhook is what staff register. */
export type NewWebhook = Pick<
  WebhookRecord,
  'url' | 'events' | 'secret' | 'description' | 'allowPrivateNetwork' | 'createdBy'
>;

/**
 * webhookValues returns the values of a new receiver in the column order url, events,
 * secret, description, allow_private_network, created_by, created_at.
 */
export const webhookValues = (w: NewWebhook, now: number): unknown[] => [
  w.url,
  JSON.stringify(w.events),
  w.secret,
  w.description,
  w.allowPrivateNetwork ? 1 : 0,
  w.createdBy,
  now,
];

/** ATTEMPT_INSERT appends one line to the delivery log (named parameters: AttemptRecord). */
export const ATTEMPT_INSERT = `INSERT INTO webhook_attempts (delivery_id, attempt, at,
    status_code, error, duration_ms) VALUES (@deliveryId, @attempt, @at, @statusCode, @error, @durationMs)`;

/** createWebhookRepo returns the webhook repository over `db`. */
export function createWebhookRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO webhooks (url, events, secret, description, allow_private_network, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare('SELECT * FROM webhooks WHERE id = ?');
  const all = db.prepare('SELECT * FROM webhooks ORDER BY id');
  const subscribed = db.prepare(
    'SELECT w.id FROM webhooks w, json_each(w.events) e WHERE w.disabled_at IS NULL AND e.value = ? ORDER BY w.id',
  );
  const setDisabled = db.prepare('UPDATE webhooks SET disabled_at = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM webhooks WHERE id = ?');
  const insertDelivery = db.prepare(`INSERT OR IGNORE INTO webhook_deliveries (webhook_id,
    event_id, event_type, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`);
  const deliveryById = db.prepare(`${DELIVERY_SELECT} WHERE d.id = ?`);
  const deliveries = db.prepare(
    `${DELIVERY_SELECT} WHERE (:webhookId IS NULL OR d.webhook_id = :webhookId) ORDER BY d.id DESC LIMIT :limit`,
  );
  const setStatusCode = db.prepare(
    'UPDATE webhook_deliveries SET last_status_code = ? WHERE id = ?',
  );
  const logAttempt = db.prepare(ATTEMPT_INSERT);
  const attemptsOf = db.prepare(
    'SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt, id',
  );
  const seen = db.prepare(
    'INSERT OR IGNORE INTO webhook_replays (signature, seen_at) VALUES (?, ?)',
  );
  const forget = db.prepare('DELETE FROM webhook_replays WHERE seen_at < ?');
  const queue = createLeaseQueue(db, WEBHOOK_OUTBOX);

  return {
    queue,
    /** insert registers a receiver and returns its id. */
    insert(w: NewWebhook, now: number): number {
      return Number(insert.run(webhookValues(w, now)).lastInsertRowid);
    },
    /** findById returns a receiver, or undefined. */
    findById(id: number): WebhookRecord | undefined {
      const r = byId.get(id) as Row | undefined;
      return r ? webhookFromRow(r) : undefined;
    },
    /** list returns every registered receiver. */
    list(): WebhookRecord[] {
      return (all.all() as Row[]).map(webhookFromRow);
    },
    /** setDisabled pauses (a time) or resumes (null) a receiver; false when there is none. */
    setDisabled(id: number, at: number | null): boolean {
      return setDisabled.run(at, id).changes === 1;
    },
    /** remove deletes a receiver with its deliveries and their log; false when there is none. */
    remove(id: number): boolean {
      return remove.run(id).changes === 1;
    },
    /** subscribers returns the ids of enabled receivers of an event type. */
    subscribers(eventType: string): number[] {
      return (subscribed.all(eventType) as Row[]).map((r) => r.id as number);
    },
    /** enqueue adds a delivery due now (once per receiver and event id). */
    enqueue(webhookId: number, eventId: string, eventType: string, payload: string, now: number) {
      insertDelivery.run(webhookId, eventId, eventType, payload, now, now);
    },
    /** findDelivery returns a delivery with its receiver's URL and secret, or undefined. */
    findDelivery(id: number): DeliveryRecord | undefined {
      const r = deliveryById.get(id) as Row | undefined;
      return r ? deliveryFromRow(r) : undefined;
    },
    /** countDeliveriesByStatus returns how many deliveries are in each status. */
    countDeliveriesByStatus(): Record<DeliveryStatus, number> {
      const out = emptyDeliveryCounts();
      const rows = db
        .prepare('SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status')
        .all() as Array<{ status: DeliveryStatus; n: number }>;
      for (const r of rows) out[r.status] = r.n;
      return out;
    },
    /** listDeliveries returns the newest deliveries, optionally of one receiver. */
    listDeliveries(opts: { webhookId?: number; limit: number }): DeliveryRecord[] {
      return (
        deliveries.all({ webhookId: opts.webhookId ?? null, limit: opts.limit }) as Row[]
      ).map(deliveryFromRow);
    },
    /** logAttempt appends to the delivery log and keeps the last status code on the delivery. */
    logAttempt(a: AttemptRecord): void {
      logAttempt.run(a);
      setStatusCode.run(a.statusCode, a.deliveryId);
    },
    /** attempts returns the delivery log of one delivery. */
    attempts(deliveryId: number): AttemptRecord[] {
      return (attemptsOf.all(deliveryId) as Row[]).map(attemptFromRow);
    },
    /**
     * rememberSignature records an incoming signature and returns false when it was already
     * seen (a replay); signatures older than `forgetBefore` are dropped first.
     */
    rememberSignature(signature: string, now: number, forgetBefore: number): boolean {
      forget.run(forgetBefore);
      return seen.run(signature, now).changes === 1;
    },
  };
}

/** WebhookRepo is the webhook repository's interface. */
export type WebhookRepo = ReturnType<typeof createWebhookRepo>;
