// Bookings and visitors on PostgreSQL: the same rows and answers as src/storage/booking-repo.ts.

import {
  BOOKING_INSERT,
  BOOKING_UPDATE_SET,
  bookingFromRow,
  type BookingFields,
} from '../booking-repo.js';
import type { Repos } from '../store.js';
import type { PgConn } from './connection.js';
import { named } from './named.js';

type Row = Record<string, unknown>;

// The token ids come with the row (one round trip per booking, not two), in id order.
const SELECT = `SELECT b.*, COALESCE((SELECT json_agg(bt.token_id ORDER BY bt.token_id)
  FROM booking_tokens bt WHERE bt.booking_id = b.id), '[]'::json) AS token_ids FROM bookings b`;

const toRecord = (r: Row) => bookingFromRow(r, r.token_ids as number[]);

const fields = (b: BookingFields) => ({ ...b, guests: JSON.stringify(b.guests) });

/** createPgBookingRepo returns the booking repository over `conn`. */
export function createPgBookingRepo(conn: PgConn): Repos['bookings'] {
  const many = async (text: string, params: unknown[]) =>
    (await conn.query(text, params)).map(toRecord);
  const first = async (text: string, params: unknown[]) => {
    const r = await conn.one(text, params);
    return r ? toRecord(r) : undefined;
  };
  return {
    async insert(b, now) {
      const q = named(`${BOOKING_INSERT} RETURNING id`, { ...fields(b), now });
      const r = await conn.one<{ id: number }>(q.text, q.values);
      return r!.id;
    },
    findByExternalId: (origin, externalId) =>
      first(`${SELECT} WHERE b.origin = $1 AND b.external_id = $2`, [origin, externalId]),
    findById: (id) => first(`${SELECT} WHERE b.id = $1`, [id]),
    async linkToken(bookingId, tokenId) {
      await conn.run('INSERT INTO booking_tokens (booking_id, token_id) VALUES ($1, $2)', [
        bookingId,
        tokenId,
      ]);
    },
    async update(id, b, now) {
      const q = named(`UPDATE bookings SET ${BOOKING_UPDATE_SET} WHERE id = @id`, {
        ...fields(b),
        id,
        now,
      });
      await conn.run(q.text, q.values);
    },
    async cancel(id, now) {
      const n = await conn.run(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = $1, updated_at = $1 WHERE id = $2 AND status <> 'cancelled'",
        [now, id],
      );
      return n === 1;
    },
    listConfirmed: (origin, after) =>
      many(
        `${SELECT} WHERE b.origin = $1 AND b.status = 'confirmed' AND b.end_at > $2 ORDER BY b.id`,
        [origin, after],
      ),
    listConfirmedWithPrefix: (origin, prefix, after) =>
      many(
        `${SELECT} WHERE b.origin = $1 AND b.status = 'confirmed' AND b.end_at > $2
         AND substr(b.external_id, 1, length($3)) = $3 ORDER BY b.id`,
        [origin, after, prefix],
      ),
    list: (opts) =>
      many(
        `${SELECT} WHERE ($1::text IS NULL OR b.kind = $1) ORDER BY b.start_at DESC, b.id DESC
         LIMIT $2 OFFSET $3`,
        [opts.kind ?? null, opts.limit, opts.offset ?? 0],
      ),
  };
}
