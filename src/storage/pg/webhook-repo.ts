// Outgoing webhooks, their deliveries and log, and the replay memory on PostgreSQL: the same
// rows and answers as src/storage/webhook-repo.ts.

import { WEBHOOK_OUTBOX } from '../outbox-repo.js';
import type { Repos } from '../store.js';
import {
  ATTEMPT_INSERT,
  DELIVERY_SELECT,
  attemptFromRow,
  deliveryFromRow,
  emptyDeliveryCounts,
  webhookFromRow,
  webhookValues,
  type DeliveryStatus,
} from '../webhook-repo.js';
import type { PgConn } from './connection.js';
import { named } from './named.js';
import { createPgLeaseQueue } from './outbox-repo.js';

/** createPgWebhookRepo returns the webhook repository over `conn`. */
export function createPgWebhookRepo(conn: PgConn): Repos['webhooks'] {
  return {
    queue: createPgLeaseQueue(conn, WEBHOOK_OUTBOX),
    async insert(w, now) {
      const r = await conn.one<{ id: number }>(
        `INSERT INTO webhooks (url, events, secret, description, allow_private_network, created_by,
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        webhookValues(w, now),
      );
      return r!.id;
    },
    async findById(id) {
      const r = await conn.one('SELECT * FROM webhooks WHERE id = $1', [id]);
      return r ? webhookFromRow(r) : undefined;
    },
    async list() {
      return (await conn.query('SELECT * FROM webhooks ORDER BY id')).map(webhookFromRow);
    },
    async setDisabled(id, at) {
      return (await conn.run('UPDATE webhooks SET disabled_at = $1 WHERE id = $2', [at, id])) === 1;
    },
    async remove(id) {
      return (await conn.run('DELETE FROM webhooks WHERE id = $1', [id])) === 1;
    },
    async subscribers(eventType) {
      // `events` is a JSON array in a TEXT column, as on SQLite (json_each there).
      const rows = await conn.query<{ id: number }>(
        `SELECT w.id FROM webhooks w, jsonb_array_elements_text(w.events::jsonb) e (value)
         WHERE w.disabled_at IS NULL AND e.value = $1 ORDER BY w.id`,
        [eventType],
      );
      return rows.map((r) => r.id);
    },
    async enqueue(webhookId, eventId, eventType, payload, now) {
      // Once per receiver and event id, as INSERT OR IGNORE on SQLite. The NOT EXISTS spares
      // an identity number for the usual repeat (ON CONFLICT alone takes one and drops it);
      // ON CONFLICT still settles two nodes enqueueing the same event at the same instant.
      await conn.run(
        `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload,
         next_attempt_at, created_at) SELECT $1, $2, $3, $4, $5, $5
         WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = $1 AND event_id = $2)
         ON CONFLICT (webhook_id, event_id) DO NOTHING`,
        [webhookId, eventId, eventType, payload, now],
      );
    },
    async findDelivery(id) {
      const r = await conn.one(`${DELIVERY_SELECT} WHERE d.id = $1`, [id]);
      return r ? deliveryFromRow(r) : undefined;
    },
    async countDeliveriesByStatus() {
      const out = emptyDeliveryCounts();
      const rows = await conn.query<{ status: DeliveryStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status',
      );
      for (const r of rows) out[r.status] = r.n;
      return out;
    },
    async listDeliveries(opts) {
      const rows = await conn.query(
        `${DELIVERY_SELECT} WHERE ($1::bigint IS NULL OR d.webhook_id = $1) ORDER BY d.id DESC
         LIMIT $2`,
        [opts.webhookId ?? null, opts.limit],
      );
      return rows.map(deliveryFromRow);
    },
    async logAttempt(a) {
      const q = named(ATTEMPT_INSERT, a);
      await conn.run(q.text, q.values);
      await conn.run('UPDATE webhook_deliveries SET last_status_code = $1 WHERE id = $2', [
        a.statusCode,
        a.deliveryId,
      ]);
    },
    async attempts(deliveryId) {
      const rows = await conn.query(
        'SELECT * FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt, id',
        [deliveryId],
      );
      return rows.map(attemptFromRow);
    },
    async rememberSignature(signature, now, forgetBefore) {
      await conn.run('DELETE FROM webhook_replays WHERE seen_at < $1', [forgetBefore]);
      const n = await conn.run(
        'INSERT INTO webhook_replays (signature, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [signature, now],
      );
      return n === 1;
    },
  };
}
